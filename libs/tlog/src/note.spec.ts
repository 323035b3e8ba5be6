import { generateKeyPairSync } from 'node:crypto';
import { LtError } from '@lt/contracts';
import {
  createNoteSigner,
  createNoteVerifier,
  encodeSignerKey,
  encodeVerifierKey,
  generateNoteKey,
  isValidNoteKeyName,
  noteKeyHash,
  openNote,
  parseSignerKey,
  parseVerifierKey,
  rawEd25519PublicKey,
  signNote,
} from './index';

// Known-answer vectors from Go's golang.org/x/mod/sumdb/note tests.
const GO_SKEY = 'PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz';
const GO_VKEY = 'PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW';
const GO_TEXT = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n";
const GO_SIGNED =
  GO_TEXT + '\n— PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n';
const ENOCH_VKEY = 'EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop';

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    return err instanceof LtError ? err.code : 'NOT_LT_ERROR';
  }
  return undefined;
}

describe('note keys', () => {
  it('parse Go key strings and re-encode them byte for byte', () => {
    const signer = parseSignerKey(GO_SKEY);
    const verifier = parseVerifierKey(GO_VKEY);
    expect(signer.name).toBe('PeterNeumann');
    expect(signer.keyHash).toBe(0xc74f20a3);
    expect(verifier.keyHash).toBe(0xc74f20a3);
    const seed = Buffer.from(GO_SKEY.split('+').slice(4).join('+'), 'base64').subarray(1);
    expect(encodeSignerKey('PeterNeumann', seed)).toBe(GO_SKEY);
    const publicKey = Buffer.from(GO_VKEY.split('+').slice(2).join('+'), 'base64').subarray(1);
    expect(encodeVerifierKey('PeterNeumann', publicKey)).toBe(GO_VKEY);
    expect(noteKeyHash('PeterNeumann', Buffer.concat([Buffer.from([1]), publicKey]))).toBe(0xc74f20a3);
  });

  it('accept Node KeyObjects and raw public keys alike', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    const raw = rawEd25519PublicKey(publicKey);
    expect(raw).toHaveLength(32);
    expect(encodeVerifierKey('hub.example/audit', raw)).toBe(encodeVerifierKey('hub.example/audit', publicKey));
    expect(createNoteVerifier('hub.example/audit', privateKey).keyHash).toBe(createNoteSigner('hub.example/audit', privateKey).keyHash);
    const { skey, vkey } = generateNoteKey('hub.example/audit');
    expect(parseSignerKey(skey).keyHash).toBe(parseVerifierKey(vkey).keyHash);
  });

  it('reject every truncation and single-character change of a verifier key', () => {
    const accepted: string[] = [];
    for (let i = 0; i <= GO_VKEY.length; i++) {
      for (let j = i + 1; j <= GO_VKEY.length; j++) {
        if (i === 0 && j === GO_VKEY.length) continue;
        if (codeOf(() => parseVerifierKey(GO_VKEY.slice(i, j))) !== 'VALIDATION_FAILED') accepted.push(GO_VKEY.slice(i, j));
      }
    }
    for (let i = 0; i < GO_VKEY.length; i++) {
      const mangled = GO_VKEY.slice(0, i) + String.fromCharCode(GO_VKEY.charCodeAt(i) + 1) + GO_VKEY.slice(i + 1);
      if (codeOf(() => parseVerifierKey(mangled)) !== 'VALIDATION_FAILED') accepted.push(mangled);
    }
    expect(accepted).toEqual([]);
    // Wrong key length and unknown algorithm, each with a correctly adjusted key hash (from Go's tests).
    expect(codeOf(() => parseVerifierKey('PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY=='))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => parseVerifierKey('PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW'))).toBe('VALIDATION_FAILED');
  });

  it('reject every single-character change of a signer key', () => {
    const accepted: string[] = [];
    for (let i = 0; i < GO_SKEY.length; i++) {
      const mangled = GO_SKEY.slice(0, i) + String.fromCharCode(GO_SKEY.charCodeAt(i) + 1) + GO_SKEY.slice(i + 1);
      if (codeOf(() => parseSignerKey(mangled)) === undefined) accepted.push(mangled);
    }
    expect(accepted).toEqual([]);
  });

  it('validate key names the way Go does', () => {
    expect(isValidNoteKeyName('lienthong.gov.vn/audit')).toBe(true);
    for (const bad of ['', 'a b', 'a+b', 'a\tb', 'a\u00a0b', 'a\u0085b', 'a\u3000b', 'a\ud800b']) {
      expect(isValidNoteKeyName(bad)).toBe(false);
    }
    expect(codeOf(() => createNoteSigner('bad name', generateKeyPairSync('ed25519').privateKey))).toBe('VALIDATION_FAILED');
  });

  it('refuse keys that are not Ed25519', () => {
    const { publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    expect(codeOf(() => encodeVerifierKey('x', publicKey))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => createNoteVerifier('x', Buffer.alloc(31)))).toBe('VALIDATION_FAILED');
  });
});

describe('signNote / openNote', () => {
  it('sign exactly like Go (known answer)', () => {
    expect(signNote(GO_TEXT, parseSignerKey(GO_SKEY))).toBe(GO_SIGNED);
  });

  it('open Go-signed notes and report signatures', () => {
    const opened = openNote(GO_SIGNED, [parseVerifierKey(GO_VKEY)]);
    expect(opened.text).toBe(GO_TEXT);
    expect(opened.sigs).toEqual([{ name: 'PeterNeumann', keyHash: 0xc74f20a3, base64: expect.any(String) }]);
    expect(opened.unverifiedSigs).toEqual([]);
    expect(openNote(Buffer.from(GO_SIGNED), [parseVerifierKey(GO_VKEY)]).text).toBe(GO_TEXT);
  });

  it('keep signatures of unknown keys as unverified, and require one trusted signature', () => {
    const peter = parseSignerKey(GO_SKEY);
    const other = generateNoteKey('witness.example');
    const both = signNote(GO_TEXT, [peter, parseSignerKey(other.skey)]);
    const opened = openNote(both, [parseVerifierKey(GO_VKEY)]);
    expect(opened.sigs.map((s) => s.name)).toEqual(['PeterNeumann']);
    expect(opened.unverifiedSigs.map((s) => s.name)).toEqual(['witness.example']);
    expect(openNote(both, [parseVerifierKey(GO_VKEY), parseVerifierKey(other.vkey)]).sigs).toHaveLength(2);
    expect(codeOf(() => openNote(GO_SIGNED, [parseVerifierKey(ENOCH_VKEY)]))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openNote(GO_SIGNED, []))).toBe('BAD_SIGNATURE');
  });

  it('reject a changed text, a corrupted signature and a signature from another key under the same name', () => {
    const verifier = parseVerifierKey(GO_VKEY);
    expect(codeOf(() => openNote(GO_SIGNED.replace('cryptography', 'cryptograph!'), [verifier]))).toBe('BAD_SIGNATURE');
    const sig = GO_SIGNED.split(' ').pop()!.trim();
    const raw = Buffer.from(sig, 'base64');
    raw[10] ^= 1;
    expect(codeOf(() => openNote(GO_SIGNED.replace(sig, raw.toString('base64')), [verifier]))).toBe('BAD_SIGNATURE');
    // Same name, different key: its key hash differs, so Peter's verifier does not apply and nothing is trusted.
    const impostor = createNoteSigner('PeterNeumann', generateKeyPairSync('ed25519').privateKey);
    expect(codeOf(() => openNote(signNote(GO_TEXT, impostor), [verifier]))).toBe('BAD_SIGNATURE');
    // Right key hash, wrong name: no verifier for that name.
    const renamed = GO_SIGNED.replace('— PeterNeumann ', '— PeterNeumannX ');
    expect(codeOf(() => openNote(renamed, [verifier]))).toBe('BAD_SIGNATURE');
  });

  it('reject a verifier whose key does not match its claimed key hash', () => {
    const verifier = parseVerifierKey(GO_VKEY);
    const wrongKey = createNoteVerifier('PeterNeumann', generateKeyPairSync('ed25519').publicKey);
    const liar = { name: 'PeterNeumann', keyHash: verifier.keyHash, verify: wrongKey.verify };
    expect(codeOf(() => openNote(GO_SIGNED, [liar]))).toBe('BAD_SIGNATURE');
    expect(codeOf(() => openNote(GO_SIGNED, [verifier, liar]))).toBe('VALIDATION_FAILED'); // ambiguous
  });

  it('reject malformed notes', () => {
    const verifier = parseVerifierKey(GO_VKEY);
    const [, sigLine] = GO_SIGNED.split('\n\n');
    const malformed = [
      GO_TEXT, // no signatures
      GO_SIGNED.slice(0, -1), // signature block without final newline
      GO_SIGNED.replace('— ', '- '), // hyphen instead of em dash
      GO_SIGNED.replace('— ', '—'),
      GO_SIGNED.replace('problem,', 'problem,\r'), // control character
      GO_SIGNED.replace(/ [A-Za-z0-9+/=]+\n$/, ' AAAA\n'), // signature too short
      GO_SIGNED.replace(/ ([A-Za-z0-9+/=]+)\n$/, ' $1!\n'), // not base64
      GO_TEXT + '\n' + sigLine.repeat(101), // too many signatures
    ];
    for (const note of malformed) expect(codeOf(() => openNote(note, [verifier]))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => openNote(Buffer.from([0xff, 0x0a, 0x0a]), [verifier]))).toBe('VALIDATION_FAILED');
  });

  it('refuse to sign text that Go could not open', () => {
    const signer = parseSignerKey(GO_SKEY);
    expect(codeOf(() => signNote('no newline', signer))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signNote('', signer))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signNote('tab\there\n', signer))).toBe('VALIDATION_FAILED');
    expect(codeOf(() => signNote('ok\n', []))).toBe('VALIDATION_FAILED');
  });

  it('ignore repeated signatures by one key', () => {
    const [, sigLine] = GO_SIGNED.split('\n\n');
    const opened = openNote(GO_TEXT + '\n' + sigLine + sigLine, [parseVerifierKey(GO_VKEY)]);
    expect(opened.sigs).toHaveLength(1);
  });
});
