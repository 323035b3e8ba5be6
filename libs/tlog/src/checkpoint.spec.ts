import { LtError } from '@lt/contracts';
import {
  Checkpoint,
  formatCheckpoint,
  generateNoteKey,
  isCheckpointDue,
  leafHash,
  openCheckpoint,
  parseCheckpoint,
  parseSignerKey,
  parseVerifierKey,
  signCheckpoint,
} from './index';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof LtError ? err.code : 'NOT_LT_ERROR';
  }
  return undefined;
}

const ROOT = leafHash(Buffer.from('root'));
const ORIGIN = 'lienthong.gov.vn/audit/v1';

describe('checkpoint text', () => {
  it('formats origin, size and base64 root, one per line', () => {
    const text = formatCheckpoint({ origin: ORIGIN, treeSize: 1000, rootHash: ROOT });
    expect(text).toBe(`${ORIGIN}\n1000\n${ROOT.toString('base64')}\n`);
    expect(formatCheckpoint({ origin: ORIGIN, treeSize: 0, rootHash: ROOT, extensions: ['ext one'] })).toBe(
      `${ORIGIN}\n0\n${ROOT.toString('base64')}\next one\n`,
    );
  });

  it('parses the C2SP example and round-trips', () => {
    const example = 'example.com/behind-the-sofa\n20852163\nCsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=\n';
    const cp = parseCheckpoint(example);
    expect(cp.origin).toBe('example.com/behind-the-sofa');
    expect(cp.treeSize).toBe(20852163);
    expect(cp.rootHash.toString('base64')).toBe('CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=');
    expect(cp.extensions).toEqual([]);
    expect(formatCheckpoint(cp)).toBe(example);
    const withExt = parseCheckpoint(`${example}extra line\n`);
    expect(withExt.extensions).toEqual(['extra line']);
  });

  it.each([
    ['missing final newline', `${ORIGIN}\n1\n${ROOT.toString('base64')}`],
    ['two lines', `${ORIGIN}\n1\n`],
    ['empty origin', `\n1\n${ROOT.toString('base64')}\n`],
    ['leading zero', `${ORIGIN}\n01\n${ROOT.toString('base64')}\n`],
    ['sign', `${ORIGIN}\n+1\n${ROOT.toString('base64')}\n`],
    ['not decimal', `${ORIGIN}\n1e3\n${ROOT.toString('base64')}\n`],
    ['beyond 2^53', `${ORIGIN}\n9007199254740993\n${ROOT.toString('base64')}\n`],
    ['short hash', `${ORIGIN}\n1\n${ROOT.subarray(1).toString('base64')}\n`],
    ['unpadded hash', `${ORIGIN}\n1\n${ROOT.toString('base64').replace(/=$/, '')}\n`],
    ['url-safe hash', `${ORIGIN}\n1\n${Buffer.alloc(32, 0xfb).toString('base64url')}=\n`],
    ['empty extension', `${ORIGIN}\n1\n${ROOT.toString('base64')}\n\n`],
    ['CRLF', `${ORIGIN}\r\n1\r\n${ROOT.toString('base64')}\r\n`],
  ])('rejects %s', (_, text) => {
    expect(codeOf(() => parseCheckpoint(text))).toBe('VALIDATION_FAILED');
  });

  it('refuses to format what it would not parse', () => {
    const bad: Checkpoint[] = [
      { origin: 'has space', treeSize: 1, rootHash: ROOT },
      { origin: 'a+b', treeSize: 1, rootHash: ROOT },
      { origin: ORIGIN, treeSize: -1, rootHash: ROOT },
      { origin: ORIGIN, treeSize: 1.5, rootHash: ROOT },
      { origin: ORIGIN, treeSize: 1, rootHash: ROOT.subarray(2) },
      { origin: ORIGIN, treeSize: 1, rootHash: ROOT, extensions: [''] },
      { origin: ORIGIN, treeSize: 1, rootHash: ROOT, extensions: ['two\nlines'] },
    ];
    for (const cp of bad) expect(codeOf(() => formatCheckpoint(cp))).toBe('VALIDATION_FAILED');
  });
});

describe('signed checkpoints', () => {
  const key = generateNoteKey(ORIGIN);
  const signer = parseSignerKey(key.skey);
  const verifier = parseVerifierKey(key.vkey);

  it('sign and open with the origin as key name', () => {
    const signed = signCheckpoint({ origin: ORIGIN, treeSize: 42, rootHash: ROOT }, signer);
    expect(signed.startsWith(`${ORIGIN}\n42\n${ROOT.toString('base64')}\n\n— ${ORIGIN} `)).toBe(true);
    const { checkpoint, note } = openCheckpoint(signed, { origin: ORIGIN, verifiers: [verifier] });
    expect(checkpoint.treeSize).toBe(42);
    expect(checkpoint.rootHash.equals(ROOT)).toBe(true);
    expect(note.sigs).toHaveLength(1);
  });

  it('reject another origin, another key and a changed size', () => {
    const signed = signCheckpoint({ origin: ORIGIN, treeSize: 42, rootHash: ROOT }, signer);
    expect(codeOf(() => openCheckpoint(signed, { origin: 'other.example/log', verifiers: [verifier] }))).toBe('VALIDATION_FAILED');
    const stranger = parseVerifierKey(generateNoteKey(ORIGIN).vkey);
    expect(codeOf(() => openCheckpoint(signed, { origin: ORIGIN, verifiers: [stranger] }))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openCheckpoint(signed.replace('\n42\n', '\n43\n'), { origin: ORIGIN, verifiers: [verifier] }))).toBe('BAD_SIGNATURE');
  });
});

describe('isCheckpointDue', () => {
  const policy = { maxEntries: 1000, maxIntervalMs: 10_000 };
  it('fires on entry count or elapsed time, never for an idle log', () => {
    expect(isCheckpointDue({ entriesSinceCheckpoint: 1000, msSinceCheckpoint: 0 }, policy)).toBe(true);
    expect(isCheckpointDue({ entriesSinceCheckpoint: 1, msSinceCheckpoint: 10_000 }, policy)).toBe(true);
    expect(isCheckpointDue({ entriesSinceCheckpoint: 999, msSinceCheckpoint: 9_999 }, policy)).toBe(false);
    expect(isCheckpointDue({ entriesSinceCheckpoint: 0, msSinceCheckpoint: 60_000 }, policy)).toBe(false);
  });
});
