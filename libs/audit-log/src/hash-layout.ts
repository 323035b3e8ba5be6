import { splitStoredHashIndex, trailingZeros } from '@lt/tlog';
import { HASH_SIZE } from '@lt/tlog';

/*
 * audit_hashes keeps one row per record n: the hashes appending n wrote in Go tlog's stored-hash
 * layout (its leaf hash, then the 1 + trailingZeros(n + 1) - 1 subtree hashes it completes),
 * concatenated. Half the rows of a row-per-hash table, and still one primary-key read per hash.
 */

/** Number of stored hashes record n writes. */
export function hashesWrittenBy(n: number): number {
  return 1 + trailingZeros(n + 1);
}

/** Which record's row holds stored hash `index`, and at which 32-byte slot. */
export function locateStoredHash(index: number): { record: number; slot: number } {
  const { level, n } = splitStoredHashIndex(index);
  // the subtree (level, n) is completed by its last leaf, record (n + 1) * 2^level - 1
  return { record: (n + 1) * 2 ** level - 1, slot: level };
}

/** Splits the hashes of appendLeafHashes (storage order) into one concatenated buffer per record. */
export function groupByRecord(firstRecord: number, hashes: readonly Buffer[]): Buffer[] {
  const out: Buffer[] = [];
  let i = 0;
  for (let n = firstRecord; i < hashes.length; n++) {
    const count = hashesWrittenBy(n);
    out.push(Buffer.concat(hashes.slice(i, i + count) as Buffer[], count * HASH_SIZE));
    i += count;
  }
  return out;
}

/** The slot-th hash of a record's row. */
export function slotOf(row: Buffer, slot: number): Buffer {
  return row.subarray(slot * HASH_SIZE, (slot + 1) * HASH_SIZE);
}
