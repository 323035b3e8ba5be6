import { LtError } from '@lt/contracts';

/*
 * Dense numbering of every complete subtree hash of an append-only Merkle tree, identical to Go's
 * golang.org/x/mod/sumdb/tlog StoredHashIndex (Crosby and Wallach, "Efficient Data Structures for
 * Tamper-Evident Logging", section 3.3): appending record n writes its leaf hash at
 * storedHashIndex(0, n), immediately followed by the hashes of the subtrees it completes.
 * A storage table keyed by this index therefore grows by contiguous appends only.
 *
 * Go uses int64 and shifts; JavaScript bit operators truncate to 32 bits, so everything here is plain
 * arithmetic on numbers, exact up to Number.MAX_SAFE_INTEGER (about 2^52 records, far beyond need).
 */

/** Largest record number whose stored hash indexes stay exact as JavaScript numbers. */
export const MAX_RECORD_INDEX = 2 ** 51 - 1;

export function assertCount(value: number, field: string, max = Number.MAX_SAFE_INTEGER): void {
  if (!Number.isSafeInteger(value) || value < 0 || value > max) {
    throw new LtError('VALIDATION_FAILED', `${field} must be an integer between 0 and ${max}`, { field, value });
  }
}

/** Number of trailing zero bits of a positive integer. */
export function trailingZeros(x: number): number {
  let count = 0;
  while (x > 0 && x % 2 === 0) {
    x /= 2;
    count++;
  }
  return count;
}

/** Maps the tree coordinates (level, n) — the n'th subtree of 2^level records — to its storage index. */
export function storedHashIndex(level: number, n: number): number {
  assertCount(level, 'level', 62);
  assertCount(n, 'n');
  // Level L's n'th hash is written right after level L+1's (2n+1)'th hash: walk down to level 0.
  let m = n;
  for (let l = level; l > 0; l--) m = 2 * m + 1;
  if (m > MAX_RECORD_INDEX) {
    throw new LtError('VALIDATION_FAILED', `stored hash (level ${level}, n ${n}) is beyond the supported tree size`, { level, n });
  }
  // Level 0's m'th hash is written at m + m/2 + m/4 + ...
  let index = 0;
  for (; m > 0; m = Math.floor(m / 2)) index += m;
  return index + level;
}

/** Inverse of storedHashIndex. */
export function splitStoredHashIndex(index: number): { level: number; n: number } {
  assertCount(index, 'index');
  // storedHashIndex(0, n) < 2n, so the record that wrote this index lies in [index/2, index/2 + log2(index)].
  let n = Math.floor(index / 2);
  let indexN = storedHashIndex(0, n);
  if (indexN > index) throw new LtError('INTERNAL', `splitStoredHashIndex(${index}): bad index math`);
  for (;;) {
    // Each record n writes 1 + trailingZeros(n+1) hashes.
    const next = indexN + 1 + trailingZeros(n + 1);
    if (next > index) break;
    n++;
    indexN = next;
  }
  // Record n wrote (0, n), (1, n/2), (2, n/4), ...
  const level = index - indexN;
  return { level, n: Math.floor(n / 2 ** level) };
}

/** Number of stored hashes a tree of n records has (the next free index). */
export function storedHashCount(n: number): number {
  assertCount(n, 'n', MAX_RECORD_INDEX + 1);
  if (n === 0) return 0;
  let count = storedHashIndex(0, n - 1) + 1;
  // Plus the subtrees completed by the last record: one per trailing 1 bit of n-1.
  for (let i = n - 1; i % 2 === 1; i = (i - 1) / 2) count++;
  return count;
}
