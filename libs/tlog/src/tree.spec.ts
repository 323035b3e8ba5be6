import { LtError } from '@lt/contracts';
import {
  EMPTY_FRONTIER,
  EMPTY_TREE_HASH,
  MemoryHashStore,
  MemoryLog,
  RecordProof,
  appendLeafHashes,
  checkRecord,
  checkTree,
  frontierIndexes,
  frontierRoot,
  leafHash,
  nodeHash,
  proveRecord,
  proveTree,
  readFrontier,
  recordProofIndexes,
  splitStoredHashIndex,
  storedHashCount,
  storedHashIndex,
  storedHashes,
  treeHash,
  treeProofIndexes,
} from './index';

const hex = (h: Buffer) => h.toString('hex');
const fromHex = (s: string) => Buffer.from(s, 'hex');

// The standard RFC 6962 / Certificate Transparency test inputs and roots (also what Go's sumdb/tlog computes).
const CT_LEAVES = ['', '00', '10', '2021', '3031', '40414243', '5051525354555657', '606162636465666768696a6b6c6d6e6f'].map(fromHex);
const CT_ROOTS = [
  '6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d',
  'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
  'aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77',
  'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
  '4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4',
  '76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef',
  'ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c',
  '5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328',
];

/** Builds a log one record at a time through storedHashes(), the Go-style path. */
async function buildStepwise(leaves: Buffer[]): Promise<MemoryHashStore> {
  const store = new MemoryHashStore();
  for (let n = 0; n < leaves.length; n++) {
    const hashes = await storedHashes(n, leafHash(leaves[n]), store);
    store.writeHashes(storedHashIndex(0, n), hashes);
  }
  return store;
}

/** Direct RFC 9162 MTH definition, as an independent reference. */
function referenceRoot(leafHashes: Buffer[]): Buffer {
  if (leafHashes.length === 1) return leafHashes[0];
  let k = 1;
  while (k * 2 < leafHashes.length) k *= 2;
  return nodeHash(referenceRoot(leafHashes.slice(0, k)), referenceRoot(leafHashes.slice(k)));
}

function entries(count: number): Buffer[] {
  return Array.from({ length: count }, (_, i) => Buffer.from(`entry ${i}`));
}

function expectProofFailure(fn: () => void): void {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown).toBeInstanceOf(LtError);
  expect((thrown as LtError).code).toBe('VALIDATION_FAILED');
}

describe('RFC 9162 hashing', () => {
  it('hashes leaves and nodes with the 0x00 / 0x01 prefixes', () => {
    expect(hex(leafHash(Buffer.alloc(0)))).toBe('6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d');
    const l = leafHash(CT_LEAVES[0]);
    const r = leafHash(CT_LEAVES[1]);
    expect(hex(nodeHash(l, r))).toBe(CT_ROOTS[1]);
    expect(hex(EMPTY_TREE_HASH)).toBe('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });

  it('rejects node inputs that are not 32 bytes', () => {
    expect(() => nodeHash(Buffer.alloc(31), Buffer.alloc(32))).toThrow(LtError);
  });

  it('matches the Certificate Transparency roots for sizes 1..8', async () => {
    const store = await buildStepwise(CT_LEAVES);
    for (let size = 1; size <= 8; size++) {
      expect(hex(await treeHash(size, store))).toBe(CT_ROOTS[size - 1]);
    }
    expect(hex(await treeHash(0, store))).toBe(hex(EMPTY_TREE_HASH));
  });

  it('produces the CT / Go inclusion and consistency proofs for the standard inputs', async () => {
    const store = await buildStepwise(CT_LEAVES);
    expect((await proveRecord(8, 0, store)).map(hex)).toEqual([
      '96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7',
      '5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e',
      '6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4',
    ]);
    expect((await proveRecord(8, 5, store)).map(hex)).toEqual([
      'bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect((await proveRecord(5, 4, store)).map(hex)).toEqual(['d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7']);
    expect((await proveTree(8, 6, store)).map(hex)).toEqual([
      '0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a',
      'ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0',
      'd37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7',
    ]);
    expect((await proveTree(7, 3, store)).map(hex)).toEqual([
      '0298d122906dcfc10892cb53a73992fc5b9f493ea4c9badb27b791b4127a7fe7',
      '07506a85fd9dd2f120eb694f86011e5bb4662e5c415a62917033d4a9624487e7',
      'fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125',
      '837dbb152e9b079010717e84e865da4ebc0fa198a806d59d31bf15accef22d0e',
    ]);
  });
});

describe('stored hash indexes', () => {
  it('match the values Go computes', () => {
    // From Go: StoredHashIndex(0, 1000000), StoredHashIndex(3, 12345), StoredHashIndex(20, 7) and StoredHashCount.
    expect(storedHashIndex(0, 1_000_000)).toBe(1_999_993);
    expect(storedHashIndex(3, 12345)).toBe(197_528);
    expect(storedHashIndex(20, 7)).toBe(16_777_211);
    expect([0, 1, 2, 3, 4, 7, 100, 1000, 1_000_000].map(storedHashCount)).toEqual([0, 1, 3, 4, 7, 11, 197, 1994, 1_999_993]);
  });

  it('splitStoredHashIndex inverts storedHashIndex', () => {
    for (let level = 0; level < 10; level++) {
      for (let n = 0; n < 100; n++) {
        expect(splitStoredHashIndex(storedHashIndex(level, n))).toEqual({ level, n });
      }
    }
    // Beyond 32 bits, where JavaScript bit operators would have truncated.
    const big = 2 ** 40 + 12345;
    expect(splitStoredHashIndex(storedHashIndex(5, big))).toEqual({ level: 5, n: big });
  });

  it('rejects negative, fractional and oversize coordinates', () => {
    expect(() => storedHashIndex(-1, 0)).toThrow(LtError);
    expect(() => storedHashIndex(0, 1.5)).toThrow(LtError);
    expect(() => storedHashIndex(0, 2 ** 53)).toThrow(LtError);
  });

  it('a store built record by record holds exactly storedHashCount(n) hashes', async () => {
    const store = await buildStepwise(entries(100));
    expect(store.size).toBe(storedHashCount(100));
  });
});

describe('tree hashes', () => {
  it('equal the RFC 9162 definition for every size up to 130', async () => {
    const leaves = entries(130);
    const store = await buildStepwise(leaves);
    const hashes = leaves.map(leafHash);
    for (let size = 1; size <= 130; size++) {
      expect(hex(await treeHash(size, store))).toBe(hex(referenceRoot(hashes.slice(0, size))));
    }
  });

  it('are computed from at most 1 + log2(n) stored hashes in one read', async () => {
    const store = await buildStepwise(entries(1000));
    const reads: number[][] = [];
    const spy = { readHashes: (ix: number[]) => (reads.push(ix), store.readHashes(ix)) };
    await treeHash(1000, spy);
    expect(reads).toHaveLength(1);
    expect(reads[0].length).toBeLessThanOrEqual(11);
  });

  it('fail loudly when the reader returns the wrong number of hashes', async () => {
    const store = await buildStepwise(entries(10));
    await expect(treeHash(10, { readHashes: (ix) => store.readHashes(ix).slice(1) })).rejects.toThrow(LtError);
  });

  it('accept asynchronous readers', async () => {
    const store = await buildStepwise(CT_LEAVES);
    const asyncReader = { readHashes: async (ix: number[]) => store.readHashes(ix) };
    expect(hex(await treeHash(8, asyncReader))).toBe(CT_ROOTS[7]);
  });
});

describe('batch appends through the frontier', () => {
  it('write the same stored hashes as record-by-record appends, in any batch split', async () => {
    const leaves = entries(300);
    const stepwise = await buildStepwise(leaves);
    const all = stepwise.readHashes(Array.from({ length: stepwise.size }, (_, i) => i));
    for (const batch of [1, 3, 7, 64, 100, 300]) {
      const log = new MemoryLog();
      for (let i = 0; i < leaves.length; i += batch) {
        log.appendLeafHashes(leaves.slice(i, i + batch).map(leafHash));
      }
      const got = log.store.readHashes(Array.from({ length: log.store.size }, (_, i) => i));
      expect(got.map(hex)).toEqual(all.map(hex));
      expect(hex(log.rootHash())).toBe(hex(await treeHash(300, stepwise)));
    }
  });

  it('resume from a frontier read back with one query', async () => {
    const leaves = entries(777);
    const store = new MemoryHashStore();
    let frontier = EMPTY_FRONTIER;
    for (let i = 0; i < leaves.length; i += 100) {
      const reads: number[][] = [];
      frontier = await readFrontier(i, { readHashes: (ix) => (reads.push(ix), store.readHashes(ix)) });
      expect(reads.length).toBeLessThanOrEqual(1);
      const { firstIndex, hashes, frontier: next } = appendLeafHashes(frontier, leaves.slice(i, i + 100).map(leafHash));
      expect(firstIndex).toBe(storedHashCount(i));
      store.writeHashes(firstIndex, hashes);
      frontier = next;
    }
    expect(frontier.size).toBe(777);
    expect(frontierIndexes(777)).toHaveLength(frontier.hashes.length);
    expect(hex(frontierRoot(frontier))).toBe(hex(referenceRoot(leaves.map(leafHash))));
    expect(hex(await treeHash(777, store))).toBe(hex(frontierRoot(frontier)));
  });

  it('reject a frontier whose hash count does not fit its size', () => {
    expect(() => appendLeafHashes({ size: 3, hashes: [Buffer.alloc(32)] }, [])).toThrow(LtError);
  });

  it('the in-memory store only accepts contiguous appends', () => {
    const store = new MemoryHashStore();
    expect(() => store.writeHashes(1, [Buffer.alloc(32)])).toThrow(LtError);
    expect(() => store.readHashes([0])).toThrow(LtError);
  });
});

describe('inclusion and consistency proofs', () => {
  const SIZE = 64;
  let store: MemoryHashStore;
  let leafHashes: Buffer[];
  let roots: Buffer[]; // roots[t] = root of tree of size t

  beforeAll(async () => {
    const leaves = entries(SIZE);
    leafHashes = leaves.map(leafHash);
    store = await buildStepwise(leaves);
    roots = [EMPTY_TREE_HASH];
    for (let t = 1; t <= SIZE; t++) roots.push(await treeHash(t, store));
  });

  it('verify for every record n < t <= 64', async () => {
    let checked = 0;
    for (let t = 1; t <= SIZE; t++) {
      for (let n = 0; n < t; n++) {
        const proof = await proveRecord(t, n, store);
        expect(proof.length).toBeLessThanOrEqual(Math.ceil(Math.log2(t)));
        expect(recordProofIndexes(t, n).length).toBeGreaterThanOrEqual(proof.length);
        checkRecord(proof, t, roots[t], n, leafHashes[n]);
        checked++;
      }
    }
    expect(checked).toBe((SIZE * (SIZE + 1)) / 2);
  });

  it('verify for every pair 1 <= n <= t <= 64', async () => {
    for (let t = 1; t <= SIZE; t++) {
      for (let n = 1; n <= t; n++) {
        const proof = await proveTree(t, n, store);
        checkTree(proof, t, roots[t], n, roots[n]);
      }
    }
  });

  it('reject every single-bit change, dropped or extra hash, wrong leaf, index or root', async () => {
    for (let t = 1; t <= SIZE; t += 3) {
      for (let n = 0; n < t; n += 2) {
        const proof = await proveRecord(t, n, store);
        for (let i = 0; i < proof.length; i++) {
          const tampered: RecordProof = proof.map((h) => Buffer.from(h));
          tampered[i][i % 32] ^= 0x01;
          expectProofFailure(() => checkRecord(tampered, t, roots[t], n, leafHashes[n]));
        }
        if (proof.length > 0) expectProofFailure(() => checkRecord(proof.slice(1), t, roots[t], n, leafHashes[n]));
        expectProofFailure(() => checkRecord([...proof, roots[t]], t, roots[t], n, leafHashes[n]));
        expectProofFailure(() => checkRecord(proof, t, roots[t], n, leafHashes[(n + 1) % SIZE]));
        if (t > 1) expectProofFailure(() => checkRecord(proof, t, roots[t], (n + 1) % t, leafHashes[n]));
        expectProofFailure(() => checkRecord(proof, t, roots[t === 1 ? 2 : t - 1], n, leafHashes[n]));
      }
    }
  });

  it('reject tampered consistency proofs and mismatched roots', async () => {
    for (let t = 2; t <= SIZE; t += 3) {
      for (let n = 1; n < t; n += 2) {
        const proof = await proveTree(t, n, store);
        expect(proof.length).toBeGreaterThan(0);
        expect(treeProofIndexes(t, n).length).toBeGreaterThan(0);
        for (let i = 0; i < proof.length; i++) {
          const tampered = proof.map((h) => Buffer.from(h));
          tampered[i][31 - (i % 32)] ^= 0x80;
          expectProofFailure(() => checkTree(tampered, t, roots[t], n, roots[n]));
        }
        expectProofFailure(() => checkTree(proof.slice(0, -1), t, roots[t], n, roots[n]));
        expectProofFailure(() => checkTree([...proof, roots[n]], t, roots[t], n, roots[n]));
        expectProofFailure(() => checkTree(proof, t, roots[t], n, roots[n + 1]));
        expectProofFailure(() => checkTree(proof, t, roots[t - 1], n, roots[n]));
      }
    }
    // Equal sizes need an empty proof and equal roots.
    checkTree([], 5, roots[5], 5, roots[5]);
    expectProofFailure(() => checkTree([], 5, roots[5], 5, roots[4]));
  });

  it('reject out-of-range sizes and indexes', async () => {
    await expect(proveRecord(5, 5, store)).rejects.toThrow(LtError);
    await expect(proveTree(5, 0, store)).rejects.toThrow(LtError);
    await expect(proveTree(5, 6, store)).rejects.toThrow(LtError);
    expectProofFailure(() => checkRecord([], 0, roots[1], 0, leafHashes[0]));
    expectProofFailure(() => checkTree([], 3, roots[3], 0, roots[1]));
  });

  it('need only O(log n) stored hashes per proof, read once', async () => {
    const big = new MemoryLog();
    big.appendLeafHashes(entries(5000).map(leafHash));
    const reads: number[][] = [];
    const spy = { readHashes: (ix: number[]) => (reads.push(ix), big.readHashes(ix)) };
    const proof = await proveRecord(5000, 1234, spy);
    expect(reads).toHaveLength(1);
    expect(reads[0].length).toBeLessThanOrEqual(2 * 13);
    checkRecord(proof, 5000, big.rootHash(), 1234, leafHash(Buffer.from('entry 1234')));
  });
});
