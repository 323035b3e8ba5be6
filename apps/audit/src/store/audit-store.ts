import { LtError } from '@lt/contracts';
import type { HashReader } from '@lt/tlog';
import { canonicalEntryText, locateStoredHash, slotOf, type EntrySource, type LogEntry } from '@lt/audit-log';

/** DataSource, EntityManager or QueryRunner: anything with TypeORM's raw query(). */
export interface Queryable {
  query(sql: string, params?: unknown[]): Promise<any>; // eslint-disable-line @typescript-eslint/no-explicit-any
}

export interface EntryRow {
  seq: string;
  entry_id: string;
  source: EntrySource;
  type: string;
  message_id: string | null;
  agencies: string[];
  at: Date;
  /** canonical JSON text */
  body: string;
  leaf_hash: Buffer;
}

export const ENTRY_COLUMNS = 'seq, entry_id, source, type, message_id, agencies, at, body, leaf_hash';

/** A row read back into the exact fields the leaf hash covers. */
export function rowToEntry(r: EntryRow): LogEntry {
  return {
    seq: Number(r.seq),
    source: r.source,
    id: r.entry_id,
    type: r.type,
    messageId: r.message_id,
    agencies: r.agencies,
    at: r.at.toISOString(),
    body: JSON.parse(r.body),
  };
}

/** The exact bytes the leaf hash covers, rebuilt from a row without parsing its body. */
export function rowCanonicalText(r: EntryRow): string {
  return canonicalEntryText(
    { seq: Number(r.seq), source: r.source, id: r.entry_id, type: r.type, messageId: r.message_id, agencies: r.agencies, at: r.at.toISOString() },
    r.body,
  );
}

export interface CheckpointRow {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: string;
}

function toCheckpoint(r: { tree_size: string; root_hash: Buffer; note: string; created_at: Date }): CheckpointRow {
  return { treeSize: Number(r.tree_size), rootHash: r.root_hash, note: r.note, createdAt: r.created_at.toISOString() };
}

const CP_COLUMNS = 'tree_size, root_hash, note, created_at';

/** Stored hashes of the Merkle tree, read by stored-hash index from audit_hashes. */
/**
 * Stored hashes of the Merkle tree, read by stored-hash index from audit_hashes. Hashes of
 * subtrees of 2^CACHED_LEVEL leaves or more are kept in memory once read: they are few (one per
 * 2^level records), every proof needs some, and a stored hash never changes in an append-only
 * log, while the rows holding them are scattered over the table (one random page read each).
 */
export const CACHED_LEVEL = 6;
const CACHE_MAX = 200_000;

export class PgHashReader implements HashReader {
  private readonly cache = new Map<number, Buffer>();

  constructor(
    private readonly db: Queryable,
    private readonly useCache = true,
  ) {}

  async readHashes(indexes: number[]): Promise<Buffer[]> {
    const located = indexes.map(locateStoredHash);
    const out: Array<Buffer | undefined> = indexes.map((index) => (this.useCache ? this.cache.get(index) : undefined));
    const records = [...new Set(located.filter((_, i) => !out[i]).map((l) => l.record))];
    if (records.length > 0) {
      const rows: Array<{ seq: string; hashes: Buffer }> = await this.db.query('SELECT seq, hashes FROM audit_hashes WHERE seq = ANY($1::bigint[])', [records]);
      const byRecord = new Map(rows.map((r) => [Number(r.seq), r.hashes]));
      located.forEach(({ record, slot }, i) => {
        if (out[i]) return;
        const row = byRecord.get(record);
        if (!row || row.length < (slot + 1) * 32) {
          throw new LtError('INTERNAL', `stored hash ${indexes[i]} (record ${record}, slot ${slot}) is missing from audit_hashes`, {
            index: indexes[i],
            record,
          });
        }
        out[i] = Buffer.from(slotOf(row, slot));
        if (this.useCache && slot >= CACHED_LEVEL) this.remember(indexes[i], out[i]);
      });
    }
    return out as Buffer[];
  }

  private remember(index: number, hash: Buffer): void {
    if (this.cache.size >= CACHE_MAX) this.cache.delete(this.cache.keys().next().value as number);
    this.cache.set(index, hash);
  }
}

/** Read side of the log: every query the use cases need, by index (never a scan of the whole log). */
export class AuditStore {
  readonly hashes: PgHashReader;

  constructor(readonly db: Queryable) {
    this.hashes = new PgHashReader(db);
  }

  /** Number of records in the tree (audit_hashes is written in the same transaction as the entries). */
  async treeSize(): Promise<number> {
    const rows: Array<{ m: string | null }> = await this.db.query('SELECT max(seq) AS m FROM audit_hashes');
    return rows[0]?.m === null || rows[0]?.m === undefined ? 0 : Number(rows[0].m) + 1;
  }

  async latestCheckpoint(): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints ORDER BY tree_size DESC LIMIT 1`);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  async checkpointAt(treeSize: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size = $1`, [treeSize]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Smallest checkpoint with tree_size >= size. */
  async checkpointAtOrAfter(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size >= $1 ORDER BY tree_size LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Smallest checkpoint with tree_size > size (the checkpoint that first covers entry `size`). */
  async firstCheckpointAbove(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Largest checkpoint with tree_size <= size. */
  async checkpointAtOrBefore(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size <= $1 ORDER BY tree_size DESC LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Last checkpoint signed at or before a time / first one signed at or after it. */
  async checkpointByTime(at: Date, direction: 'before' | 'after'): Promise<CheckpointRow | null> {
    const sql =
      direction === 'before'
        ? `SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE created_at <= $1 ORDER BY created_at DESC, tree_size DESC LIMIT 1`
        : `SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE created_at >= $1 ORDER BY created_at, tree_size LIMIT 1`;
    const rows = await this.db.query(sql, [at]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  /** Checkpoints with lo <= tree_size <= hi, ascending. */
  async checkpointsBetween(lo: number, hi: number): Promise<CheckpointRow[]> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size BETWEEN $1 AND $2 ORDER BY tree_size`, [lo, hi]);
    return rows.map(toCheckpoint);
  }

  /**
   * Entries at known positions, each read from the one month partition that holds it: `at = ANY`
   * lets the planner prune every other partition before planning, so the cost does not grow with
   * years of partitions.
   */
  entryRowsAt(keys: ReadonlyArray<{ seq: number; at: Date }>): Promise<EntryRow[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE at = ANY($1::timestamptz[]) AND seq = ANY($2::bigint[]) ORDER BY seq`, [
      keys.map((k) => k.at),
      keys.map((k) => k.seq),
    ]);
  }

  /** The entry at a position (its `at`, when not given, comes from its stored hashes row). */
  async entryRow(seq: number, at?: Date): Promise<EntryRow | null> {
    const when = at ?? (await this.storedLeaf(seq))?.at;
    if (!when) return null;
    const rows = await this.entryRowsAt([{ seq, at: when }]);
    return rows[0] ?? null;
  }

  /**
   * Entry rows with lo <= seq < hi, by seq (a deleted row leaves a gap; a forged one a repeat),
   * optionally only some types. The range's times come from audit_hashes, to prune partitions.
   */
  async entryRows(lo: number, hi: number, types?: readonly string[]): Promise<EntryRow[]> {
    const [span]: Array<{ lo: Date | null; hi: Date | null; n: number }> = await this.db.query(
      'SELECT min(at) AS lo, max(at) AS hi, count(*)::int AS n FROM audit_hashes WHERE seq >= $1 AND seq < $2',
      [lo, hi],
    );
    const typeFilter = types ? 'AND type = ANY($3::text[])' : '';
    const params: unknown[] = [lo, hi, ...(types ? [types] : [])];
    // every position has its hashes row: its times bound the partitions to read
    const timeFilter = span && span.n === hi - lo && span.lo && span.hi ? `AND at >= $${params.push(span.lo)} AND at <= $${params.push(span.hi)}` : '';
    return this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ${typeFilter} ${timeFilter} ORDER BY seq`, params);
  }

  /** Stored hash rows with lo <= seq < hi. */
  async hashRows(lo: number, hi: number): Promise<Array<{ seq: number; hashes: Buffer }>> {
    const rows: Array<{ seq: string; hashes: Buffer }> = await this.db.query('SELECT seq, hashes FROM audit_hashes WHERE seq >= $1 AND seq < $2 ORDER BY seq', [
      lo,
      hi,
    ]);
    return rows.map((r) => ({ seq: Number(r.seq), hashes: r.hashes }));
  }

  /** Stored leaf hash of one record, and the time (partition) of its entry. */
  async storedLeaf(seq: number): Promise<{ leaf: Buffer; at: Date } | null> {
    const rows: Array<{ hashes: Buffer; at: Date }> = await this.db.query('SELECT hashes, at FROM audit_hashes WHERE seq = $1', [seq]);
    return rows.length ? { leaf: Buffer.from(slotOf(rows[0].hashes, 0)), at: rows[0].at } : null;
  }

  /** Every entry about a message, through the message index of audit_entry_ids. */
  async entryRowsForMessages(messageIds: readonly string[], notBefore?: Date): Promise<EntryRow[]> {
    if (messageIds.length === 0) return [];
    const keys: Array<{ seq: string; at: Date }> = notBefore
      ? await this.db.query('SELECT seq, at FROM audit_entry_ids WHERE message_id = ANY($1::uuid[]) AND at >= $2', [messageIds, notBefore])
      : await this.db.query('SELECT seq, at FROM audit_entry_ids WHERE message_id = ANY($1::uuid[])', [messageIds]);
    return this.entryRowsAt(keys.map((k) => ({ seq: Number(k.seq), at: k.at })));
  }

  async tiersOf(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows: Array<{ code: string; tier: string }> = await this.db.query('SELECT code, tier FROM audit_agency_tiers WHERE code = ANY($1::text[])', [codes]);
    return new Map(rows.map((r) => [r.code, r.tier]));
  }
}
