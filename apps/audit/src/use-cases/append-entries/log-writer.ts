import type { Clock, Logger } from '@lt/platform';
import { EMPTY_FRONTIER, appendLeafHashes, frontierRoot, isCheckpointDue, leafHash, readFrontier, signCheckpoint, type TreeFrontier } from '@lt/tlog';
import { canonicalBody, canonicalEntryText, groupByRecord, type LogEntry } from '@lt/audit-log';
import type { EntryDraft, PreparedDraft } from '../../domain/entry';
import type { CheckpointRow } from '../../domain/stored-entry';
import type { LogKeys } from '../../checkpoint/log-keys';
import type { AppendTransaction, WriterLock, WriterSession } from '../../ports';
import { setTamperAlarm } from '../../audit-metrics';

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
 * The one writer of the log. Holds the writer lock on its own connection (a second replica
 * waits as a standby) and writes every batch in ONE transaction on that connection:
 * dedup against audit_entry_ids, seq assignment, entries, stored hashes, and a checkpoint when
 * one is due. The tree's right edge (frontier) lives in memory, so an append never reads old
 * hashes. Concurrent append calls (the event and inbox consumers) are merged into one
 * transaction; checkpoints go through the same queue, so nothing races the frontier.
 */
export class LogWriter {
  private session?: WriterSession;
  private frontier: TreeFrontier = EMPTY_FRONTIER;
  private lastCheckpointSize = 0;
  private lastCheckpointAt = 0;
  private readonly jobs: Job[] = [];
  private draining = false;
  private readonly knownMonths = new Set<string>();
  /** called after a checkpoint commits (receipts wait for the checkpoint covering their entry) */
  onCheckpoint?: (cp: CheckpointRow) => void;
  /** called when the connection holding the lock is lost: the service falls back to standby */
  onLockLost?: (err: unknown) => void;

  constructor(
    private readonly lock: WriterLock,
    private readonly keys: LogKeys,
    private readonly opts: WriterOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {}

  get isWriter(): boolean {
    return this.session !== undefined;
  }

  get size(): number {
    return this.frontier.size;
  }

  /** when the newest checkpoint was signed (epoch ms; at acquire when there is none yet) */
  get lastCheckpointAtMs(): number {
    return this.lastCheckpointAt;
  }

  /** Takes the writer lock if free (non-blocking) and loads the tree's right edge. */
  async tryAcquire(): Promise<boolean> {
    if (this.session) return true;
    const session = await this.lock.tryAcquire();
    if (!session) return false;
    try {
      const size = await session.treeSize();
      this.frontier = await readFrontier(size, session.hashes);
      const cp = await session.latestCheckpoint();
      this.lastCheckpointSize = cp?.treeSize ?? 0;
      this.lastCheckpointAt = cp ? Date.parse(cp.createdAt) : this.clock.now().getTime();
      if (cp && cp.treeSize === size && !frontierRoot(this.frontier).equals(cp.rootHash)) {
        // raises the alarm only: clearing it is for the full verification
        setTamperAlarm(true);
        // the stored hashes no longer produce the signed root: somebody changed them
        this.log.error({ treeSize: size }, 'stored hashes disagree with the latest signed checkpoint; run audit verify');
      }
      this.session = session;
      this.log.info({ treeSize: size, lastCheckpoint: this.lastCheckpointSize }, 'audit writer lock acquired');
      return true;
    } catch (err) {
      await session.release();
      throw err;
    }
  }

  /** Releases the lock (after the queue drains). */
  async release(): Promise<void> {
    while (this.draining) await new Promise((r) => setTimeout(r, 10));
    const session = this.session;
    this.session = undefined;
    await session?.release();
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
          await this.run((session) => this.checkpointTx(session, first.force)).then(first.resolve, first.reject);
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
          const drafts = batch.flatMap((j) => j.drafts);
          const outcomes = await this.run((session) => this.appendTx(session, drafts));
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
  private async run<T>(fn: (session: WriterSession) => Promise<T>): Promise<T> {
    const session = this.session;
    if (!session) throw new Error('audit writer does not hold the writer lock (standby)');
    try {
      return await fn(session);
    } catch (err) {
      if (this.session === session && !(await session.isAlive())) {
        this.session = undefined;
        await session.discard();
        this.log.error({ err: (err as Error).message }, 'lost the audit writer connection (and its lock)');
        this.onLockLost?.(err);
      }
      throw err;
    }
  }

  /** Creates the month partitions a batch needs (outside the batch transaction: DDL locks the parent). */
  private async ensurePartitions(session: WriterSession, drafts: readonly EntryDraft[]): Promise<void> {
    for (const d of drafts) {
      const month = d.at.slice(0, 7);
      if (this.knownMonths.has(month)) continue;
      try {
        await session.ensureMonthPartition(month);
      } catch (err) {
        // rows of that month already sit in the DEFAULT partition: they keep going there
        this.log.warn({ month, err: (err as Error).message }, 'cannot create month partition; rows go to the default partition');
      }
      this.knownMonths.add(month);
    }
  }

  private async appendTx(session: WriterSession, drafts: PreparedDraft[]): Promise<AppendOutcome[]> {
    await this.ensurePartitions(session, drafts);
    const { outcomes, frontier, checkpoint } = await session.transaction(async (tx) => {
      const ids = [...new Set(drafts.map((d) => d.id))];
      // ids already logged; a repeat inside the batch finds the first one's seq here too
      const seqOf = await tx.loggedSeqs(ids);

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

      if (entries.length === 0) return { outcomes, frontier: this.frontier, checkpoint: null };
      const appended = appendLeafHashes(this.frontier, leaves);
      await tx.insertEntries({ entries, bodies, leaves, hashRecords: groupByRecord(this.frontier.size, appended.hashes) });
      await this.recordTiers(tx, entries);
      let checkpoint: CheckpointRow | null = null;
      if (appended.frontier.size - this.lastCheckpointSize >= this.opts.checkpointEvery) {
        checkpoint = this.signCheckpoint(appended.frontier);
        await tx.insertCheckpoint(checkpoint);
      }
      return { outcomes, frontier: appended.frontier, checkpoint };
    });
    this.frontier = frontier;
    if (checkpoint) this.checkpointCommitted(checkpoint);
    return outcomes;
  }

  /** Keeps each agency's tier as the registry events state it, for per-tier reports. */
  private async recordTiers(tx: AppendTransaction, entries: LogEntry[]): Promise<void> {
    const latest = new Map<string, [string, string, number]>();
    for (const e of entries) {
      if (!e.type.startsWith('registry.agency.')) continue;
      const agency = (e.body as { data?: { agency?: { code?: unknown; tier?: unknown } } })?.data?.agency;
      if (typeof agency?.code === 'string' && typeof agency.tier === 'string') latest.set(agency.code, [agency.code, agency.tier, e.seq]);
    }
    if (latest.size === 0) return;
    await tx.upsertTiers([...latest.values()]);
  }

  private async checkpointTx(session: WriterSession, force: boolean): Promise<CheckpointRow | null> {
    const since = this.frontier.size - this.lastCheckpointSize;
    const due = isCheckpointDue(
      { entriesSinceCheckpoint: since, msSinceCheckpoint: this.clock.now().getTime() - this.lastCheckpointAt },
      { maxEntries: this.opts.checkpointEvery, maxIntervalMs: this.opts.checkpointIntervalMs },
    );
    if (since <= 0 || (!force && !due)) return null;
    const cp = this.signCheckpoint(this.frontier);
    await session.insertCheckpoint(cp);
    this.checkpointCommitted(cp);
    return cp;
  }

  private signCheckpoint(frontier: TreeFrontier): CheckpointRow {
    const rootHash = frontierRoot(frontier);
    const note = signCheckpoint({ origin: this.keys.origin, treeSize: frontier.size, rootHash }, this.keys.signer);
    return { treeSize: frontier.size, rootHash, note, createdAt: this.clock.now().toISOString() };
  }

  private checkpointCommitted(cp: CheckpointRow): void {
    this.lastCheckpointSize = cp.treeSize;
    this.lastCheckpointAt = Date.parse(cp.createdAt);
    try {
      this.onCheckpoint?.(cp);
    } catch (err) {
      this.log.error({ err }, 'checkpoint listener failed');
    }
  }
}
