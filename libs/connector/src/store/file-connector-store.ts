import { mkdir, open, readFile, rename, stat, unlink, utimes, writeFile, type FileHandle } from 'node:fs/promises';
import { hostname } from 'node:os';
import { join, resolve } from 'node:path';
import { LtError } from '@lt/contracts';
import { systemClock, type Clock, type Logger } from '@lt/platform';
import type { ConnectorStore, InboundEntry, InboundRecord, ListOptions, SentRecord, WebhookProgress } from './connector-store';

/**
 * The connector's store as one append-only journal of JSON lines in a folder.
 *
 * - Every change is a line; a call resolves only after its line is written and fdatasync'd.
 *   Concurrent callers share one write + one fdatasync (group commit): while a batch is being
 *   synced, the next one gathers.
 * - A kill -9 can only leave an incomplete tail (a batch is written after the previous one was
 *   synced), so at open everything from the first unreadable line on is cut off (and kept aside
 *   in `journal.torn-<time>` for operators); nothing cut off was ever acknowledged to a caller.
 * - Memory holds indexes and each entry's position in the journal, not the JWS: reads fetch the
 *   line from disk (the page cache in practice).
 * - Compaction rewrites the live state (one line per entry) to a temporary file, syncs it and
 *   renames it over the journal; acked entries and sent records older than their retention are
 *   left out there and at open.
 * - A lock file with the owner's pid, refreshed every 10 s, keeps a second process out of the folder.
 */
export interface FileConnectorStoreOptions {
  /** the folder (created if missing) */
  dir: string;
  /** days an acked entry stays readable (getInbound) and keeps its id known (default 30) */
  retainAckedDays?: number;
  /** days a sent record is kept (default 30) */
  retainSentDays?: number;
  /** no compaction below this journal size (default 64 MiB); above it, when over half is stale */
  compactMinBytes?: number;
  clock?: Clock;
  logger?: Logger;
}

export const JOURNAL_FILE = 'journal.jsonl';
export const LOCK_FILE = 'lock';
const COMPACT_TMP_FILE = 'journal.compact.tmp';
const DAY_MS = 86_400_000;
const DEFAULT_LIMIT = 100;
const READ_CHUNK = 1 << 20;
const COMPACT_READ_SPAN = 4 << 20;
/** a lock file without a readable owner younger than this is being written by its owner */
const FRESH_LOCK_MS = 5_000;
export const LOCK_REFRESH_MS = 10_000;
export const LOCK_STALE_MS = 30_000;
/** folders locked by stores of this process (resolved paths) */
const LOCKED_IN_THIS_PROCESS = new Set<string>();

type InLine = { t: 'in'; r: InboundRecord; a?: string; w?: WebhookProgress };
type JournalLine = InLine | { t: 'ack'; id: string; at: string } | { t: 'wh'; id: string; w: WebhookProgress } | { t: 'sent'; r: SentRecord };

interface Loc {
  offset: number;
  length: number;
}

/** What memory keeps of an inbox entry: the JWS stays on disk at `loc`. */
interface Slot {
  id: string;
  /** arrival order */
  n: number;
  documentId?: string;
  loc: Loc;
  ackedAt?: string;
  webhook?: WebhookProgress;
  /** bumped at each webhook change, so stale heap items are recognised */
  whVersion: number;
}

interface SentSlot {
  n: number;
  record: SentRecord;
  bytes: number;
}

interface HeapItem {
  due: number;
  n: number;
  slot: Slot;
  version: number;
}

/** A journal handle shared by readers; a replaced one is closed when its last reader is done. */
interface Handle {
  fh: FileHandle;
  readers: number;
  retired: boolean;
}

interface QueuedWrite {
  buf: Buffer;
  apply: (loc: Loc) => void;
  resolve: () => void;
  reject: (err: unknown) => void;
}

export class FileConnectorStore implements ConnectorStore {
  private readonly dir: string;
  private readonly journalPath: string;
  private readonly lockPath: string;
  private readonly retainAckedMs: number;
  private readonly retainSentMs: number;
  private readonly compactMinBytes: number;
  private readonly clock: Clock;
  private readonly logger?: Logger;

  private handle?: Handle;
  private size = 0;
  private liveBytes = 0;
  private syncs = 0;
  private nextN = 0;
  private opened = false;
  private closed = false;
  private lockHeld = false;
  private lockRefresh?: NodeJS.Timeout;
  private broken?: Error;

  private slots = new Map<string, Slot>();
  private pendingList: Slot[] = [];
  private pendingDead = 0;
  private byDocumentId = new Map<string, Slot[]>();
  private heap: HeapItem[] = [];
  private parked = new Set<Slot>();
  private sent = new Map<string, SentSlot>();
  private sentByDocumentId = new Map<string, SentSlot[]>();

  private readonly adding = new Map<string, Promise<boolean>>();
  private readonly acking = new Map<string, Promise<void>>();
  private queue: QueuedWrite[] = [];
  private flushing?: Promise<void>;
  private compactRequested = false;
  private compactWaiters: Array<{ resolve: () => void; reject: (err: unknown) => void }> = [];

  constructor(options: FileConnectorStoreOptions) {
    this.dir = options.dir;
    this.journalPath = join(options.dir, JOURNAL_FILE);
    this.lockPath = join(options.dir, LOCK_FILE);
    this.retainAckedMs = (options.retainAckedDays ?? 30) * DAY_MS;
    this.retainSentMs = (options.retainSentDays ?? 30) * DAY_MS;
    this.compactMinBytes = options.compactMinBytes ?? 64 * 1024 * 1024;
    this.clock = options.clock ?? systemClock;
    this.logger = options.logger;
  }

  // ---------------------------------------------------------------- lifecycle

  async open(): Promise<void> {
    if (this.closed) throw new LtError('UNAVAILABLE', `connector store ${this.dir} was closed; open a new FileConnectorStore`, { dir: this.dir });
    if (this.opened) return;
    await mkdir(this.dir, { recursive: true });
    await this.acquireLock();
    try {
      let fh: FileHandle;
      try {
        fh = await open(this.journalPath, 'r+');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        fh = await open(this.journalPath, 'wx+');
        await fsyncDir(this.dir);
      }
      // a compaction interrupted by a crash: the journal it would have replaced is intact
      await unlink(join(this.dir, COMPACT_TMP_FILE)).catch(() => undefined);
      this.handle = { fh, readers: 0, retired: false };
      const fileSize = (await fh.stat()).size;
      const goodEnd = await this.replay(fh, fileSize);
      if (goodEnd < fileSize) await this.cutTornTail(fh, goodEnd, fileSize);
      this.size = goodEnd;
      this.forgetExpired();
      this.rebuildIndexes();
      if (this.shouldCompact()) await this.compactNow();
      this.opened = true;
    } catch (err) {
      await this.handle?.fh.close().catch(() => undefined);
      this.handle = undefined;
      await this.releaseLock();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.opened || this.closed) return;
    this.closed = true;
    while (this.flushing) await this.flushing.catch(() => undefined);
    const handle = this.handle;
    this.handle = undefined;
    if (handle) {
      handle.retired = true;
      if (handle.readers === 0) await handle.fh.close().catch(() => undefined);
    }
    await this.releaseLock();
  }

  /** Rewrites the journal to its live state now (also done on its own when it grows). */
  async compact(): Promise<void> {
    this.assertWritable();
    // in the flusher's turn, between two batches: writers keep writing, they cannot starve it
    await new Promise<void>((resolve, reject) => {
      this.compactWaiters.push({ resolve, reject });
      this.compactRequested = true;
      this.kickFlusher();
    });
  }

  /** Figures for health checks and benches. */
  stats(): { journalBytes: number; liveBytes: number; syncs: number; entries: number; pending: number; sent: number; parked: number } {
    return {
      journalBytes: this.size,
      syncs: this.syncs,
      liveBytes: this.liveBytes,
      entries: this.slots.size,
      pending: this.pendingList.length - this.pendingDead,
      sent: this.sent.size,
      parked: this.parked.size,
    };
  }

  // ---------------------------------------------------------------- inbox

  async addInbound(record: InboundRecord, opts: { webhook: boolean }): Promise<boolean> {
    this.assertWritable();
    if (this.slots.has(record.id)) return false;
    const inFlight = this.adding.get(record.id);
    if (inFlight) {
      // the same copy handed over twice at once: the first call stores it
      const stored = await inFlight.catch(() => false);
      return stored ? false : this.addInbound(record, opts);
    }
    const webhook: WebhookProgress | undefined = opts.webhook ? { state: 'pending', attempts: 0, nextAttemptAt: this.clock.now().toISOString() } : undefined;
    const line: InLine = webhook ? { t: 'in', r: record, w: webhook } : { t: 'in', r: record };
    const done = this.append(line, (loc) => {
      const slot: Slot = { id: record.id, n: this.nextN++, documentId: record.documentId, loc, webhook, whVersion: 0 };
      this.slots.set(slot.id, slot);
      this.liveBytes += loc.length;
      this.indexSlot(slot);
    }).then(() => true);
    this.adding.set(record.id, done);
    try {
      return await done;
    } finally {
      this.adding.delete(record.id);
    }
  }

  async listPending(opts: ListOptions = {}): Promise<InboundEntry[]> {
    this.assertOpen();
    const limit = opts.limit ?? DEFAULT_LIMIT;
    const fromN = opts.after === undefined ? -1 : this.slotOf(opts.after, 'after').n;
    const picked: Slot[] = [];
    for (let i = firstIndexAfter(this.pendingList, fromN); i < this.pendingList.length && picked.length < limit; i++) {
      const slot = this.pendingList[i];
      if (!slot.ackedAt) picked.push(slot);
    }
    return this.readEntries(picked);
  }

  async getInbound(id: string): Promise<InboundEntry | undefined> {
    this.assertOpen();
    const slot = this.slots.get(id);
    return slot ? this.readEntry(slot) : undefined;
  }

  async markAcked(id: string): Promise<'acked' | 'already' | 'unknown'> {
    this.assertWritable();
    const slot = this.slots.get(id);
    if (!slot) return 'unknown';
    if (slot.ackedAt) {
      // an ack still being written: answer once it is on disk (or retry if it failed)
      const inFlight = this.acking.get(id);
      if (!inFlight) return 'already';
      const written = await inFlight.then(
        () => true,
        () => false,
      );
      return written ? 'already' : this.markAcked(id);
    }
    // Acked in memory at once, so that no webhook delivery starts from here on; undone if the
    // line cannot be written.
    const at = this.clock.now().toISOString();
    this.setAcked(slot, at);
    const written = this.append({ t: 'ack', id, at }, () => undefined);
    this.acking.set(id, written);
    try {
      await written;
    } catch (err) {
      if (this.slots.get(id) === slot && slot.ackedAt === at) this.unsetAcked(slot);
      throw err;
    } finally {
      this.acking.delete(id);
    }
    return 'acked';
  }

  async findInboundByDocumentId(documentId: string): Promise<InboundEntry | undefined> {
    this.assertOpen();
    const slots = this.byDocumentId.get(documentId);
    const slot = slots?.[slots.length - 1];
    return slot ? this.readEntry(slot) : undefined;
  }

  // ---------------------------------------------------------------- sent

  async recordSent(record: SentRecord): Promise<void> {
    this.assertWritable();
    const copy = structuredClone(record);
    await this.append({ t: 'sent', r: copy }, (loc) => this.putSent(copy, loc.length));
  }

  async getSent(id: string): Promise<SentRecord | undefined> {
    this.assertOpen();
    const slot = this.sent.get(id);
    return slot ? structuredClone(slot.record) : undefined;
  }

  async findSentByDocumentId(documentId: string): Promise<SentRecord | undefined> {
    this.assertOpen();
    const slots = this.sentByDocumentId.get(documentId);
    const slot = slots?.[slots.length - 1];
    return slot ? structuredClone(slot.record) : undefined;
  }

  // ---------------------------------------------------------------- webhooks

  async dueWebhooks(now: Date, limit: number, exclude?: ReadonlySet<string>): Promise<InboundEntry[]> {
    this.assertOpen();
    const picked = this.peekWebhooks(limit, (item) => item.due <= now.getTime(), exclude);
    return this.readEntries(picked.map((item) => item.slot));
  }

  async nextWebhookDue(exclude?: ReadonlySet<string>): Promise<Date | undefined> {
    this.assertOpen();
    const [first] = this.peekWebhooks(1, () => true, exclude);
    return first ? new Date(first.due) : undefined;
  }

  async updateWebhook(id: string, progress: WebhookProgress): Promise<void> {
    this.assertWritable();
    if (!this.slots.has(id)) throw new LtError('NOT_FOUND', `no inbox entry '${id}' in the connector store`, { id });
    const copy = { ...progress };
    await this.append({ t: 'wh', id, w: copy }, () => {
      const slot = this.slots.get(id);
      if (slot) this.setWebhook(slot, copy);
    });
  }

  async listParked(opts: ListOptions = {}): Promise<InboundEntry[]> {
    this.assertOpen();
    const limit = opts.limit ?? DEFAULT_LIMIT;
    const fromN = opts.after === undefined ? -1 : this.slotOf(opts.after, 'after').n;
    const parked = [...this.parked].filter((slot) => !slot.ackedAt && slot.n > fromN).sort((a, b) => a.n - b.n);
    return this.readEntries(parked.slice(0, limit));
  }

  async countParked(): Promise<number> {
    this.assertOpen();
    let n = 0;
    for (const slot of this.parked) if (!slot.ackedAt) n++;
    return n;
  }

  async requeueParked(ids?: string[]): Promise<number> {
    this.assertWritable();
    const targets =
      ids === undefined ? [...this.parked] : ids.map((id) => this.slots.get(id)).filter((slot): slot is Slot => slot !== undefined && this.parked.has(slot));
    const now = this.clock.now().toISOString();
    const live = targets.filter((slot) => !slot.ackedAt);
    await Promise.all(
      live.map((slot) => {
        // a fresh schedule: attempts start again from 0
        const progress: WebhookProgress = { state: 'pending', attempts: 0, nextAttemptAt: now, lastError: slot.webhook?.lastError };
        if (progress.lastError === undefined) delete progress.lastError;
        return this.append({ t: 'wh', id: slot.id, w: progress }, () => {
          if (this.slots.get(slot.id) === slot) this.setWebhook(slot, progress);
        });
      }),
    );
    return live.length;
  }

  // ---------------------------------------------------------------- state changes

  private indexSlot(slot: Slot): void {
    // acked documents stay findable by documentId until forgotten: statuses may name them later
    if (slot.documentId !== undefined) pushTo(this.byDocumentId, slot.documentId, slot);
    if (slot.ackedAt) return;
    this.pendingList.push(slot);
    if (slot.webhook?.state === 'pending') this.pushHeap(slot);
    if (slot.webhook?.state === 'parked') this.parked.add(slot);
  }

  private setAcked(slot: Slot, at: string): void {
    slot.ackedAt = at;
    this.pendingDead++;
    this.parked.delete(slot);
    this.compactPendingList();
  }

  private unsetAcked(slot: Slot): void {
    slot.ackedAt = undefined;
    if (this.pendingList.includes(slot)) this.pendingDead--;
    else this.pendingList = insertByN(this.pendingList, slot);
    if (slot.webhook?.state === 'pending') this.pushHeap(slot);
    if (slot.webhook?.state === 'parked') this.parked.add(slot);
  }

  private setWebhook(slot: Slot, progress: WebhookProgress): void {
    slot.webhook = progress;
    slot.whVersion++;
    if (progress.state === 'parked' && !slot.ackedAt) this.parked.add(slot);
    else this.parked.delete(slot);
    if (progress.state === 'pending' && !slot.ackedAt) this.pushHeap(slot);
  }

  private pushHeap(slot: Slot): void {
    const due = slot.webhook?.nextAttemptAt ? Date.parse(slot.webhook.nextAttemptAt) : 0;
    heapPush(this.heap, { due: Number.isNaN(due) ? 0 : due, n: slot.n, slot, version: slot.whVersion });
  }

  /**
   * Up to `limit` valid heap items in due order while `accept` holds, skipping `exclude`; stale
   * items met on the way are dropped. The heap keeps the items returned: they stay due until the
   * dispatcher records the attempt.
   */
  private peekWebhooks(limit: number, accept: (item: HeapItem) => boolean, exclude?: ReadonlySet<string>): HeapItem[] {
    const picked: HeapItem[] = [];
    const skipped: HeapItem[] = [];
    while (picked.length < limit) {
      const top = this.validTop();
      if (!top || !accept(top)) break;
      heapPop(this.heap);
      (exclude?.has(top.slot.id) ? skipped : picked).push(top);
    }
    for (const item of picked) heapPush(this.heap, item);
    for (const item of skipped) heapPush(this.heap, item);
    return picked;
  }

  /** The first heap item that still describes a pending, unacked webhook (stale ones dropped). */
  private validTop(): HeapItem | undefined {
    for (;;) {
      const top = this.heap[0];
      if (!top) return undefined;
      const slot = top.slot;
      if (this.slots.get(slot.id) === slot && !slot.ackedAt && slot.whVersion === top.version && slot.webhook?.state === 'pending') return top;
      heapPop(this.heap);
    }
  }

  private compactPendingList(): void {
    if (this.pendingDead > 1024 && this.pendingDead * 2 > this.pendingList.length) {
      this.pendingList = this.pendingList.filter((slot) => !slot.ackedAt);
      this.pendingDead = 0;
    }
  }

  private putSent(record: SentRecord, bytes: number): void {
    const previous = this.sent.get(record.id);
    if (previous) {
      this.liveBytes -= previous.bytes;
      if (previous.record.documentId !== undefined) removeFrom(this.sentByDocumentId, previous.record.documentId, previous);
    }
    const slot: SentSlot = { n: this.nextN++, record, bytes };
    this.sent.set(record.id, slot);
    this.liveBytes += bytes;
    if (record.documentId !== undefined) pushTo(this.sentByDocumentId, record.documentId, slot);
  }

  /** Drops acked entries and sent records past their retention (at open and compaction). */
  private forgetExpired(): void {
    const now = this.clock.now().getTime();
    const ackedCutoff = now - this.retainAckedMs;
    const sentCutoff = now - this.retainSentMs;
    let forgot = 0;
    for (const [id, slot] of this.slots) {
      if (slot.ackedAt && Date.parse(slot.ackedAt) < ackedCutoff) {
        this.slots.delete(id);
        this.liveBytes -= slot.loc.length;
        forgot++;
      }
    }
    for (const [id, slot] of this.sent) {
      if (Date.parse(slot.record.sentAt) < sentCutoff) {
        this.sent.delete(id);
        this.liveBytes -= slot.bytes;
        forgot++;
      }
    }
    if (forgot > 0) {
      this.logger?.info({ dir: this.dir, forgot }, 'connector store: forgot entries past their retention');
      if (this.opened) this.rebuildIndexes();
    }
  }

  private rebuildIndexes(): void {
    this.pendingList = [];
    this.pendingDead = 0;
    this.byDocumentId = new Map();
    this.heap = [];
    this.parked = new Set();
    for (const slot of this.slots.values()) this.indexSlot(slot);
    this.sentByDocumentId = new Map();
    for (const slot of this.sent.values()) if (slot.record.documentId !== undefined) pushTo(this.sentByDocumentId, slot.record.documentId, slot);
  }

  // ---------------------------------------------------------------- replay

  /** Applies the journal's lines; returns where the last readable line ends. */
  private async replay(fh: FileHandle, fileSize: number): Promise<number> {
    const chunk = Buffer.allocUnsafe(READ_CHUNK);
    let carry: Buffer = Buffer.alloc(0);
    let carryStart = 0;
    let pos = 0;
    while (pos < fileSize) {
      const { bytesRead } = await fh.read(chunk, 0, Math.min(chunk.length, fileSize - pos), pos);
      if (bytesRead === 0) break;
      const buf = carry.length > 0 ? Buffer.concat([carry, chunk.subarray(0, bytesRead)]) : chunk.subarray(0, bytesRead);
      const bufStart = carry.length > 0 ? carryStart : pos;
      pos += bytesRead;
      let from = 0;
      for (;;) {
        const nl = buf.indexOf(0x0a, from);
        if (nl < 0) break;
        if (!this.replayLine(buf.subarray(from, nl), { offset: bufStart + from, length: nl - from + 1 })) return bufStart + from;
        from = nl + 1;
      }
      carry = Buffer.from(buf.subarray(from));
      carryStart = bufStart + from;
    }
    return carry.length > 0 ? carryStart : pos;
  }

  private replayLine(bytes: Buffer, loc: Loc): boolean {
    let line: JournalLine;
    try {
      line = JSON.parse(bytes.toString('utf8')) as JournalLine;
    } catch {
      return false;
    }
    if (line === null || typeof line !== 'object') return false;
    switch (line.t) {
      case 'in': {
        if (typeof line.r?.id !== 'string') return false;
        const previous = this.slots.get(line.r.id);
        // an id forgotten after its retention and handed over again: the newer copy wins
        if (previous) {
          this.slots.delete(previous.id);
          this.liveBytes -= previous.loc.length;
        }
        const slot: Slot = { id: line.r.id, n: this.nextN++, documentId: line.r.documentId, loc, ackedAt: line.a, webhook: line.w, whVersion: 0 };
        this.slots.set(slot.id, slot);
        this.liveBytes += loc.length;
        return true;
      }
      case 'ack': {
        const slot = this.slots.get(line.id);
        if (slot && !slot.ackedAt) slot.ackedAt = line.at;
        return typeof line.id === 'string';
      }
      case 'wh': {
        const slot = this.slots.get(line.id);
        if (slot) slot.webhook = line.w;
        return typeof line.id === 'string';
      }
      case 'sent':
        if (typeof line.r?.id !== 'string') return false;
        this.putSent(line.r, loc.length);
        return true;
      default:
        return false;
    }
  }

  private async cutTornTail(fh: FileHandle, goodEnd: number, fileSize: number): Promise<void> {
    const tail = Buffer.alloc(fileSize - goodEnd);
    await fh.read(tail, 0, tail.length, goodEnd);
    const asidePath = join(this.dir, `journal.torn-${Date.now()}`);
    await writeFile(asidePath, tail);
    await fh.truncate(goodEnd);
    await fh.datasync();
    await fsyncDir(this.dir);
    this.logger?.warn(
      { dir: this.dir, bytes: tail.length, keptAt: asidePath },
      'connector store: cut an incomplete journal tail (a write interrupted by a crash)',
    );
  }

  // ---------------------------------------------------------------- writes

  /**
   * Queues a line; resolves once it is on disk. `apply` runs right after the sync, before any
   * later batch or compaction, so memory and journal never disagree.
   */
  private append(line: JournalLine, apply: (loc: Loc) => void): Promise<void> {
    const buf = Buffer.from(JSON.stringify(line) + '\n', 'utf8');
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ buf, apply, resolve, reject });
      this.kickFlusher();
    });
  }

  private kickFlusher(): void {
    if (this.flushing) return;
    this.flushing = this.flushLoop().finally(() => {
      this.flushing = undefined;
      if (this.queue.length > 0 || this.compactRequested) this.kickFlusher();
    });
  }

  private async flushLoop(): Promise<void> {
    while (this.queue.length > 0 || this.compactRequested) {
      if (this.compactRequested) {
        this.compactRequested = false;
        const waiters = this.compactWaiters.splice(0);
        try {
          await this.compactNow();
          for (const waiter of waiters) waiter.resolve();
        } catch (err) {
          this.logger?.error({ dir: this.dir, err }, 'connector store: compaction failed; the journal is unchanged');
          for (const waiter of waiters) waiter.reject(err);
        }
        continue;
      }
      const batch = this.queue;
      this.queue = [];
      if (this.broken) {
        for (const write of batch) write.reject(this.unavailable());
        continue;
      }
      const handle = this.handle!;
      const start = this.size;
      try {
        await writeAll(handle.fh, Buffer.concat(batch.map((write) => write.buf)), start);
        await handle.fh.datasync();
        this.syncs++;
      } catch (err) {
        // After a failed write or sync the page cache cannot be trusted: refuse further writes;
        // a restart replays what did reach the disk.
        this.broken = err as Error;
        this.logger?.error({ dir: this.dir, err }, 'connector store: journal write failed; the store refuses writes until restarted');
        await handle.fh.truncate(start).catch(() => undefined);
        for (const write of batch) write.reject(this.unavailable());
        continue;
      }
      let offset = start;
      for (const write of batch) {
        const loc = { offset, length: write.buf.length };
        offset += write.buf.length;
        try {
          write.apply(loc);
        } catch (err) {
          this.logger?.error({ dir: this.dir, err }, 'connector store: applying a written line failed');
        }
      }
      this.size = offset;
      for (const write of batch) write.resolve();
      if (this.shouldCompact()) this.compactRequested = true;
    }
  }

  private shouldCompact(): boolean {
    return this.size > this.compactMinBytes && this.size > 2 * this.liveBytes;
  }

  private async compactNow(): Promise<void> {
    if (this.broken) throw this.unavailable();
    this.forgetExpired();
    const tmpPath = join(this.dir, COMPACT_TMP_FILE);
    const out = await open(tmpPath, 'w+');
    const newLocs = new Map<Slot, Loc>();
    const sentBytes = new Map<SentSlot, number>();
    let pos = 0;
    let pending: Buffer[] = [];
    let pendingBytes = 0;
    const push = async (buf: Buffer): Promise<Loc> => {
      const loc = { offset: pos, length: buf.length };
      pending.push(buf);
      pendingBytes += buf.length;
      pos += buf.length;
      if (pendingBytes >= READ_CHUNK) {
        await writeAll(out, Buffer.concat(pending), loc.offset + buf.length - pendingBytes);
        pending = [];
        pendingBytes = 0;
      }
      return loc;
    };
    try {
      const slots = [...this.slots.values()];
      for (let i = 0; i < slots.length;) {
        // a run of entries lying close together in the old journal (the usual case: arrival order
        // is file order) is read at once
        const start = slots[i].loc.offset;
        let end = start + slots[i].loc.length;
        let j = i + 1;
        while (j < slots.length && slots[j].loc.offset >= end && slots[j].loc.offset + slots[j].loc.length - start <= COMPACT_READ_SPAN) {
          end = slots[j].loc.offset + slots[j].loc.length;
          j++;
        }
        const span = await this.readRange(start, end - start, slots[i].id);
        for (; i < j; i++) {
          const slot = slots[i];
          const old = JSON.parse(span.toString('utf8', slot.loc.offset - start, slot.loc.offset - start + slot.loc.length)) as InLine;
          const line: InLine = { t: 'in', r: old.r };
          if (slot.ackedAt) line.a = slot.ackedAt;
          if (slot.webhook) line.w = slot.webhook;
          newLocs.set(slot, await push(Buffer.from(JSON.stringify(line) + '\n', 'utf8')));
        }
      }
      for (const slot of this.sent.values()) {
        const loc = await push(Buffer.from(JSON.stringify({ t: 'sent', r: slot.record }) + '\n', 'utf8'));
        sentBytes.set(slot, loc.length);
      }
      if (pending.length > 0) await writeAll(out, Buffer.concat(pending), pos - pendingBytes);
      await out.sync();
      await rename(tmpPath, this.journalPath);
      await fsyncDir(this.dir);
    } catch (err) {
      await out.close().catch(() => undefined);
      await unlink(tmpPath).catch(() => undefined);
      throw err;
    }
    // the switch: memory follows the renamed file in one synchronous step
    const before = this.size;
    const old = this.handle!;
    this.handle = { fh: out, readers: 0, retired: false };
    this.size = pos;
    this.liveBytes = pos;
    for (const [slot, loc] of newLocs) slot.loc = loc;
    for (const [slot, bytes] of sentBytes) slot.bytes = bytes;
    old.retired = true;
    if (old.readers === 0) await old.fh.close().catch(() => undefined);
    this.logger?.info({ dir: this.dir, before, after: pos }, 'connector store: journal compacted');
  }

  // ---------------------------------------------------------------- reads

  private async readLine(slot: Slot): Promise<string> {
    return (await this.readRange(slot.loc.offset, slot.loc.length, slot.id)).toString('utf8');
  }

  /** Reads from the current journal; a compaction may replace it meanwhile (the old one stays open until read). */
  private async readRange(offset: number, length: number, firstId: string): Promise<Buffer> {
    const handle = this.handle;
    if (!handle) throw this.unavailable();
    handle.readers++;
    try {
      const buf = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const { bytesRead } = await handle.fh.read(buf, done, length - done, offset + done);
        if (bytesRead === 0) throw new LtError('INTERNAL', `connector store journal ${this.journalPath} ends before entry '${firstId}'`);
        done += bytesRead;
      }
      return buf;
    } finally {
      handle.readers--;
      if (handle.retired && handle.readers === 0) await handle.fh.close().catch(() => undefined);
    }
  }

  private async readEntry(slot: Slot): Promise<InboundEntry> {
    const line = JSON.parse(await this.readLine(slot)) as InLine;
    const entry: InboundEntry = { ...line.r, state: slot.ackedAt ? 'acked' : 'pending' };
    if (slot.ackedAt) entry.ackedAt = slot.ackedAt;
    if (slot.webhook) entry.webhook = { ...slot.webhook };
    return entry;
  }

  private readEntries(slots: Slot[]): Promise<InboundEntry[]> {
    return Promise.all(slots.map((slot) => this.readEntry(slot)));
  }

  private slotOf(id: string, field: string): Slot {
    const slot = this.slots.get(id);
    if (!slot) throw new LtError('BAD_REQUEST', `${field}: no inbox entry '${id}' in the connector store`, { field, id });
    return slot;
  }

  // ---------------------------------------------------------------- lock

  /**
   * One process per folder. The owner refreshes the lock file's mtime every LOCK_REFRESH_MS; a
   * lock is stale when its process is gone (same host), or when nobody refreshed it for
   * LOCK_STALE_MS (another host, a reused pid, a restarted container where we got the same pid).
   */
  private async acquireLock(): Promise<void> {
    const folder = resolve(this.dir);
    if (LOCKED_IN_THIS_PROCESS.has(folder)) {
      throw new LtError('UNAVAILABLE', `connector store folder ${this.dir} is in use by this process (pid ${process.pid}) already`, {
        dir: this.dir,
        lockFile: this.lockPath,
        pid: process.pid,
        host: hostname(),
      });
    }
    // reserved before any await: two opens in this process must not both get past this point
    LOCKED_IN_THIS_PROCESS.add(folder);
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          const fh = await open(this.lockPath, 'wx');
          try {
            await fh.writeFile(JSON.stringify({ pid: process.pid, host: hostname(), since: new Date().toISOString() }));
            await fh.sync();
          } finally {
            await fh.close();
          }
          this.lockHeld = true;
          this.lockRefresh = setInterval(() => {
            const now = new Date();
            utimes(this.lockPath, now, now).catch((err) => this.logger?.warn({ dir: this.dir, err }, 'connector store: could not refresh the lock file'));
          }, LOCK_REFRESH_MS);
          this.lockRefresh.unref();
          return;
        } catch (err) {
          if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
        }
        const owner = await this.readLockOwner();
        if (owner.inUse) {
          throw new LtError(
            'UNAVAILABLE',
            `connector store folder ${this.dir} is in use by ${owner.description} (lock file ${this.lockPath}, refreshed ${owner.ageSec} s ago; ` +
              `it is taken over once ${LOCK_STALE_MS / 1000} s old, or remove it if that process is gone)`,
            { dir: this.dir, lockFile: this.lockPath, ...owner.fields },
          );
        }
        this.logger?.warn({ dir: this.dir, ...owner.fields }, 'connector store: taking over a stale lock left by a process that is gone');
        await unlink(this.lockPath).catch(() => undefined);
      }
      throw new LtError('UNAVAILABLE', `connector store folder ${this.dir}: could not take the lock ${this.lockPath}`, {
        dir: this.dir,
        lockFile: this.lockPath,
      });
    } catch (err) {
      LOCKED_IN_THIS_PROCESS.delete(folder);
      throw err;
    }
  }

  private async readLockOwner(): Promise<{ inUse: boolean; description: string; ageSec: number; fields: Record<string, unknown> }> {
    let text: string;
    let ageMs: number;
    try {
      ageMs = Date.now() - (await stat(this.lockPath)).mtimeMs;
      text = await readFile(this.lockPath, 'utf8');
    } catch {
      return { inUse: false, description: 'nobody', ageSec: 0, fields: {} };
    }
    const ageSec = Math.round(ageMs / 1000);
    let owner: { pid?: unknown; host?: unknown };
    try {
      owner = JSON.parse(text) as { pid?: unknown; host?: unknown };
    } catch {
      // created but not yet written by its owner, or left half-written by a crash
      return { inUse: ageMs < FRESH_LOCK_MS, description: 'another process (lock being written)', ageSec, fields: {} };
    }
    const pid = typeof owner.pid === 'number' ? owner.pid : -1;
    const host = typeof owner.host === 'string' ? owner.host : '?';
    const fields = { pid, host };
    const description = `process ${pid} on ${host}`;
    if (ageMs > LOCK_STALE_MS) return { inUse: false, description, ageSec, fields };
    if (host !== hostname()) return { inUse: true, description, ageSec, fields };
    // our own pid but not a folder this process holds: a previous life of this pid (container restart)
    if (pid === process.pid) return { inUse: false, description, ageSec, fields };
    return { inUse: pid > 0 && isAlive(pid), description, ageSec, fields };
  }

  private async releaseLock(): Promise<void> {
    if (!this.lockHeld) return;
    this.lockHeld = false;
    clearInterval(this.lockRefresh);
    LOCKED_IN_THIS_PROCESS.delete(resolve(this.dir));
    await unlink(this.lockPath).catch(() => undefined);
  }

  // ---------------------------------------------------------------- guards

  private assertOpen(): void {
    if (!this.opened || this.closed) throw new LtError('UNAVAILABLE', `connector store ${this.dir} is not open`, { dir: this.dir });
  }

  private assertWritable(): void {
    this.assertOpen();
    if (this.broken) throw this.unavailable();
  }

  private unavailable(): LtError {
    if (this.broken)
      return new LtError('UNAVAILABLE', `connector store ${this.dir} refuses writes after a failed journal write: ${this.broken.message}`, { dir: this.dir });
    return new LtError('UNAVAILABLE', `connector store ${this.dir} is not open`, { dir: this.dir });
  }
}

// ------------------------------------------------------------------ helpers

async function writeAll(fh: FileHandle, buf: Buffer, position: number): Promise<void> {
  let done = 0;
  while (done < buf.length) {
    const { bytesWritten } = await fh.write(buf, done, buf.length - done, position + done);
    done += bytesWritten;
  }
}

/** Makes a created or renamed file's directory entry durable. */
async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    // EPERM: alive, owned by another user
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function pushTo<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (list) list.push(value);
  else map.set(key, [value]);
}

function removeFrom<K, V>(map: Map<K, V[]>, key: K, value: V): void {
  const list = map.get(key);
  if (!list) return;
  const at = list.indexOf(value);
  if (at >= 0) list.splice(at, 1);
  if (list.length === 0) map.delete(key);
}

/** Index of the first slot with n greater than `n` (the list is ordered by n). */
function firstIndexAfter(list: Slot[], n: number): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].n <= n) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function insertByN(list: Slot[], slot: Slot): Slot[] {
  const at = firstIndexAfter(list, slot.n);
  return [...list.slice(0, at), slot, ...list.slice(at)];
}

function before(a: HeapItem, b: HeapItem): boolean {
  return a.due < b.due || (a.due === b.due && a.n < b.n);
}

function heapPush(heap: HeapItem[], item: HeapItem): void {
  heap.push(item);
  let i = heap.length - 1;
  while (i > 0) {
    const parent = (i - 1) >>> 1;
    if (!before(heap[i], heap[parent])) break;
    [heap[i], heap[parent]] = [heap[parent], heap[i]];
    i = parent;
  }
}

function heapPop(heap: HeapItem[]): HeapItem | undefined {
  const top = heap[0];
  const last = heap.pop();
  if (heap.length > 0 && last) {
    heap[0] = last;
    let i = 0;
    for (;;) {
      const l = 2 * i + 1;
      const r = l + 1;
      let m = i;
      if (l < heap.length && before(heap[l], heap[m])) m = l;
      if (r < heap.length && before(heap[r], heap[m])) m = r;
      if (m === i) break;
      [heap[i], heap[m]] = [heap[m], heap[i]];
      i = m;
    }
  }
  return top;
}
