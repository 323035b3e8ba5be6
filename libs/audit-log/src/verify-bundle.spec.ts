import { generateKeyPairSync } from 'node:crypto';
import { MemoryLog, createNoteSigner, encodeHash, encodeVerifierKey, signCheckpoint } from '@lt/tlog';
import { BUNDLE_FORMAT, bundleLine, type BundleHeader } from '@lt/contracts';
import { canonicalEntryBytes, entryLeafHash, type LogEntry } from './canonical-entry';
import { parseBundleLine, verifyBundleLines } from './verify-bundle';

/** The log's keys as the audit service derives them from the hub key (apps/audit checkpoint/log-keys.ts). */
function logKeys(hubKeyId: string, origin: string) {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    origin,
    signer: createNoteSigner(origin, privateKey),
    vkey: encodeVerifierKey(origin, publicKey),
    hubKeyId,
    hubPublicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}

const keys = logKeys('k1', 'lienthong.gov.vn/audit');

function entry(seq: number): LogEntry {
  return {
    seq,
    source: seq % 3 ? 'inbox' : 'event',
    id: `id-${seq}`,
    type: seq % 3 ? 'delivery.document' : 'msg.rejected',
    messageId: null,
    agencies: ['000.00.00.H41'],
    at: new Date(1_790_000_000_000 + seq).toISOString(),
    body: { n: seq, s: 'Sở Y tế' },
  };
}

/** A bundle of entries [start, end) with a checkpoint every `every` entries and at the end. */
function bundle(start: number, end: number, every = 10): string[] {
  const log = new MemoryLog();
  const entries = Array.from({ length: end }, (_, i) => entry(i));
  let frontier = log.frontier;
  const checkpoints: BundleHeader['checkpoints'] = [];
  for (const e of entries) {
    log.appendLeafHashes([entryLeafHash(e)]);
    if (log.size === start) frontier = log.frontier;
    if (log.size > start && (log.size % every === 0 || log.size === end)) {
      checkpoints.push({ treeSize: log.size, note: signCheckpoint({ origin: keys.origin, treeSize: log.size, rootHash: log.rootHash() }, keys.signer) });
    }
  }
  const header: BundleHeader = {
    format: BUNDLE_FORMAT,
    origin: keys.origin,
    vkey: keys.vkey,
    hubKeyId: keys.hubKeyId,
    hubPublicJwk: keys.hubPublicJwk,
    startSize: start,
    startFrontier: frontier.hashes.map((h) => encodeHash(h)),
    endSize: end,
    checkpoints,
    exportedAt: new Date().toISOString(),
    requested: {},
  };
  return [
    JSON.stringify(header),
    ...entries.slice(start).map((e) => bundleLine({ leafHash: entryLeafHash(e).toString('base64'), entry: canonicalEntryBytes(e).toString() })),
  ];
}

async function* iter(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

const verify = (lines: string[], vkey = keys.vkey) => verifyBundleLines(iter(lines), { vkey });

describe('verifyBundleLines', () => {
  it('accepts an intact bundle, from the start or from a checkpoint', async () => {
    expect(await verify(bundle(0, 95))).toMatchObject({ ok: true, entriesChecked: 95, checkpointsChecked: 10, keyFromBundle: false });
    expect(await verify(bundle(30, 57))).toMatchObject({ ok: true, startSize: 30, entriesChecked: 27, checkpointsChecked: 3 });
  });

  it('names an entry whose content changed', async () => {
    const lines = bundle(0, 50);
    const e = JSON.parse(lines[18]);
    e.entry.body.s = 'Sở Tài chính';
    lines[18] = JSON.stringify(e);
    expect((await verify(lines)).firstProblem).toMatchObject({ seq: 17, reason: 'entry_altered' });
  });

  it('names the checkpoint interval when an entry and its stored leaf hash were both changed', async () => {
    const lines = bundle(0, 50);
    const e = JSON.parse(lines[18]);
    e.entry.type = 'msg.replayed';
    e.leafHash = entryLeafHash(e.entry).toString('base64');
    lines[18] = JSON.stringify(e);
    expect((await verify(lines)).firstProblem).toMatchObject({ seq: 10, reason: 'checkpoint_mismatch', checkpointSize: 20 });
  });

  it('names a missing, a repeated and a trailing missing entry', async () => {
    const lines = bundle(0, 50);
    expect((await verify(lines.filter((_, i) => i !== 31))).firstProblem).toMatchObject({ seq: 30, reason: 'entry_missing' });
    expect((await verify([...lines.slice(0, 32), lines[31], ...lines.slice(32)])).firstProblem).toMatchObject({ seq: 31, reason: 'sequence_out_of_order' });
    expect((await verify(lines.slice(0, 45))).firstProblem).toMatchObject({ seq: 44, reason: 'entry_missing' });
  });

  it('accepts a reformatted (pretty-printed) line by re-canonicalising it, and names a reordered one only if its content changed', async () => {
    const lines = bundle(0, 20);
    lines[5] = JSON.stringify(JSON.parse(lines[5]), null, 1).replace(/\n/g, '');
    const e = JSON.parse(lines[6]);
    lines[6] = JSON.stringify({ entry: { body: e.entry.body, ...e.entry }, leafHash: e.leafHash });
    expect(await verify(lines)).toMatchObject({ ok: true, entriesChecked: 20 });
  });

  it('finds the top-level seq even when the body holds a "seq" key', async () => {
    const e: LogEntry = { ...entry(0), body: { seq: 99, nested: { seq: 98 } } };
    const line = bundleLine({ leafHash: entryLeafHash(e).toString('base64'), entry: canonicalEntryBytes(e).toString() });
    expect(parseBundleLine(line)).toMatchObject({ seq: 0 });
    expect(parseBundleLine('{"leafHash":1}')).toMatch(/not/);
  });

  it('refuses checkpoints not signed by the pinned key, and a forged start', async () => {
    const other = logKeys('k2', 'lienthong.gov.vn/audit');
    expect((await verify(bundle(0, 20), other.vkey)).firstProblem).toMatchObject({ reason: 'checkpoint_signature', checkpointSize: 10 });
    const lines = bundle(20, 40);
    const header = JSON.parse(lines[0]) as BundleHeader;
    header.startFrontier = [encodeHash(Buffer.alloc(32, 1)), header.startFrontier[1]];
    lines[0] = JSON.stringify(header);
    expect((await verify(lines)).firstProblem).toMatchObject({ reason: 'checkpoint_mismatch' });
    expect((await verify(['{"format":"x"}'])).firstProblem?.reason).toBe('malformed');
    expect((await verifyBundleLines(iter(bundle(0, 10)))).keyFromBundle).toBe(true);
  });
});
