import { LtError } from '@lt/contracts';
import { EMPTY_TREE_HASH, assertHash, nodeHash } from './hash';
import { MAX_RECORD_INDEX, assertCount, storedHashCount } from './stored-hash-index';
import { HashReader, subTreeIndexes } from './tree';

/*
 * Batch appends. The stored hashes that appending needs to read are always roots of the complete
 * subtrees forming the current tree (one per 1 bit of its size), so holding that "right edge" in
 * memory lets a writer append any number of leaves after a single read of at most 1 + log2(size)
 * hashes, producing exactly the hashes Go's tlog.StoredHashes would, in storage order.
 */

/** Right edge of a tree of `size` records: roots of its complete subtrees, largest (leftmost) first. */
export interface TreeFrontier {
  readonly size: number;
  readonly hashes: readonly Buffer[];
}

export const EMPTY_FRONTIER: TreeFrontier = Object.freeze({ size: 0, hashes: Object.freeze([]) as readonly Buffer[] });

function popCount(n: number): number {
  let count = 0;
  for (; n > 0; n = Math.floor(n / 2)) count += n % 2;
  return count;
}

function assertFrontier(frontier: TreeFrontier): void {
  assertCount(frontier.size, 'frontier.size', MAX_RECORD_INDEX + 1);
  const expected = popCount(frontier.size);
  if (!Array.isArray(frontier.hashes) || frontier.hashes.length !== expected) {
    throw new LtError('VALIDATION_FAILED', `frontier of size ${frontier.size} must hold ${expected} hashes`, {
      size: frontier.size,
      hashes: Array.isArray(frontier.hashes) ? frontier.hashes.length : null,
    });
  }
  frontier.hashes.forEach((h, i) => assertHash(h, `frontier.hashes[${i}]`));
}

/** Stored hash indexes holding the frontier of a tree of `size` records (ascending). */
export function frontierIndexes(size: number): number[] {
  assertCount(size, 'size', MAX_RECORD_INDEX + 1);
  return subTreeIndexes(0, size);
}

/** Loads the frontier of the tree of `size` records with one read. */
export async function readFrontier(size: number, reader: HashReader): Promise<TreeFrontier> {
  const indexes = frontierIndexes(size);
  const hashes = indexes.length === 0 ? [] : await reader.readHashes(indexes);
  const frontier = { size, hashes: [...hashes] };
  assertFrontier(frontier);
  return frontier;
}

/** Root hash of the tree the frontier describes (EMPTY_TREE_HASH for size 0). */
export function frontierRoot(frontier: TreeFrontier): Buffer {
  assertFrontier(frontier);
  const { hashes } = frontier;
  if (hashes.length === 0) return Buffer.from(EMPTY_TREE_HASH);
  let h = hashes[hashes.length - 1];
  for (let i = hashes.length - 2; i >= 0; i--) h = nodeHash(hashes[i], h);
  return h;
}

export interface AppendResult {
  /** Frontier of the extended tree; keep it for the next batch. */
  frontier: TreeFrontier;
  /** Stored hash index of hashes[0]: storedHashIndex(0, old size) = storedHashCount(old size). */
  firstIndex: number;
  /** New stored hashes, to be written at firstIndex, firstIndex + 1, ... (contiguous). */
  hashes: Buffer[];
}

/** Appends leaf hashes to the tree described by frontier, without any reads. */
export function appendLeafHashes(frontier: TreeFrontier, leafHashes: readonly Buffer[]): AppendResult {
  assertFrontier(frontier);
  const oldSize = frontier.size;
  assertCount(oldSize + leafHashes.length, 'new tree size', MAX_RECORD_INDEX + 1);
  const stack = [...frontier.hashes];
  const hashes: Buffer[] = [];
  let size = oldSize;
  for (let i = 0; i < leafHashes.length; i++) {
    let h = leafHashes[i];
    assertHash(h, `leafHashes[${i}]`);
    hashes.push(h);
    // Each trailing 1 bit of the record number completes a subtree with the smallest one on the edge.
    for (let s = size; s % 2 === 1; s = (s - 1) / 2) {
      h = nodeHash(stack.pop()!, h);
      hashes.push(h);
    }
    stack.push(h);
    size++;
  }
  return {
    frontier: { size, hashes: stack },
    firstIndex: storedHashCount(oldSize),
    hashes,
  };
}

/** Growable in-memory stored-hash table; the reference HashReader for tests, tools and benchmarks. */
export class MemoryHashStore implements HashReader {
  private data = Buffer.alloc(32 * 1024);
  private count = 0;

  /** Number of stored hashes (the next index to write). */
  get size(): number {
    return this.count;
  }

  readHashes(indexes: number[]): Buffer[] {
    return indexes.map((index) => {
      if (!Number.isSafeInteger(index) || index < 0 || index >= this.count) {
        throw new LtError('NOT_FOUND', `no stored hash at index ${index}`, { index, size: this.count });
      }
      // Copy: the backing buffer is reused as the store grows.
      return Buffer.from(this.data.subarray(index * 32, index * 32 + 32));
    });
  }

  /** Appends hashes that must start exactly at the current size (the store is append-only). */
  writeHashes(firstIndex: number, hashes: readonly Buffer[]): void {
    if (firstIndex !== this.count) {
      throw new LtError('VALIDATION_FAILED', `hashes must be written at index ${this.count}, not ${firstIndex}`, { firstIndex, size: this.count });
    }
    const needed = (this.count + hashes.length) * 32;
    if (needed > this.data.length) {
      const grown = Buffer.alloc(Math.max(needed, this.data.length * 2));
      this.data.copy(grown, 0, 0, this.count * 32);
      this.data = grown;
    }
    for (const h of hashes) {
      assertHash(h, `hash ${this.count}`);
      this.data.set(h, this.count * 32);
      this.count++;
    }
  }
}

/** An in-memory log: a MemoryHashStore plus its frontier. Handy for tests, tools and offline verification. */
export class MemoryLog implements HashReader {
  readonly store = new MemoryHashStore();
  private edge: TreeFrontier = EMPTY_FRONTIER;

  get size(): number {
    return this.edge.size;
  }

  get frontier(): TreeFrontier {
    return this.edge;
  }

  readHashes(indexes: number[]): Buffer[] {
    return this.store.readHashes(indexes);
  }

  appendLeafHashes(leafHashes: readonly Buffer[]): AppendResult {
    const result = appendLeafHashes(this.edge, leafHashes);
    this.store.writeHashes(result.firstIndex, result.hashes);
    this.edge = result.frontier;
    return result;
  }

  rootHash(): Buffer {
    return frontierRoot(this.edge);
  }
}
