import { LtError } from '@lt/contracts';
import { EMPTY_TREE_HASH, assertHash, nodeHash } from './hash';
import { assertCount, storedHashIndex, trailingZeros } from './stored-hash-index';

/*
 * Merkle tree hashes and proofs over stored hashes, ported from Go's golang.org/x/mod/sumdb/tlog
 * (tlog.go): every function asks its HashReader once, for at most O(log n) stored hashes, and
 * never reads the whole log. Proofs are RFC 9162 / RFC 6962 audit paths and consistency proofs,
 * byte-compatible with tlog.ProveRecord / tlog.ProveTree and checked like tlog.CheckRecord / tlog.CheckTree.
 */

/**
 * Reads stored hashes by stored hash index (see storedHashIndex). Must return exactly one 32-byte
 * hash per index, in the order asked. Callers ask for indexes in increasing order.
 */
export interface HashReader {
  readHashes(indexes: number[]): Promise<Buffer[]> | Buffer[];
}

/** Inclusion proof (RFC 9162 "audit path"), innermost sibling first. */
export type RecordProof = Buffer[];
/** Consistency proof between a tree and a larger tree that extends it. */
export type TreeProof = Buffer[];

async function readHashesChecked(reader: HashReader, indexes: number[]): Promise<Buffer[]> {
  const hashes = await reader.readHashes(indexes);
  if (!Array.isArray(hashes) || hashes.length !== indexes.length) {
    throw new LtError('INTERNAL', `HashReader returned ${Array.isArray(hashes) ? hashes.length : 'no'} hashes for ${indexes.length} indexes`, {
      asked: indexes.length,
    });
  }
  hashes.forEach((h, i) => assertHash(h, `stored hash ${indexes[i]}`));
  return hashes;
}

/** k = the largest power of 2 smaller than n (n >= 2), and l = log2(k). */
function maxpow2(n: number): { k: number; l: number } {
  let k = 1;
  let l = 0;
  while (k * 2 < n) {
    k *= 2;
    l++;
  }
  return { k, l };
}

function bug(where: string): never {
  throw new LtError('INTERNAL', `tlog: bad index math in ${where}`);
}

/**
 * Hashes to store when appending record n (0-based) whose leaf hash is leafHash: the leaf hash itself
 * followed by the hashes of the subtrees it completes, to be written at storedHashIndex(0, n) onwards.
 * Reads up to log2(n) earlier hashes. Go: tlog.StoredHashesForRecordHash.
 * For appending many records at once, use appendLeafHashes with a TreeFrontier instead.
 */
export async function storedHashes(n: number, leafHash: Buffer, reader: HashReader): Promise<Buffer[]> {
  assertCount(n, 'n');
  assertHash(leafHash, 'leafHash');
  // Each trailing 1 bit of n completes a subtree and consumes the hash of its left neighbour.
  const m = trailingZeros(n + 1);
  const indexes = new Array<number>(m);
  for (let i = 0; i < m; i++) {
    // Sorted ascending; n >> i is odd.
    indexes[m - 1 - i] = storedHashIndex(i, Math.floor(n / 2 ** i) - 1);
  }
  const old = m === 0 ? [] : await readHashesChecked(reader, indexes);
  const result = [leafHash];
  let h = leafHash;
  for (let i = 0; i < m; i++) {
    h = nodeHash(old[m - 1 - i], h);
    result.push(h);
  }
  return result;
}

/** Storage indexes of the complete subtrees that make up records [lo, hi), largest first. */
export function subTreeIndexes(lo: number, hi: number, need: number[] = []): number[] {
  while (lo < hi) {
    const { k, l } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) bug('subTreeIndexes');
    need.push(storedHashIndex(l, lo / k));
    lo += k;
  }
  return need;
}

/** Hash of records [lo, hi) from the hashes at subTreeIndexes(lo, hi), starting at hashes[at]. Returns the next unread position. */
function subTreeHash(lo: number, hi: number, hashes: Buffer[], at: number): { hash: Buffer; next: number } {
  let numTree = 0;
  while (lo < hi) {
    const { k } = maxpow2(hi - lo + 1);
    if (lo % k !== 0) bug('subTreeHash');
    numTree++;
    lo += k;
  }
  if (numTree === 0 || hashes.length - at < numTree) bug('subTreeHash');
  let h = hashes[at + numTree - 1];
  for (let i = numTree - 2; i >= 0; i--) h = nodeHash(hashes[at + i], h);
  return { hash: h, next: at + numTree };
}

/**
 * Root hash of the tree of the first n records, from one read of at most 1 + log2(n) stored hashes.
 * Go: tlog.TreeHash, except that size 0 gives EMPTY_TREE_HASH (RFC 9162) where Go gives zeros.
 */
export async function treeHash(n: number, reader: HashReader): Promise<Buffer> {
  assertCount(n, 'n');
  if (n === 0) return Buffer.from(EMPTY_TREE_HASH);
  const indexes = subTreeIndexes(0, n);
  const hashes = await readHashesChecked(reader, indexes);
  const { hash, next } = subTreeHash(0, n, hashes, 0);
  if (next !== hashes.length) bug('treeHash');
  return hash;
}

function leafProofIndexes(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo <= n && n < hi)) bug('leafProofIndexes');
  if (lo + 1 === hi) return need;
  const { k } = maxpow2(hi - lo);
  if (n < lo + k) {
    leafProofIndexes(lo, lo + k, n, need);
    subTreeIndexes(lo + k, hi, need);
  } else {
    subTreeIndexes(lo, lo + k, need);
    leafProofIndexes(lo + k, hi, n, need);
  }
  return need;
}

function leafProof(lo: number, hi: number, n: number, hashes: Buffer[], at: number): { proof: Buffer[]; next: number } {
  if (!(lo <= n && n < hi)) bug('leafProof');
  // Reached the leaf: the verifier knows its hash.
  if (lo + 1 === hi) return { proof: [], next: at };
  const { k } = maxpow2(hi - lo);
  let proof: Buffer[];
  let sibling: Buffer;
  if (n < lo + k) {
    ({ proof, next: at } = leafProof(lo, lo + k, n, hashes, at));
    ({ hash: sibling, next: at } = subTreeHash(lo + k, hi, hashes, at));
  } else {
    ({ hash: sibling, next: at } = subTreeHash(lo, lo + k, hashes, at));
    ({ proof, next: at } = leafProof(lo + k, hi, n, hashes, at));
  }
  proof.push(sibling);
  return { proof, next: at };
}

/** Storage indexes proveRecord(t, n) reads: useful to prefetch several proofs in one query. */
export function recordProofIndexes(t: number, n: number): number[] {
  assertRecordInputs(t, n, 'recordProofIndexes');
  return leafProofIndexes(0, t, n, []);
}

/** Proof that the tree of size t contains record n. Go: tlog.ProveRecord. */
export async function proveRecord(t: number, n: number, reader: HashReader): Promise<RecordProof> {
  const indexes = recordProofIndexes(t, n);
  if (indexes.length === 0) return [];
  const hashes = await readHashesChecked(reader, indexes);
  const { proof, next } = leafProof(0, t, n, hashes, 0);
  if (next !== hashes.length) bug('proveRecord');
  return proof;
}

function assertRecordInputs(t: number, n: number, where: string): void {
  assertCount(t, 't');
  assertCount(n, 'n');
  if (n >= t) {
    throw new LtError('VALIDATION_FAILED', `${where}: record index n=${n} must be smaller than tree size t=${t}`, { t, n });
  }
}

function proofFailed(kind: string, details: Record<string, unknown>): LtError {
  return new LtError('VALIDATION_FAILED', `${kind} proof does not verify`, { reason: 'proof_failed', ...details });
}

/** Hash of subtree [lo, hi) implied by a proof that record n (hash leaf) is in it; uses proof[0, len). */
function runRecordProof(proof: Buffer[], len: number, lo: number, hi: number, n: number, leaf: Buffer): Buffer | null {
  if (!(lo <= n && n < hi)) bug('runRecordProof');
  // At the leaf the proof must be used up exactly.
  if (lo + 1 === hi) return len === 0 ? leaf : null;
  if (len === 0) return null;
  const { k } = maxpow2(hi - lo);
  const sibling = proof[len - 1];
  if (n < lo + k) {
    const left = runRecordProof(proof, len - 1, lo, lo + k, n, leaf);
    return left && nodeHash(left, sibling);
  }
  const right = runRecordProof(proof, len - 1, lo + k, hi, n, leaf);
  return right && nodeHash(sibling, right);
}

/**
 * Checks that proof shows the tree of size t with root hash th has record n with leaf hash h.
 * Throws LtError VALIDATION_FAILED (details.reason 'proof_failed') when it does not. Go: tlog.CheckRecord.
 */
export function checkRecord(proof: RecordProof, t: number, th: Buffer, n: number, h: Buffer): void {
  assertRecordInputs(t, n, 'checkRecord');
  assertHash(th, 'tree hash');
  assertHash(h, 'leaf hash');
  if (!Array.isArray(proof)) throw new LtError('VALIDATION_FAILED', 'inclusion proof must be an array of hashes', { field: 'proof' });
  proof.forEach((p, i) => assertHash(p, `proof[${i}]`));
  const root = runRecordProof(proof, proof.length, 0, t, n, h);
  if (root === null || !root.equals(th)) throw proofFailed('inclusion', { t, n });
}

function treeProofIndexesFrom(lo: number, hi: number, n: number, need: number[]): number[] {
  if (!(lo < n && n <= hi)) bug('treeProofIndexes');
  if (n === hi) return lo === 0 ? need : subTreeIndexes(lo, hi, need);
  const { k } = maxpow2(hi - lo);
  if (n <= lo + k) {
    treeProofIndexesFrom(lo, lo + k, n, need);
    subTreeIndexes(lo + k, hi, need);
  } else {
    subTreeIndexes(lo, lo + k, need);
    treeProofIndexesFrom(lo + k, hi, n, need);
  }
  return need;
}

function treeProofFrom(lo: number, hi: number, n: number, hashes: Buffer[], at: number): { proof: Buffer[]; next: number } {
  if (!(lo < n && n <= hi)) bug('treeProof');
  if (n === hi) {
    // The subtree equal to the old tree: the verifier knows that hash.
    if (lo === 0) return { proof: [], next: at };
    const { hash, next } = subTreeHash(lo, hi, hashes, at);
    return { proof: [hash], next };
  }
  const { k } = maxpow2(hi - lo);
  let proof: Buffer[];
  let other: Buffer;
  if (n <= lo + k) {
    ({ proof, next: at } = treeProofFrom(lo, lo + k, n, hashes, at));
    ({ hash: other, next: at } = subTreeHash(lo + k, hi, hashes, at));
  } else {
    ({ hash: other, next: at } = subTreeHash(lo, lo + k, hashes, at));
    ({ proof, next: at } = treeProofFrom(lo + k, hi, n, hashes, at));
  }
  proof.push(other);
  return { proof, next: at };
}

function assertTreeInputs(t: number, n: number, where: string): void {
  assertCount(t, 't');
  assertCount(n, 'n');
  if (n < 1 || n > t) {
    throw new LtError('VALIDATION_FAILED', `${where}: old size n=${n} must be between 1 and new size t=${t}`, { t, n });
  }
}

/** Storage indexes proveTree(t, n) reads. */
export function treeProofIndexes(t: number, n: number): number[] {
  assertTreeInputs(t, n, 'treeProofIndexes');
  return treeProofIndexesFrom(0, t, n, []);
}

/** Proof that the tree of size t extends the tree of size n (1 <= n <= t). Go: tlog.ProveTree. */
export async function proveTree(t: number, n: number, reader: HashReader): Promise<TreeProof> {
  const indexes = treeProofIndexes(t, n);
  if (indexes.length === 0) return [];
  const hashes = await readHashesChecked(reader, indexes);
  const { proof, next } = treeProofFrom(0, t, n, hashes, 0);
  if (next !== hashes.length) bug('proveTree');
  return proof;
}

/** Old and new hashes of subtree [lo, hi) implied by proof[0, len), old being the hash of the size-n tree. */
function runTreeProof(proof: Buffer[], len: number, lo: number, hi: number, n: number, old: Buffer): { oh: Buffer; th: Buffer } | null {
  if (!(lo < n && n <= hi)) bug('runTreeProof');
  if (n === hi) {
    if (lo === 0) return len === 0 ? { oh: old, th: old } : null;
    return len === 1 ? { oh: proof[0], th: proof[0] } : null;
  }
  if (len === 0) return null;
  const { k } = maxpow2(hi - lo);
  const p = proof[len - 1];
  if (n <= lo + k) {
    const sub = runTreeProof(proof, len - 1, lo, lo + k, n, old);
    return sub && { oh: sub.oh, th: nodeHash(sub.th, p) };
  }
  const sub = runTreeProof(proof, len - 1, lo + k, hi, n, old);
  return sub && { oh: nodeHash(p, sub.oh), th: nodeHash(p, sub.th) };
}

/**
 * Checks that proof shows the tree of size t with hash th contains as a prefix the tree of size n with hash h.
 * Throws LtError VALIDATION_FAILED (details.reason 'proof_failed') when it does not. Go: tlog.CheckTree.
 */
export function checkTree(proof: TreeProof, t: number, th: Buffer, n: number, h: Buffer): void {
  assertTreeInputs(t, n, 'checkTree');
  assertHash(th, 'new tree hash');
  assertHash(h, 'old tree hash');
  if (!Array.isArray(proof)) throw new LtError('VALIDATION_FAILED', 'consistency proof must be an array of hashes', { field: 'proof' });
  proof.forEach((p, i) => assertHash(p, `proof[${i}]`));
  const run = runTreeProof(proof, proof.length, 0, t, n, h);
  if (run === null || !run.oh.equals(h) || !run.th.equals(th)) throw proofFailed('consistency', { t, n });
}
