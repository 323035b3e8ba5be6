import { createReadStream } from 'node:fs';
import { decodeCanonicalBase64, decodeHash, parseVerifierKey, rawEd25519PublicKey, type TreeFrontier } from '@lt/tlog';
import { createPublicKey } from 'node:crypto';
import { BUNDLE_FORMAT, type BundleHeader, type VerifyProblem } from '@lt/contracts';
import { canonicalEntryBytes, type LogEntry } from './canonical-entry';
import { LogChecker, openCheckpoints, type CheckedRecord } from './log-checker';

export interface BundleVerifyOptions {
  /**
   * the log's verifier key(s) as the auditor pinned them (after a rotation: the active and the
   * retired checkpoint keys, e.g. from `GET /v1/hub/keys`); default: the ones in the bundle (weaker)
   */
  vkey?: string | readonly string[];
}

export interface BundleVerifyReport {
  ok: boolean;
  origin: string | null;
  startSize: number;
  endSize: number;
  entriesChecked: number;
  checkpointsChecked: number;
  /** true when the key came from the bundle itself instead of a pinned --vkey */
  keyFromBundle: boolean;
  firstProblem: VerifyProblem | null;
  durationMs: number;
}

const CHUNK = 4096;

function malformed(seq: number, message: string): VerifyProblem {
  return { seq, reason: 'malformed', message };
}

function asEntry(o: Record<string, unknown>): LogEntry | null {
  if (!Number.isSafeInteger(o.seq) || (o.source !== 'event' && o.source !== 'inbox') || typeof o.id !== 'string' || typeof o.type !== 'string') return null;
  if (!(o.messageId === null || typeof o.messageId === 'string') || !Array.isArray(o.agencies) || typeof o.at !== 'string' || !('body' in o)) return null;
  return {
    seq: o.seq as number,
    source: o.source,
    id: o.id,
    type: o.type,
    messageId: o.messageId as string | null,
    agencies: o.agencies as string[],
    at: o.at,
    body: o.body as LogEntry['body'],
  };
}

const LINE_HEAD = Buffer.from('{"leafHash":"');
const LINE_MID = Buffer.from('","entry":');
const SEQ_KEY = Buffer.from('"seq":');
const B64_LEN = 44;

/**
 * One entry line as written by bundleLine: the leaf hash and the entry's exact bytes, taken
 * verbatim (no re-serialisation: the bytes either hash to the logged leaf or they were changed).
 * In canonical JSON the top-level "seq" key is the last `"seq":` outside a string (the keys after
 * it, source and type, hold escaped strings). A line in any other shape (reformatted by a tool)
 * is parsed and re-canonicalised instead.
 */
export function parseBundleLine(input: string | Buffer): { seq: number; bytes: Buffer; storedLeaf: Buffer | null } | string {
  const line = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  const mid = LINE_HEAD.length + B64_LEN;
  const textStart = mid + LINE_MID.length;
  if (
    line.length > textStart + 1 &&
    LINE_HEAD.compare(line, 0, LINE_HEAD.length) === 0 &&
    LINE_MID.compare(line, mid, textStart) === 0 &&
    line[textStart] === 0x7b /* { */ &&
    line[line.length - 1] === 0x7d /* } */
  ) {
    const bytes = line.subarray(textStart, line.length - 1);
    const at = bytes.lastIndexOf(SEQ_KEY);
    let end = at + SEQ_KEY.length;
    let seq = at < 0 ? NaN : 0;
    for (; at >= 0 && end < bytes.length && bytes[end] >= 0x30 && bytes[end] <= 0x39 && end - at < 24; end++) seq = seq * 10 + (bytes[end] - 0x30);
    if (Number.isSafeInteger(seq) && end > at + SEQ_KEY.length) {
      // lenient decoding is enough here: the bytes are compared with the recomputed leaf
      const leaf = Buffer.from(line.toString('latin1', LINE_HEAD.length, mid), 'base64');
      return { seq, bytes, storedLeaf: leaf.length === 32 ? leaf : null };
    }
  }
  let o: { leafHash?: unknown; entry?: unknown };
  try {
    o = JSON.parse(line.toString('utf8')) as typeof o;
  } catch (err) {
    return `not JSON: ${(err as Error).message}`;
  }
  const entry = o && typeof o.entry === 'object' && o.entry !== null ? asEntry(o.entry as Record<string, unknown>) : null;
  if (!entry) return 'not {"leafHash", "entry": {seq, source, id, type, messageId, agencies, at, body}}';
  const leaf = typeof o.leafHash === 'string' ? decodeCanonicalBase64(o.leafHash) : null;
  return { seq: entry.seq, bytes: canonicalEntryBytes(entry), storedLeaf: leaf && leaf.length === 32 ? leaf : null };
}

/**
 * Offline verification of an exported bundle (JSON Lines: header, then one entry per line):
 * recomputes every leaf from the entry's eight fields, compares it with the leaf hash stored
 * when the entry was appended, rebuilds the tree from the start frontier and checks the root at
 * every signed checkpoint with the log key. Streams: memory stays flat at any bundle size.
 */
export async function verifyBundleLines(lines: AsyncIterable<string | Buffer>, opts: BundleVerifyOptions = {}): Promise<BundleVerifyReport> {
  const started = performance.now();
  const out: BundleVerifyReport = {
    ok: false,
    origin: null,
    startSize: 0,
    endSize: 0,
    entriesChecked: 0,
    checkpointsChecked: 0,
    keyFromBundle: !opts.vkey,
    firstProblem: null,
    durationMs: 0,
  };
  const finish = (problem: VerifyProblem | null): BundleVerifyReport => {
    out.firstProblem = problem;
    out.ok = problem === null;
    out.durationMs = Math.round(performance.now() - started);
    return out;
  };

  const it = lines[Symbol.asyncIterator]();
  const first = await it.next();
  if (first.done) return finish(malformed(0, 'bundle is empty'));
  let header: BundleHeader;
  try {
    header = JSON.parse(first.value.toString()) as BundleHeader;
  } catch (err) {
    return finish(malformed(0, `bundle header is not JSON: ${(err as Error).message}`));
  }
  if (header?.format !== BUNDLE_FORMAT) return finish(malformed(0, `bundle format must be ${BUNDLE_FORMAT}, got ${JSON.stringify(header?.format)}`));
  if (
    !Number.isSafeInteger(header.startSize) ||
    !Number.isSafeInteger(header.endSize) ||
    header.endSize < header.startSize ||
    !Array.isArray(header.startFrontier) ||
    !Array.isArray(header.checkpoints)
  ) {
    return finish(malformed(0, 'bundle header lacks startSize, endSize, startFrontier or checkpoints'));
  }
  out.origin = header.origin;
  out.startSize = header.startSize;
  out.endSize = header.endSize;

  const vkeys: readonly string[] = opts.vkey === undefined ? (Array.isArray(header.vkeys) && header.vkeys.length ? header.vkeys : [header.vkey]) : typeof opts.vkey === 'string' ? [opts.vkey] : opts.vkey;
  let verifiers;
  try {
    verifiers = vkeys.map((v) => parseVerifierKey(v));
  } catch (err) {
    return finish(malformed(header.startSize, `verifier key: ${(err as Error).message}`));
  }
  const opened = openCheckpoints(header.checkpoints, header.origin, verifiers);
  if (opened.problem) return finish(opened.problem);
  // the JWK in the bundle (for receipts) must be the same key as the note verifier key
  try {
    const jwkRaw = rawEd25519PublicKey(createPublicKey({ key: header.hubPublicJwk as never, format: 'jwk' }));
    const trusted = vkeys.map((v) => decodeCanonicalBase64(v.split('+').slice(2).join('+'))?.subarray(1));
    if (!trusted.some((raw) => raw && jwkRaw.equals(raw))) return finish(malformed(header.startSize, 'hubPublicJwk in the bundle is not the key of a verifier key'));
  } catch (err) {
    return finish(malformed(header.startSize, `hubPublicJwk in the bundle is not an Ed25519 public key: ${(err as Error).message}`));
  }

  if (!opened.roots.some((r) => r.treeSize === header.endSize) && header.endSize > header.startSize) {
    return finish(malformed(header.endSize, `no signed checkpoint at the bundle's end size ${header.endSize}`));
  }
  let start: TreeFrontier;
  try {
    start = { size: header.startSize, hashes: header.startFrontier.map((h, i) => decodeHash(h, `startFrontier[${i}]`)) };
  } catch (err) {
    return finish(malformed(header.startSize, (err as Error).message));
  }
  let checker: LogChecker;
  try {
    checker = new LogChecker(start, opened.roots);
  } catch (err) {
    return finish(malformed(header.startSize, (err as Error).message));
  }
  const startProblem = checker.checkStart();
  if (startProblem) return finish(startProblem);

  let expected = header.startSize;
  let chunk: CheckedRecord[] = [];
  const flush = (): VerifyProblem | null => {
    const p = chunk.length ? checker.check(chunk) : null;
    out.entriesChecked = checker.size - header.startSize;
    out.checkpointsChecked = checker.checkpointsChecked;
    chunk = [];
    return p;
  };
  for (let r = await it.next(); !r.done; r = await it.next()) {
    const line = r.value;
    if (line.length === 0) continue;
    const parsed = parseBundleLine(line);
    if (typeof parsed === 'string') return finish(flush() ?? malformed(expected, `line for entry ${expected} is ${parsed}`));
    if (parsed.seq >= header.endSize)
      return finish(flush() ?? malformed(parsed.seq, `entry ${parsed.seq} lies beyond the bundle's end size ${header.endSize}`));
    if (parsed.seq > expected) {
      // a gap: the checker names the first missing position
      chunk.push({ seq: null, bytes: null, storedLeaf: null });
      return finish(flush());
    }
    chunk.push(parsed);
    expected++;
    if (chunk.length >= CHUNK) {
      const p = flush();
      if (p) return finish(p);
    }
  }
  const p = flush();
  if (p) return finish(p);
  if (checker.size < header.endSize)
    return finish({ seq: checker.size, reason: 'entry_missing', message: `entry ${checker.size} is missing (bundle ends early)` });
  return finish(null);
}

/** Lines of a file as Buffers (no decoding: the entry bytes are hashed as they are on disk). */
async function* fileLines(path: string): AsyncIterable<Buffer> {
  let rest: Buffer | null = null;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 }) as AsyncIterable<Buffer>) {
    const buf: Buffer = rest ? Buffer.concat([rest, chunk]) : chunk;
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl !== -1; nl = buf.indexOf(0x0a, start)) {
      yield buf.subarray(start, nl > start && buf[nl - 1] === 0x0d ? nl - 1 : nl);
      start = nl + 1;
    }
    rest = start < buf.length ? buf.subarray(start) : null;
  }
  if (rest && rest.length) yield rest;
}

export function verifyBundleFile(path: string, opts: BundleVerifyOptions = {}): Promise<BundleVerifyReport> {
  return verifyBundleLines(fileLines(path), opts);
}
