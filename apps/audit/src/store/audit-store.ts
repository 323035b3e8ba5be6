import { LtError } from '@lt/contracts';
import type { HashReader } from '@lt/tlog';
import { canonicalEntryText, type EntrySource, type LogEntry } from '../domain/entry';
import { locateStoredHash, slotOf } from './hash-layout';

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
export class PgHashReader implements HashReader {
  constructor(private readonly db: Queryable) {}

  async readHashes(indexes: number[]): Promise<Buffer[]> {
    const located = indexes.map(locateStoredHash);
    const records = [...new Set(located.map((l) => l.record))];
    const rows: Array<{ seq: string; hashes: Buffer }> = await this.db.query('SELECT seq, hashes FROM audit_hashes WHERE seq = ANY($1::bigint[])', [records]);
    const byRecord = new Map(rows.map((r) => [Number(r.seq), r.hashes]));
    return located.map(({ record, slot }, i) => {
      const row = byRecord.get(record);
      if (!row || row.length < (slot + 1) * 32) {
        throw new LtError('INTERNAL', `stored hash ${indexes[i]} (record ${record}, slot ${slot}) is missing from audit_hashes`, { index: indexes[i], record });
      }
      return Buffer.from(slotOf(row, slot));
    });
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

  async entryRow(seq: number): Promise<EntryRow | null> {
    const rows: EntryRow[] = await this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq = $1 ORDER BY at LIMIT 1`, [seq]);
    return rows[0] ?? null;
  }

  /** Entry rows with lo <= seq < hi, by seq (a deleted row leaves a gap; a forged one a repeat). */
  entryRows(lo: number, hi: number): Promise<EntryRow[]> {
    return this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE seq >= $1 AND seq < $2 ORDER BY seq`, [lo, hi]);
  }

  /** Stored hash rows with lo <= seq < hi. */
  async hashRows(lo: number, hi: number): Promise<Array<{ seq: number; hashes: Buffer }>> {
    const rows: Array<{ seq: string; hashes: Buffer }> = await this.db.query('SELECT seq, hashes FROM audit_hashes WHERE seq >= $1 AND seq < $2 ORDER BY seq', [
      lo,
      hi,
    ]);
    return rows.map((r) => ({ seq: Number(r.seq), hashes: r.hashes }));
  }

  /** Stored leaf hash of one record. */
  async storedLeaf(seq: number): Promise<Buffer | null> {
    const rows: Array<{ hashes: Buffer }> = await this.db.query('SELECT hashes FROM audit_hashes WHERE seq = $1', [seq]);
    return rows.length ? Buffer.from(slotOf(rows[0].hashes, 0)) : null;
  }

  /** Every entry about a message; notBefore prunes partitions older than the message can be. */
  entryRowsForMessage(messageId: string, notBefore: Date | null): Promise<EntryRow[]> {
    return notBefore
      ? this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE message_id = $1 AND at >= $2 ORDER BY seq`, [messageId, notBefore])
      : this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE message_id = $1 ORDER BY seq`, [messageId]);
  }

  async tiersOf(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows: Array<{ code: string; tier: string }> = await this.db.query('SELECT code, tier FROM audit_agency_tiers WHERE code = ANY($1::text[])', [codes]);
    return new Map(rows.map((r) => [r.code, r.tier]));
  }
}
