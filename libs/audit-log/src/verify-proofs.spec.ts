import { generateKeyPairSync } from 'node:crypto';
import { LtError, type ConsistencyProofResponse, type InclusionProofResponse, type ReceiptBody, type ReceiptItem } from '@lt/contracts';
import { MemoryLog, createNoteSigner, decodeHash, encodeHash, encodeVerifierKey, proveRecord, proveTree, signCheckpoint } from '@lt/tlog';
import { entryLeafHash, type JsonValue, type LogEntry } from './canonical-entry';
import { verifyConsistencyProof, verifyInclusionProof, verifyReceipt } from './verify-proofs';

/*
 * These cases stand for a hub that makes a proof up: each keeps the entry, its leaf hash and the
 * log key's signature valid, and changes only what the Merkle step (checkRecord / checkTree) alone
 * can catch, unless a case says otherwise. Without that step every one of them would be accepted.
 */

const ORIGIN = 'lienthong.gov.vn/audit';
const SENDER = '000.00.00.G12';
const RECIPIENT = '000.00.00.H41';
const { privateKey, publicKey } = generateKeyPairSync('ed25519');
const signer = createNoteSigner(ORIGIN, privateKey);
const vkey = encodeVerifierKey(ORIGIN, publicKey);

function entry(seq: number, body: JsonValue = { n: seq, s: 'Sở Y tế' }): LogEntry {
  return {
    seq,
    source: 'inbox',
    id: `id-${seq}`,
    type: 'delivery.document',
    messageId: `msg-${seq}`,
    agencies: [SENDER, RECIPIENT],
    at: new Date(1_790_000_000_000 + seq).toISOString(),
    body,
  };
}

/** A log of `entries` with the root of every prefix kept, so a checkpoint can be signed at any size. */
function buildLog(entries: LogEntry[]) {
  const log = new MemoryLog();
  const roots = [log.rootHash()];
  for (const e of entries) {
    log.appendLeafHashes([entryLeafHash(e)]);
    roots.push(log.rootHash());
  }
  return { entries, log, roots };
}

type Log = ReturnType<typeof buildLog>;

const SIZE = 13; // not a power of two: proofs mix full and partial subtrees
const real = buildLog(Array.from({ length: SIZE }, (_, i) => entry(i)));
/** The same log with entry 5 rewritten: what the hub would show someone else (a split view). */
const forgedEntry = entry(5, { n: 5, s: 'Sở Tài chính' });
const fork = buildLog(real.entries.map((e) => (e.seq === 5 ? forgedEntry : e)));

/** A checkpoint signed with the log key; `rootHash` lets the hub sign a root of its choosing. */
function checkpoint(size: number, rootHash: Buffer = real.roots[size]): string {
  return signCheckpoint({ origin: ORIGIN, treeSize: size, rootHash }, signer);
}

async function inclusion(seq: number, treeSize: number, from: Log = real): Promise<InclusionProofResponse> {
  const proof = await proveRecord(treeSize, seq, from.log);
  return {
    seq,
    treeSize,
    leafHash: encodeHash(entryLeafHash(from.entries[seq])),
    rootHash: encodeHash(from.roots[treeSize]),
    proof: proof.map((h) => encodeHash(h)),
    checkpoint: checkpoint(treeSize, from.roots[treeSize]),
    entry: from.entries[seq],
  };
}

async function consistency(from: number, to: number, log: Log = real): Promise<ConsistencyProofResponse> {
  const proof = await proveTree(to, from, log.log);
  return {
    from,
    to,
    fromRoot: encodeHash(log.roots[from]),
    toRoot: encodeHash(log.roots[to]),
    proof: proof.map((h) => encodeHash(h)),
    fromCheckpoint: checkpoint(from, log.roots[from]),
    toCheckpoint: checkpoint(to, log.roots[to]),
  };
}

/** The hash with one bit changed. */
function flipped(hash: string | Buffer): Buffer {
  const h = Buffer.from(typeof hash === 'string' ? decodeHash(hash) : hash);
  h[h.length - 1] ^= 1;
  return h;
}

/** Every way to change one proof by one hash: each hash flipped, one removed, one added. */
function tamperedPaths(proof: string[]): Array<{ how: string; proof: string[] }> {
  const extra = encodeHash(flipped(real.roots[SIZE]));
  const out = proof.map((h, i) => ({ how: `hash ${i} flipped`, proof: proof.map((x, j) => (j === i ? encodeHash(flipped(h)) : x)) }));
  proof.forEach((_, i) => out.push({ how: `hash ${i} removed`, proof: proof.filter((_, j) => j !== i) }));
  out.push({ how: 'a hash added at the end', proof: [...proof, extra] });
  out.push({ how: 'a hash added at the start', proof: [extra, ...proof] });
  if (proof.length) out.push({ how: 'the last hash repeated', proof: [...proof, proof[proof.length - 1]] });
  return out;
}

/** The LtError the verifier throws, or a failure naming the case it accepted. */
function rejection(what: string, verify: () => unknown): LtError {
  try {
    verify();
  } catch (err) {
    if (err instanceof LtError) return err;
    throw err;
  }
  throw new Error(`accepted ${what}`);
}

const PROOF_FAILED = { code: 'VALIDATION_FAILED', details: { reason: 'proof_failed' } };
const BAD_SIGNATURE = { code: 'BAD_SIGNATURE' };

/** Pairs (seq, tree size) that cover left and right leaves, full and partial subtrees, and a leaf beside a full subtree. */
const INCLUSION_CASES: Array<[number, number]> = [
  [0, SIZE],
  [5, SIZE],
  [8, SIZE],
  [12, SIZE],
  [6, 7],
  [3, 8],
  [1, 2],
];
const CONSISTENCY_CASES: Array<[number, number]> = [
  [1, SIZE],
  [4, SIZE],
  [7, SIZE],
  [8, SIZE],
  [12, SIZE],
  [5, 11],
  [3, 4],
];

describe('verifyInclusionProof', () => {
  it('accepts the honest proof of every entry at every tree size', async () => {
    for (let size = 1; size <= SIZE; size++) {
      for (let seq = 0; seq < size; seq++) {
        expect(verifyInclusionProof(await inclusion(seq, size), vkey)).toMatchObject({ origin: ORIGIN, treeSize: size });
      }
    }
  });

  it('rejects a proof whose path has one hash changed, removed or added', async () => {
    for (const [seq, size] of INCLUSION_CASES) {
      const honest = await inclusion(seq, size);
      for (const { how, proof } of tamperedPaths(honest.proof)) {
        expect(rejection(`entry ${seq} of ${size}, ${how}`, () => verifyInclusionProof({ ...honest, proof }, vkey))).toMatchObject(PROOF_FAILED);
      }
    }
  });

  it('rejects an empty path for an entry of a larger tree', async () => {
    const honest = await inclusion(5, SIZE);
    expect(rejection('an empty path', () => verifyInclusionProof({ ...honest, proof: [] }, vkey))).toMatchObject(PROOF_FAILED);
  });

  it("rejects the right entry's path presented against another tree size, with that size's own signed checkpoint", async () => {
    for (const [pathSize, claimed] of [
      [SIZE, 12],
      [12, SIZE],
      [8, SIZE],
      [SIZE, 8],
      [SIZE, 6],
    ]) {
      const { proof } = await inclusion(5, pathSize);
      const claim = { ...(await inclusion(5, claimed)), proof };
      expect(rejection(`path of size ${pathSize} as ${claimed}`, () => verifyInclusionProof(claim, vkey))).toMatchObject(PROOF_FAILED);
    }
  });

  it('rejects a proof whose checkpoint signs another tree size than the proof claims', async () => {
    const honest = await inclusion(5, SIZE);
    expect(rejection('a checkpoint of size 12', () => verifyInclusionProof({ ...honest, checkpoint: checkpoint(12) }, vkey))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'treeSize' },
    });
  });

  it('rejects a checkpoint whose root was changed after it was signed', async () => {
    const honest = await inclusion(5, SIZE);
    const root = encodeHash(real.roots[SIZE]);
    const altered = honest.checkpoint!.replace(`\n${root}\n`, `\n${encodeHash(flipped(root))}\n`);
    expect(altered).not.toBe(honest.checkpoint);
    expect(rejection('an altered root', () => verifyInclusionProof({ ...honest, checkpoint: altered }, vkey))).toMatchObject(BAD_SIGNATURE);
  });

  it('rejects a root the log key signed for a tree that does not hold the entry there (a made-up root, another view of the log)', async () => {
    const honest = await inclusion(5, SIZE);
    const madeUp = { ...honest, checkpoint: checkpoint(SIZE, flipped(real.roots[SIZE])) };
    expect(rejection('a made-up root', () => verifyInclusionProof(madeUp, vkey))).toMatchObject(PROOF_FAILED);
    // the fork differs only at entry 5: its signed root does not hold the real entry 5, nor the real log the forged one
    expect(rejection("the fork's root", () => verifyInclusionProof({ ...honest, checkpoint: checkpoint(SIZE, fork.roots[SIZE]) }, vkey))).toMatchObject(
      PROOF_FAILED,
    );
    const forged = await inclusion(5, SIZE, fork);
    expect(verifyInclusionProof(forged, vkey).treeSize).toBe(SIZE);
    expect(rejection('the real root', () => verifyInclusionProof({ ...forged, checkpoint: checkpoint(SIZE) }, vkey))).toMatchObject(PROOF_FAILED);
  });

  it('rejects a leaf index off by one', async () => {
    for (const [seq, size] of INCLUSION_CASES) {
      const honest = await inclusion(seq, size);
      for (const other of [seq - 1, seq + 1].filter((n) => n >= 0 && n < size)) {
        // the entry rewritten to claim the neighbouring position (so it hashes to the leaf given)
        const moved = { ...honest.entry, seq: other };
        const claim = { ...honest, seq: other, entry: moved, leafHash: encodeHash(entryLeafHash(moved as LogEntry)) };
        expect(rejection(`entry ${seq} of ${size} as ${other}`, () => verifyInclusionProof(claim, vkey))).toMatchObject(PROOF_FAILED);
        // the same leaf at the neighbouring index, entry left out: only the index moved
        const bare = { ...honest, seq: other, entry: undefined as unknown as InclusionProofResponse['entry'] };
        expect(rejection(`leaf ${seq} of ${size} at ${other}`, () => verifyInclusionProof(bare, vkey))).toMatchObject(PROOF_FAILED);
        // the entry kept as it was: the entry check names the mismatch before the Merkle step
        expect(rejection(`seq ${other} with entry ${seq}`, () => verifyInclusionProof({ ...honest, seq: other }, vkey))).toMatchObject({
          code: 'VALIDATION_FAILED',
          details: { field: 'entry.seq' },
        });
      }
    }
  });
});

describe('verifyConsistencyProof', () => {
  it('accepts the honest proof between every two tree sizes', async () => {
    for (let to = 1; to <= SIZE; to++) {
      for (let from = 1; from <= to; from++) {
        const c = await consistency(from, to);
        expect(verifyConsistencyProof(c, vkey)).toBeUndefined();
      }
    }
  });

  it('rejects a proof with one hash changed, removed or added', async () => {
    for (const [from, to] of CONSISTENCY_CASES) {
      const honest = await consistency(from, to);
      for (const { how, proof } of tamperedPaths(honest.proof)) {
        expect(rejection(`${from}..${to}, ${how}`, () => verifyConsistencyProof({ ...honest, proof }, vkey))).toMatchObject(PROOF_FAILED);
      }
    }
  });

  it("rejects a proof between two sizes presented for other sizes, with those sizes' own signed checkpoints", async () => {
    for (const [[from, to], [claimFrom, claimTo]] of [
      [
        [7, SIZE],
        [6, SIZE],
      ],
      [
        [7, SIZE],
        [7, 12],
      ],
      [
        [5, 11],
        [5, SIZE],
      ],
      [
        [8, SIZE],
        [4, SIZE],
      ],
    ]) {
      const { proof } = await consistency(from, to);
      const claim = { ...(await consistency(claimFrom, claimTo)), proof };
      expect(rejection(`${from}..${to} as ${claimFrom}..${claimTo}`, () => verifyConsistencyProof(claim, vkey))).toMatchObject(PROOF_FAILED);
    }
  });

  it('rejects checkpoints that sign other sizes than the proof claims', async () => {
    const honest = await consistency(7, SIZE);
    expect(rejection('a from-checkpoint of 6', () => verifyConsistencyProof({ ...honest, fromCheckpoint: checkpoint(6) }, vkey))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'from' },
    });
  });

  it('rejects a checkpoint whose root was changed after it was signed', async () => {
    const honest = await consistency(7, SIZE);
    const root = encodeHash(real.roots[SIZE]);
    const altered = honest.toCheckpoint!.replace(`\n${root}\n`, `\n${encodeHash(flipped(root))}\n`);
    expect(rejection('an altered root', () => verifyConsistencyProof({ ...honest, toCheckpoint: altered }, vkey))).toMatchObject(BAD_SIGNATURE);
  });

  it('rejects an old or new root the log key signed for a tree the other does not extend (a made-up root, a rewritten log)', async () => {
    for (const [from, to] of CONSISTENCY_CASES) {
      const honest = await consistency(from, to);
      const newRoot = { ...honest, toCheckpoint: checkpoint(to, flipped(real.roots[to])) };
      expect(rejection(`made-up root of ${to}`, () => verifyConsistencyProof(newRoot, vkey))).toMatchObject(PROOF_FAILED);
      const oldRoot = { ...honest, fromCheckpoint: checkpoint(from, flipped(real.roots[from])) };
      expect(rejection(`made-up root of ${from}`, () => verifyConsistencyProof(oldRoot, vkey))).toMatchObject(PROOF_FAILED);
    }
    // the same tree size signed twice with different roots
    const same = await consistency(SIZE, SIZE);
    expect(same.proof).toEqual([]);
    expect(rejection('two roots of one size', () => verifyConsistencyProof({ ...same, toCheckpoint: checkpoint(SIZE, fork.roots[SIZE]) }, vkey))).toMatchObject(
      PROOF_FAILED,
    );
    // the fork rewrote entry 5: no proof leads from the real tree of 8 to it, neither the real one nor its own
    for (const log of [real, fork]) {
      const toFork = { ...(await consistency(8, SIZE, log)), fromCheckpoint: checkpoint(8), toCheckpoint: checkpoint(SIZE, fork.roots[SIZE]) };
      expect(rejection('a rewritten log', () => verifyConsistencyProof(toFork, vkey))).toMatchObject(PROOF_FAILED);
    }
  });
});

describe('verifyReceipt', () => {
  const RECEIPT_SIZE = 8;
  const item = (e: LogEntry): ReceiptItem => ({
    messageId: e.messageId!,
    recipient: RECIPIENT,
    event: 'delivered',
    at: e.at,
    seq: e.seq,
    leafHash: encodeHash(entryLeafHash(e)),
  });
  const receipt = (cp = checkpoint(RECEIPT_SIZE), items = [2, 5, 7].map((n) => item(real.entries[n]))): ReceiptBody => ({ checkpoint: cp, items });
  const INDEX = 1; // the item for seq 5

  it('accepts an item proved at the receipt checkpoint, or at a later one joined to it by a consistency proof', async () => {
    const r = receipt();
    expect(verifyReceipt(r, INDEX, await inclusion(5, RECEIPT_SIZE), vkey)).toBeUndefined();
    expect(verifyReceipt(r, r.items[INDEX], await inclusion(5, SIZE), vkey, await consistency(RECEIPT_SIZE, SIZE))).toBeUndefined();
  });

  it('rejects an inclusion proof whose path has one hash changed, removed or added', async () => {
    const r = receipt();
    const later = await consistency(RECEIPT_SIZE, SIZE);
    for (const size of [RECEIPT_SIZE, SIZE]) {
      const honest = await inclusion(5, size);
      for (const { how, proof } of tamperedPaths(honest.proof)) {
        expect(rejection(`inclusion at ${size}, ${how}`, () => verifyReceipt(r, INDEX, { ...honest, proof }, vkey, later))).toMatchObject(PROOF_FAILED);
      }
    }
  });

  it('rejects a consistency proof whose path has one hash changed, removed or added', async () => {
    const r = receipt();
    const proved = await inclusion(5, SIZE);
    const honest = await consistency(RECEIPT_SIZE, SIZE);
    for (const { how, proof } of tamperedPaths(honest.proof)) {
      expect(rejection(`consistency, ${how}`, () => verifyReceipt(r, INDEX, proved, vkey, { ...honest, proof }))).toMatchObject(PROOF_FAILED);
    }
  });

  it('rejects a receipt checkpoint with a made-up root, even when the consistency proof starts from that same checkpoint', async () => {
    const madeUp = checkpoint(RECEIPT_SIZE, flipped(real.roots[RECEIPT_SIZE]));
    const proved = await inclusion(5, SIZE);
    const fromMadeUp = { ...(await consistency(RECEIPT_SIZE, SIZE)), fromCheckpoint: madeUp };
    expect(rejection('a made-up receipt root', () => verifyReceipt(receipt(madeUp), INDEX, proved, vkey, fromMadeUp))).toMatchObject(PROOF_FAILED);
    // a proof from the real checkpoint instead: it does not start from the receipt's (checked after the Merkle step)
    const honest = await consistency(RECEIPT_SIZE, SIZE);
    expect(rejection('a made-up receipt root', () => verifyReceipt(receipt(madeUp), INDEX, proved, vkey, honest))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'consistency' },
    });
  });

  it('rejects a receipt checkpoint with another root than the checkpoint of the same size the entry is proved against', async () => {
    const madeUp = checkpoint(RECEIPT_SIZE, flipped(real.roots[RECEIPT_SIZE]));
    const proved = await inclusion(5, RECEIPT_SIZE);
    expect(rejection('two roots of one size', () => verifyReceipt(receipt(madeUp), INDEX, proved, vkey))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'checkpoint' },
    });
  });

  it('rejects an item proved in another view of the log than the one the consistency proof extends', async () => {
    // the receipt lists the forged entry 5 under the real checkpoint of 8; the fork's signed tree holds it
    const r = receipt(checkpoint(RECEIPT_SIZE), [item(forgedEntry)]);
    const inFork = await inclusion(5, SIZE, fork);
    expect(() => verifyInclusionProof(inFork, vkey)).not.toThrow();
    const realLater = await consistency(RECEIPT_SIZE, SIZE);
    expect(rejection('an item proved in a fork', () => verifyReceipt(r, 0, inFork, vkey, realLater))).toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'consistency' },
    });
  });
});
