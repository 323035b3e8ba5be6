/*
 * @lt/tlog throughput (numbers, not pass/fail):
 *   npm run bench:tlog        (builds, then runs dist/bench/tlog.bench.js)
 * Optional argument: number of leaves (default 1,000,000), e.g. `npm run bench:tlog -- 100000`.
 */
import { performance } from 'node:perf_hooks';
import {
  EMPTY_FRONTIER,
  MemoryLog,
  TreeFrontier,
  appendLeafHashes,
  checkRecord,
  checkTree,
  frontierRoot,
  leafHash,
  proveRecord,
  proveTree,
  treeHash,
} from '../libs/tlog/src/index';

const TOTAL = Number(process.argv[2] ?? 1_000_000);
const BATCH = 1000;
const ENTRY_SIZE = 300; // about one serialized audit event

/** Deterministic distinct entries without keeping a million buffers alive. */
function makeBatch(start: number, count: number): Buffer[] {
  const out = new Array<Buffer>(count);
  for (let i = 0; i < count; i++) {
    const entry = Buffer.alloc(ENTRY_SIZE, 0x61);
    entry.writeUInt32BE(start + i, 0);
    out[i] = entry;
  }
  return out;
}

function rate(count: number, ms: number): string {
  return `${Math.round((count / ms) * 1000).toLocaleString('en-US')}/s`;
}

/** Cheap deterministic PRNG so runs are comparable. */
function prng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

async function main(): Promise<void> {
  console.log(`@lt/tlog bench: ${TOTAL.toLocaleString('en-US')} leaves of ${ENTRY_SIZE} bytes, batches of ${BATCH}, node ${process.version}`);

  // 1. Appends into an in-memory stored-hash table, 1,000 leaves per batch (leaf hashing included).
  const log = new MemoryLog();
  let genMs = 0;
  let appendMs = 0;
  for (let start = 0; start < TOTAL; start += BATCH) {
    const g0 = performance.now();
    const batch = makeBatch(start, Math.min(BATCH, TOTAL - start));
    const t0 = performance.now();
    log.appendLeafHashes(batch.map(leafHash));
    appendMs += performance.now() - t0;
    genMs += t0 - g0;
  }
  const root = log.rootHash();
  console.log(
    `append: ${rate(TOTAL, appendMs)} leaves (${appendMs.toFixed(0)} ms; ${(appendMs / (TOTAL / BATCH)).toFixed(2)} ms per 1,000-leaf batch;` +
      ` ${log.store.size.toLocaleString('en-US')} stored hashes; entry generation ${genMs.toFixed(0)} ms excluded)`,
  );

  // 2. Tree hash from stored hashes.
  {
    const n = 2000;
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await treeHash(TOTAL - (i % 1000), log);
    const ms = performance.now() - t0;
    console.log(`treeHash(~${TOTAL.toLocaleString('en-US')}) from stored hashes: ${((ms / n) * 1000).toFixed(1)} µs/op`);
  }

  // 3. Inclusion proofs: generation (from stored hashes) and verification.
  {
    const n = 20_000;
    const rand = prng(42);
    const indexes = Array.from({ length: n }, () => Math.floor(rand() * TOTAL));
    const t0 = performance.now();
    const proofs = [];
    for (const index of indexes) proofs.push(await proveRecord(TOTAL, index, log));
    const t1 = performance.now();
    const leafHashes = indexes.map((index) => leafHash(makeBatch(index, 1)[0]));
    const t2 = performance.now();
    for (let i = 0; i < n; i++) checkRecord(proofs[i], TOTAL, root, indexes[i], leafHashes[i]);
    const t3 = performance.now();
    console.log(
      `inclusion proof (tree ${TOTAL.toLocaleString('en-US')}, ${proofs[0].length} hashes): generate ${(((t1 - t0) / n) * 1000).toFixed(1)} µs/op,` +
        ` verify ${(((t3 - t2) / n) * 1000).toFixed(1)} µs/op`,
    );
  }

  // 4. Consistency proofs between checkpoints.
  {
    const n = 5000;
    const rand = prng(7);
    const olds = Array.from({ length: n }, () => 1 + Math.floor(rand() * (TOTAL - 1)));
    const oldRoots = [];
    for (const old of olds) oldRoots.push(await treeHash(old, log));
    const t0 = performance.now();
    const proofs = [];
    for (const old of olds) proofs.push(await proveTree(TOTAL, old, log));
    const t1 = performance.now();
    for (let i = 0; i < n; i++) checkTree(proofs[i], TOTAL, root, olds[i], oldRoots[i]);
    const t2 = performance.now();
    console.log(`consistency proof: generate ${(((t1 - t0) / n) * 1000).toFixed(1)} µs/op, verify ${(((t2 - t1) / n) * 1000).toFixed(1)} µs/op`);
  }

  // 5. Offline verification: recompute the root from all entries (hash every entry, fold the frontier, no storage).
  {
    let frontier: TreeFrontier = EMPTY_FRONTIER;
    let hashMs = 0;
    for (let start = 0; start < TOTAL; start += 10_000) {
      const batch = makeBatch(start, Math.min(10_000, TOTAL - start));
      const t0 = performance.now();
      frontier = appendLeafHashes(frontier, batch.map(leafHash)).frontier;
      hashMs += performance.now() - t0;
    }
    const t0 = performance.now();
    const recomputed = frontierRoot(frontier);
    hashMs += performance.now() - t0;
    if (!recomputed.equals(root)) throw new Error('recomputed root differs from the appended root');
    console.log(`full recomputation of ${TOTAL.toLocaleString('en-US')} leaves: ${rate(TOTAL, hashMs)} entries verified (${hashMs.toFixed(0)} ms; target >= 100,000/s)`);
  }

  const mem = process.memoryUsage();
  console.log(`rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
