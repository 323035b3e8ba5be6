import { slotOf } from '@lt/audit-log';
import type { CheckpointRow, EntryRow } from '../domain/stored-entry';
import type { AuditStore } from '../ports/audit-store';
import { PgHashReader } from './pg-hash-reader';
import type { Queryable } from './queryable';

const ENTRY_COLUMNS = 'seq, entry_id, source, type, message_id, agencies, at, body, leaf_hash';
const CP_COLUMNS = 'tree_size, root_hash, note, created_at';

function toCheckpoint(r: { tree_size: string; root_hash: Buffer; note: string; created_at: Date }): CheckpointRow {
  return { treeSize: Number(r.tree_size), rootHash: r.root_hash, note: r.note, createdAt: r.created_at.toISOString() };
}

/**
 * The log's reads in PostgreSQL, by index: entries through their month partition (times come
 * from audit_hashes or audit_entry_ids, so the planner prunes the other partitions), stored hashes
 * and checkpoints by primary key. Built on a DataSource, or on the writer's own connection.
 */
export class PostgresAuditStore implements AuditStore {
  readonly hashes: PgHashReader;

  constructor(private readonly db: Queryable) {
    this.hashes = new PgHashReader(db);
  }

  /** audit_hashes is written in the same transaction as the entries: its last seq + 1 is the tree size */
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

  async checkpointAtOrAfter(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size >= $1 ORDER BY tree_size LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  async firstCheckpointAbove(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size > $1 ORDER BY tree_size LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  async checkpointAtOrBefore(size: number): Promise<CheckpointRow | null> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size <= $1 ORDER BY tree_size DESC LIMIT 1`, [size]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  async checkpointByTime(at: Date, direction: 'before' | 'after'): Promise<CheckpointRow | null> {
    const sql =
      direction === 'before'
        ? `SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE created_at <= $1 ORDER BY created_at DESC, tree_size DESC LIMIT 1`
        : `SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE created_at >= $1 ORDER BY created_at, tree_size LIMIT 1`;
    const rows = await this.db.query(sql, [at]);
    return rows.length ? toCheckpoint(rows[0]) : null;
  }

  async checkpointsBetween(lo: number, hi: number): Promise<CheckpointRow[]> {
    const rows = await this.db.query(`SELECT ${CP_COLUMNS} FROM audit_checkpoints WHERE tree_size BETWEEN $1 AND $2 ORDER BY tree_size`, [lo, hi]);
    return rows.map(toCheckpoint);
  }

  /**
   * Each entry is read from the one month partition that holds it: `at = ANY` lets the planner
   * prune every other partition before planning, so the cost does not grow with years of partitions.
   */
  entryRowsAt(keys: ReadonlyArray<{ seq: number; at: Date }>): Promise<EntryRow[]> {
    if (keys.length === 0) return Promise.resolve([]);
    return this.db.query(`SELECT ${ENTRY_COLUMNS} FROM audit_entries WHERE at = ANY($1::timestamptz[]) AND seq = ANY($2::bigint[]) ORDER BY seq`, [
      keys.map((k) => k.at),
      keys.map((k) => k.seq),
    ]);
  }

  async entryRow(seq: number, at?: Date): Promise<EntryRow | null> {
    const when = at ?? (await this.storedLeaf(seq))?.at;
    if (!when) return null;
    const rows = await this.entryRowsAt([{ seq, at: when }]);
    return rows[0] ?? null;
  }

  /** The range's times come from audit_hashes, to prune partitions. */
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

  async firstEntrySeqFrom(seq: number): Promise<number | null> {
    const rows: Array<{ seq: string }> = await this.db.query('SELECT seq FROM audit_entries WHERE seq >= $1 ORDER BY seq LIMIT 1', [seq]);
    return rows.length ? Number(rows[0].seq) : null;
  }

  async hashRows(lo: number, hi: number): Promise<Array<{ seq: number; hashes: Buffer }>> {
    const rows: Array<{ seq: string; hashes: Buffer }> = await this.db.query('SELECT seq, hashes FROM audit_hashes WHERE seq >= $1 AND seq < $2 ORDER BY seq', [
      lo,
      hi,
    ]);
    return rows.map((r) => ({ seq: Number(r.seq), hashes: r.hashes }));
  }

  async storedLeaf(seq: number): Promise<{ leaf: Buffer; at: Date } | null> {
    const rows: Array<{ hashes: Buffer; at: Date }> = await this.db.query('SELECT hashes, at FROM audit_hashes WHERE seq = $1', [seq]);
    return rows.length ? { leaf: Buffer.from(slotOf(rows[0].hashes, 0)), at: rows[0].at } : null;
  }

  /** Through the message index of audit_entry_ids, then each row from its own partition. */
  async entryRowsForMessages(messageIds: readonly string[], notBefore?: Date): Promise<EntryRow[]> {
    if (messageIds.length === 0) return [];
    const keys: Array<{ seq: string; at: Date }> = notBefore
      ? await this.db.query('SELECT seq, at FROM audit_entry_ids WHERE message_id = ANY($1::uuid[]) AND at >= $2', [messageIds, notBefore])
      : await this.db.query('SELECT seq, at FROM audit_entry_ids WHERE message_id = ANY($1::uuid[])', [messageIds]);
    return this.entryRowsAt(keys.map((k) => ({ seq: Number(k.seq), at: k.at })));
  }

  /** GIN on agencies, month partitions pruned by time. */
  agencyEntries(code: string, from: Date, to: Date): Promise<EntryRow[]> {
    return this.db.query(
      `SELECT ${ENTRY_COLUMNS} FROM audit_entries
      WHERE agencies @> ARRAY[$1]::text[] AND at >= $2 AND at < $3
        AND (type LIKE 'delivery.%' OR type LIKE 'status.%' OR type = 'msg.rejected')
      ORDER BY seq`,
      [code, from, to],
    );
  }

  async tiersOf(codes: string[]): Promise<Map<string, string>> {
    if (codes.length === 0) return new Map();
    const rows: Array<{ code: string; tier: string }> = await this.db.query('SELECT code, tier FROM audit_agency_tiers WHERE code = ANY($1::text[])', [codes]);
    return new Map(rows.map((r) => [r.code, r.tier]));
  }

  async receiptCursor(): Promise<number> {
    const [{ sent_upto }]: Array<{ sent_upto: string }> = await this.db.query('SELECT sent_upto FROM audit_receipt_cursor WHERE id = 1');
    return Number(sent_upto);
  }

  async advanceReceiptCursor(upto: number): Promise<void> {
    await this.db.query('UPDATE audit_receipt_cursor SET sent_upto = $1, updated_at = now() WHERE id = 1 AND sent_upto < $1', [upto]);
  }
}
