import { LtError } from '@lt/contracts';
import type { HashReader } from '@lt/tlog';
import { locateStoredHash, slotOf } from '@lt/audit-log';
import type { Queryable } from './queryable';

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
