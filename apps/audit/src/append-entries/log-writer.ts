import type { DataSource, QueryRunner } from 'typeorm';
import { insertMany } from '@lt/database';
import type { Clock, Logger } from '@lt/platform';
import { EMPTY_FRONTIER, appendLeafHashes, frontierRoot, isCheckpointDue, leafHash, readFrontier, signCheckpoint, type TreeFrontier } from '@lt/tlog';
import { canonicalBody, canonicalEntryText, groupByRecord, type LogEntry } from '@lt/audit-log';
import type { EntryDraft, PreparedDraft } from '../domain/entry';
import { AuditStore, type CheckpointRow } from '../store/audit-store';
import type { LogKeys } from '../checkpoint/log-keys';

/** Advisory lock key of the single writer (0x4c5441554449540, 'LTAUDIT' in ASCII); per database. */
export const WRITER_LOCK_KEY = '343755804962493760';

export interface WriterOptions {
  checkpointEvery: number;
  checkpointIntervalMs: number;
  /** largest number of drafts written in one transaction */
  maxTransactionEntries: number;
}

/** Where one draft ended up: its position, or the position of the entry it duplicates. */
export interface AppendOutcome {
  seq: number;
  duplicate: boolean;
}

type Job =
  | { kind: 'append'; drafts: PreparedDraft[]; resolve: (o: AppendOutcome[]) => void; reject: (e: unknown) => void }
  | { kind: 'checkpoint'; force: boolean; resolve: (c: CheckpointRow | null) => void; reject: (e: unknown) => void };

/**
 * The one writer of the log. Holds a session advisory lock on its own connection (a second
 * replica waits as a standby) and writes every batch in ONE transaction on that connection:
 * dedup against audit_entry_ids, seq assignment, entries, stored hashes, and a checkpoint when
 * one is due. The tree's right edge (frontier) lives in memory, so an append never reads old
 * hashes. Concurrent append calls (the event and inbox consumers) are merged into one
 * transaction; checkpoints go through the same queue, so nothing races the frontier.
 */
export class LogWriter {
  private qr?: QueryRunner;
  private frontier: TreeFrontier = EMPTY_FRONTIER;
  private lastCheckpointSize = 0;
  private lastCheckpointAtMs = 0;
  private readonly jobs: Job[] = [];
  private draining = false;
  private readonly knownMonths = new Set<string>();
  /** called after a checkpoint commits (receipts wait for the checkpoint covering their entry) */
  onCheckpoint?: (cp: CheckpointRow) => void;
  /** called when the connection holding the lock is lost: the service falls back to standby */
  onLockLost?: (err: unknown) => void;

  constructor(
    private readonly ds: DataSource,
    private readonly keys: LogKeys,
    private readonly opts: WriterOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get isWriter(): boolean {
    return this.qr !== undefined;
  }

  get size(): number {
    return this.frontier.size;
  }

  /** Takes the writer lock if free (non-blocking) and loads the tree's right edge. */
  async tryAcquire(): Promise<boolean> {
    if (this.qr) return true;
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    let locked = false;
    try {
      [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(${WRITER_LOCK_KEY}::bigint) AS locked`);
      if (!locked) {
        await qr.release();
        return false;
      }
      const store = new AuditStore(qr);
      const size = await store.treeSize();
      this.frontier = await readFrontier(size, store.hashes);
      const cp = await store.latestCheckpoint();
      this.lastCheckpointSize = cp?.treeSize ?? 0;
      this.lastCheckpointAtMs = cp ? Date.parse(cp.createdAt) : this.clock.now().getTime();
      if (cp && cp.treeSize === size && !frontierRoot(this.frontier).equals(cp.rootHash)) {
        // the stored hashes no longer produce the signed root: somebody changed them
        this.log.error({ treeSize: size }, 'stored hashes disagree with the latest signed checkpoint; run audit verify');
      }
      this.qr = qr;
      this.log.info({ treeSize: size, lastCheckpoint: this.lastCheckpointSize }, 'audit writer lock acquired');
      return true;
    } catch (err) {
      // a session lock outlives release() on a pooled connection: unlock first
      if (locked) await qr.query(`SELECT pg_advisory_unlock(${WRITER_LOCK_KEY}::bigint)`).catch(() => undefined);
      await qr.release().catch(() => undefined);
      throw err;
    }
  }

  /** Releases the lock (after the queue drains). */
  async release(): Promise<void> {
    while (this.draining) await new Promise((r) => setTimeout(r, 10));
    const qr = this.qr;
    this.qr = undefined;
    if (!qr) return;
    await qr.query(`SELECT pg_advisory_unlock(${WRITER_LOCK_KEY}::bigint)`).catch(() => undefined);
    await qr.release().catch(() => undefined);
  }

  /** Canonicalises the bodies now, in the caller's turn: CPU work that overlaps the transaction in flight. */
  prepare(drafts: EntryDraft[]): PreparedDraft[] {
    return drafts.map((d) => ('bodyText' in d ? (d as PreparedDraft) : { ...d, bodyText: canonicalBody(d.body) }));
  }

  append(drafts: EntryDraft[]): Promise<AppendOutcome[]> {
    if (drafts.length === 0) return Promise.resolve([]);
    const prepared = this.prepare(drafts);
    return new Promise((resolve, reject) => {
      this.jobs.push({ kind: 'append', drafts: prepared, resolve, reject });
      void this.drain();
    });
  }

  /** Signs a checkpoint now if entries were appended since the last one (force) or one is due. */
  checkpoint(force = false): Promise<CheckpointRow | null> {
    return new Promise((resolve, reject) => {
      this.jobs.push({ kind: 'checkpoint', force, resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.draining) return;
    this.draining = true;
    try {
      while (this.jobs.length > 0) {
        const first = this.jobs[0];
        if (first.kind === 'checkpoint') {
          this.jobs.shift();
          await this.run(() => this.checkpointTx(first.force)).then(first.resolve, first.reject);
          continue;
        }
        // merge consecutive appends into one transaction
        const batch: Array<Extract<Job, { kind: 'append' }>> = [];
        let count = 0;
        while (
          this.jobs.length > 0 &&
          this.jobs[0].kind === 'append' &&
          (batch.length === 0 || count + this.jobs[0].drafts.length <= this.opts.maxTransactionEntries)
        ) {
          const job = this.jobs.shift() as Extract<Job, { kind: 'append' }>;
          batch.push(job);
          count += job.drafts.length;
        }
        try {
          const outcomes = await this.run(() => this.appendTx(batch.flatMap((j) => j.drafts)));
          let at = 0;
          for (const job of batch) {
            job.resolve(outcomes.slice(at, at + job.drafts.length));
            at += job.drafts.length;
          }
        } catch (err) {
          for (const job of batch) job.reject(err);
        }
      }
    } finally {
      this.draining = false;
    }
  }

  /** Runs a write on the lock connection; a broken connection means the lock is gone too. */
  private async run<T>(fn: () => Promise<T>): Promise<T> {
    if (!this.qr) throw new Error('audit writer does not hold the writer lock (standby)');
    try {
      return await fn();
    } catch (err) {
      const qr = this.qr;
      if (qr) {
        if (qr.isTransactionActive) await qr.rollbackTransaction().catch(() => undefined);
        const alive = await qr.query('SELECT 1').then(
          () => true,
          () => false,
        );
        if (!alive) {
          this.qr = undefined;
          await qr.release().catch(() => undefined);
          this.log.error({ err: (err as Error).message }, 'lost the audit writer connection (and its lock)');
          this.onLockLost?.(err);
        }
      }
      throw err;
    }
  }

  /** Creates the month partitions a batch needs (outside the batch transaction: DDL locks the parent). */
  private async ensurePartitions(qr: QueryRunner, drafts: readonly EntryDraft[]): Promise<void> {
    for (const d of drafts) {
      const month = d.at.slice(0, 7);
      if (this.knownMonths.has(month)) continue;
      try {
        await qr.query('SELECT audit_ensure_month_partition($1::date)', [`${month}-01`]);
      } catch (err) {
        // rows of that month already sit in the DEFAULT partition: they keep going there
        this.log.warn({ month, err: (err as Error).message }, 'cannot create month partition; rows go to the default partition');
      }
      this.knownMonths.add(month);
    }
  }

  private async appendTx(drafts: PreparedDraft[]): Promise<AppendOutcome[]> {
    const qr = this.qr!;
    await this.ensurePartitions(qr, drafts);
    await qr.startTransaction();
    const ids = [...new Set(drafts.map((d) => d.id))];
    const existing: Array<{ entry_id: string; seq: string }> = await qr.query('SELECT entry_id, seq FROM audit_entry_ids WHERE entry_id = ANY($1::text[])', [
      ids,
    ]);
    // ids already logged; a repeat inside the batch finds the first one's seq here too
    const seqOf = new Map(existing.map((r) => [r.entry_id, Number(r.seq)]));

    let next = this.frontier.size;
    const entries: LogEntry[] = [];
    const bodies: string[] = [];
    const leaves: Buffer[] = [];
    const outcomes: AppendOutcome[] = drafts.map((d) => {
      const known = seqOf.get(d.id);
      if (known !== undefined) return { seq: known, duplicate: true };
      const { bodyText: body, ...draft } = d;
      const entry: LogEntry = { seq: next++, ...draft };
      seqOf.set(d.id, entry.seq);
      // the body's canonical JSON is stored as is: the column holds exactly the hashed bytes
      entries.push(entry);
      bodies.push(body);
      leaves.push(leafHash(Buffer.from(canonicalEntryText(entry, body), 'utf8')));
      return { seq: entry.seq, duplicate: false };
    });

    let frontier = this.frontier;
    let checkpoint: CheckpointRow | null = null;
    if (entries.length > 0) {
      const appended = appendLeafHashes(this.frontier, leaves);
      frontier = appended.frontier;
      const rows = groupByRecord(this.frontier.size, appended.hashes);
      await insertMany(
        qr,
        'audit_entry_ids',
        ['entry_id', 'seq', 'message_id', 'at'],
        entries.map((e) => [e.id, e.seq, e.messageId, e.at]),
      );
      await insertMany(
        qr,
        'audit_entries',
        ['seq', 'entry_id', 'source', 'type', 'message_id', 'agencies', 'at', 'body', 'leaf_hash'],
        entries.map((e, i) => [e.seq, e.id, e.source, e.type, e.messageId, e.agencies, e.at, bodies[i], leaves[i]]),
      );
      await insertMany(
        qr,
        'audit_hashes',
        ['seq', 'hashes', 'at'],
        rows.map((h, i) => [entries[i].seq, h, entries[i].at]),
      );
      await this.recordTiers(qr, entries);
      if (frontier.size - this.lastCheckpointSize >= this.opts.checkpointEvery) checkpoint = await this.insertCheckpoint(qr, frontier);
    }
    await qr.commitTransaction();
    this.frontier = frontier;
    if (checkpoint) this.checkpointCommitted(checkpoint);
    return outcomes;
  }

  /** Keeps each agency's tier as the registry events state it, for per-tier reports. */
  private async recordTiers(qr: QueryRunner, entries: LogEntry[]): Promise<void> {
    const latest = new Map<string, [string, string, number]>();
    for (const e of entries) {
      if (!e.type.startsWith('registry.agency.')) continue;
      const agency = (e.body as { data?: { agency?: { code?: unknown; tier?: unknown } } })?.data?.agency;
      if (typeof agency?.code === 'string' && typeof agency.tier === 'string') latest.set(agency.code, [agency.code, agency.tier, e.seq]);
    }
    if (latest.size === 0) return;
    await insertMany(
      qr,
      'audit_agency_tiers',
      ['code', 'tier', 'updated_seq'],
      [...latest.values()],
      'ON CONFLICT (code) DO UPDATE SET tier = EXCLUDED.tier, updated_seq = EXCLUDED.updated_seq WHERE audit_agency_tiers.updated_seq < EXCLUDED.updated_seq',
    );
  }

  private async checkpointTx(force: boolean): Promise<CheckpointRow | null> {
    const since = this.frontier.size - this.lastCheckpointSize;
    const due = isCheckpointDue(
      { entriesSinceCheckpoint: since, msSinceCheckpoint: this.clock.now().getTime() - this.lastCheckpointAtMs },
      { maxEntries: this.opts.checkpointEvery, maxIntervalMs: this.opts.checkpointIntervalMs },
    );
    if (since <= 0 || (!force && !due)) return null;
    const cp = await this.insertCheckpoint(this.qr!, this.frontier);
    this.checkpointCommitted(cp);
    return cp;
  }

  private async insertCheckpoint(qr: QueryRunner, frontier: TreeFrontier): Promise<CheckpointRow> {
    const rootHash = frontierRoot(frontier);
    const note = signCheckpoint({ origin: this.keys.origin, treeSize: frontier.size, rootHash }, this.keys.signer);
    const createdAt = this.clock.now().toISOString();
    await qr.query('INSERT INTO audit_checkpoints (tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING', [
      frontier.size,
      rootHash,
      note,
      createdAt,
    ]);
    return { treeSize: frontier.size, rootHash, note, createdAt };
  }

  private checkpointCommitted(cp: CheckpointRow): void {
    this.lastCheckpointSize = cp.treeSize;
    this.lastCheckpointAtMs = Date.parse(cp.createdAt);
    try {
      this.onCheckpoint?.(cp);
    } catch (err) {
      this.log.error({ err }, 'checkpoint listener failed');
    }
  }
}
