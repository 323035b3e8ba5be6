import { KeyObject, createPrivateKey, createPublicKey, generateKeyPairSync, hash, sign, verify } from 'node:crypto';
import { LtError } from '@lt/contracts';
import { decodeCanonicalBase64 } from './hash';

/*
 * C2SP signed notes (https://c2sp.org/signed-note), compatible with Go's golang.org/x/mod/sumdb/note:
 *
 *   <text, ending in a newline>
 *   <blank line>
 *   — <key name> <base64(key hash (4 bytes, big-endian) || signature)>
 *   ...
 *
 * Only Ed25519 keys (signature type 0x01). Key hash = first 4 bytes of SHA-256(name || "\n" || 0x01 || public key).
 */

/** Signature type byte of Ed25519 note keys. */
export const NOTE_ALG_ED25519 = 0x01;
const SIG_PREFIX = '\u2014 '; // em dash, space
const MAX_SIGNATURES = 100;

export interface NoteSigner {
  readonly name: string;
  /** uint32 key hash, as in Go's Signer.KeyHash(). */
  readonly keyHash: number;
  sign(message: Buffer): Buffer;
}

export interface NoteVerifier {
  readonly name: string;
  readonly keyHash: number;
  verify(message: Buffer, signature: Buffer): boolean;
}

export interface NoteSignature {
  name: string;
  keyHash: number;
  /** base64(key hash || signature), exactly as on the signature line. */
  base64: string;
}

export interface OpenedNote {
  /** The signed text, ending in a newline. */
  text: string;
  /** Signatures verified by one of the given verifiers. */
  sigs: NoteSignature[];
  /** Signatures by keys not among the verifiers (for example witness cosignatures); not checked. */
  unverifiedSigs: NoteSignature[];
}

function malformed(message: string, details?: Record<string, unknown>): LtError {
  return new LtError('VALIDATION_FAILED', message, details);
}

// Go's unicode.IsSpace: ASCII white space, U+0085, U+00A0 and the Unicode Z categories' spaces.
const GO_SPACE = /[\t\n\v\f\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;

/** Key names must be non-empty UTF-8 without white space or '+' (Go's isValidName). */
export function isValidNoteKeyName(name: string): boolean {
  return typeof name === 'string' && name !== '' && !LONE_SURROGATE.test(name) && !GO_SPACE.test(name) && !name.includes('+');
}

function assertKeyName(name: string): void {
  if (!isValidNoteKeyName(name)) {
    throw malformed('note key name must be non-empty, without white space or "+"', { field: 'name', value: name });
  }
}

/** uint32 key hash: big-endian first 4 bytes of SHA-256(name || "\n" || keyBytes), keyBytes = type byte || public key. */
export function noteKeyHash(name: string, keyBytes: Uint8Array): number {
  const digest = hash('sha256', Buffer.concat([Buffer.from(`${name}\n`, 'utf8'), keyBytes]), 'buffer');
  return digest.readUInt32BE(0);
}

function hex8(n: number): string {
  return n.toString(16).padStart(8, '0');
}

// DER prefixes turning raw Ed25519 key bytes into SPKI / PKCS#8 structures Node accepts.
const SPKI_ED25519_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_ED25519_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

function toEd25519PublicKey(publicKey: KeyObject | Uint8Array, field: string): KeyObject {
  if (publicKey instanceof KeyObject) {
    const key = publicKey.type === 'private' ? createPublicKey(publicKey) : publicKey;
    if (key.asymmetricKeyType !== 'ed25519') {
      throw malformed(`${field} must be an Ed25519 key`, { field, keyType: key.asymmetricKeyType ?? key.type });
    }
    return key;
  }
  if (!(publicKey instanceof Uint8Array) || publicKey.length !== 32) {
    throw malformed(`${field} must be an Ed25519 KeyObject or 32 raw bytes`, { field });
  }
  return createPublicKey({ key: Buffer.concat([SPKI_ED25519_PREFIX, publicKey]), format: 'der', type: 'spki' });
}

function toEd25519PrivateKey(privateKey: KeyObject | Uint8Array, field: string): KeyObject {
  if (privateKey instanceof KeyObject) {
    if (privateKey.type !== 'private' || privateKey.asymmetricKeyType !== 'ed25519') {
      throw malformed(`${field} must be an Ed25519 private key`, { field, keyType: privateKey.asymmetricKeyType ?? privateKey.type });
    }
    return privateKey;
  }
  if (!(privateKey instanceof Uint8Array) || privateKey.length !== 32) {
    throw malformed(`${field} must be an Ed25519 private KeyObject or a 32-byte seed`, { field });
  }
  return createPrivateKey({ key: Buffer.concat([PKCS8_ED25519_PREFIX, privateKey]), format: 'der', type: 'pkcs8' });
}

/** Raw 32-byte Ed25519 public key. */
export function rawEd25519PublicKey(publicKey: KeyObject | Uint8Array): Buffer {
  const der = toEd25519PublicKey(publicKey, 'publicKey').export({ format: 'der', type: 'spki' });
  return der.subarray(der.length - 32);
}

function rawEd25519Seed(privateKey: KeyObject): Buffer {
  const der = privateKey.export({ format: 'der', type: 'pkcs8' });
  return der.subarray(der.length - 32);
}

function verifierKeyBytes(publicKey: KeyObject): Buffer {
  return Buffer.concat([Buffer.from([NOTE_ALG_ED25519]), rawEd25519PublicKey(publicKey)]);
}

/** Ed25519 note signer from a private KeyObject or a 32-byte seed. */
export function createNoteSigner(name: string, privateKey: KeyObject | Uint8Array): NoteSigner {
  assertKeyName(name);
  const key = toEd25519PrivateKey(privateKey, 'privateKey');
  const keyHash = noteKeyHash(name, verifierKeyBytes(createPublicKey(key)));
  return { name, keyHash, sign: (message) => sign(null, message, key) };
}

/** Ed25519 note verifier from a public (or private) KeyObject or 32 raw public key bytes. */
export function createNoteVerifier(name: string, publicKey: KeyObject | Uint8Array): NoteVerifier {
  assertKeyName(name);
  const key = toEd25519PublicKey(publicKey, 'publicKey');
  const keyHash = noteKeyHash(name, verifierKeyBytes(key));
  return {
    name,
    keyHash,
    verify: (message, signature) => signature.length === 64 && verify(null, message, key, signature),
  };
}

/** Verifier key string `<name>+<hex key hash>+<base64(0x01 || public key)>`. Go: note.NewEd25519VerifierKey. */
export function encodeVerifierKey(name: string, publicKey: KeyObject | Uint8Array): string {
  assertKeyName(name);
  const keyBytes = verifierKeyBytes(toEd25519PublicKey(publicKey, 'publicKey'));
  return `${name}+${hex8(noteKeyHash(name, keyBytes))}+${keyBytes.toString('base64')}`;
}

/** Signer key string `PRIVATE+KEY+<name>+<hex key hash>+<base64(0x01 || seed)>`, as produced by Go's note.GenerateKey. */
export function encodeSignerKey(name: string, privateKey: KeyObject | Uint8Array): string {
  assertKeyName(name);
  const key = toEd25519PrivateKey(privateKey, 'privateKey');
  const keyHash = noteKeyHash(name, verifierKeyBytes(createPublicKey(key)));
  const seed = Buffer.concat([Buffer.from([NOTE_ALG_ED25519]), rawEd25519Seed(key)]);
  return `PRIVATE+KEY+${name}+${hex8(keyHash)}+${seed.toString('base64')}`;
}

/** Splits s at the first sep, like Go's chop: no sep gives [s, '']. */
function chop(s: string, sep: string): [string, string] {
  const i = s.indexOf(sep);
  return i < 0 ? [s, ''] : [s.slice(0, i), s.slice(i + sep.length)];
}

function parseKeyHash(hash16: string): number | null {
  return /^[0-9a-fA-F]{8}$/.test(hash16) ? parseInt(hash16, 16) : null;
}

/** Parses a verifier key string. Go: note.NewVerifier. */
export function parseVerifierKey(vkey: string): NoteVerifier {
  const [name, rest] = chop(String(vkey), '+');
  const [hash16, key64] = chop(rest, '+');
  const keyHash = parseKeyHash(hash16);
  const key = decodeCanonicalBase64(key64);
  if (keyHash === null || key === null || !isValidNoteKeyName(name) || key.length === 0) {
    throw malformed('verifier key must look like <name>+<8 hex digits>+<base64 key>', { field: 'vkey', value: vkey });
  }
  if (keyHash !== noteKeyHash(name, key)) {
    throw malformed(`verifier key hash ${hash16} does not match name and key`, { field: 'vkey', value: vkey });
  }
  if (key[0] !== NOTE_ALG_ED25519 || key.length !== 33) {
    throw malformed(`verifier key algorithm ${key[0]} with ${key.length - 1} key bytes is not Ed25519`, { field: 'vkey', value: vkey });
  }
  return createNoteVerifier(name, key.subarray(1));
}

/** Parses a signer key string. Go: note.NewSigner. The error never echoes the key. */
export function parseSignerKey(skey: string): NoteSigner {
  const [priv1, r1] = chop(String(skey), '+');
  const [priv2, r2] = chop(r1, '+');
  const [name, r3] = chop(r2, '+');
  const [hash16, key64] = chop(r3, '+');
  const keyHash = parseKeyHash(hash16);
  const key = decodeCanonicalBase64(key64);
  if (priv1 !== 'PRIVATE' || priv2 !== 'KEY' || keyHash === null || key === null || !isValidNoteKeyName(name) || key.length === 0) {
    throw malformed('signer key must look like PRIVATE+KEY+<name>+<8 hex digits>+<base64 key>', { field: 'skey' });
  }
  if (key[0] !== NOTE_ALG_ED25519 || key.length !== 33) {
    throw malformed('signer key is not an Ed25519 seed', { field: 'skey', name });
  }
  const signer = createNoteSigner(name, key.subarray(1));
  if (signer.keyHash !== keyHash) {
    throw malformed(`signer key hash ${hash16} does not match name and key`, { field: 'skey', name });
  }
  return signer;
}

/** Fresh Ed25519 note key pair. */
export function generateNoteKey(name: string): { skey: string; vkey: string; privateKey: KeyObject; publicKey: KeyObject } {
  assertKeyName(name);
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return { skey: encodeSignerKey(name, privateKey), vkey: encodeVerifierKey(name, publicKey), privateKey, publicKey };
}

/** Text Go's note.Open accepts: UTF-8 with no control characters but newline. Returns what is wrong, or null. */
function noteTextProblem(text: string): string | null {
  if (LONE_SURROGATE.test(text)) return 'is not valid UTF-8';
   
  if (/[\u0000-\u0009\u000b-\u001f]/.test(text)) return 'contains a control character other than newline';
  return null;
}

/** Signs text (non-empty, ending in a newline) with each signer. Go: note.Sign(&note.Note{Text: text}, signers...). */
export function signNote(text: string, signers: NoteSigner | readonly NoteSigner[]): string {
  const list: readonly NoteSigner[] = Array.isArray(signers) ? signers : [signers as NoteSigner];
  if (typeof text !== 'string' || text === '' || !text.endsWith('\n')) {
    throw malformed('note text must be non-empty and end with a newline', { field: 'text' });
  }
  const problem = noteTextProblem(text);
  if (problem) throw malformed(`note text ${problem}`, { field: 'text' });
  if (list.length === 0) throw malformed('a note needs at least one signer', { field: 'signers' });
  const message = Buffer.from(text, 'utf8');
  const lines = list.map((signer) => {
    if (!isValidNoteKeyName(signer.name)) throw malformed(`invalid signer name ${JSON.stringify(signer.name)}`, { field: 'signers' });
    const head = Buffer.alloc(4);
    head.writeUInt32BE(signer.keyHash >>> 0);
    const sig = Buffer.concat([head, signer.sign(message)]).toString('base64');
    return `${SIG_PREFIX}${signer.name} ${sig}\n`;
  });
  return `${text}\n${lines.join('')}`;
}

/**
 * Opens a signed note: checks its shape, verifies every signature made by one of the verifiers and
 * returns the text. Throws BAD_SIGNATURE when a known key's signature is invalid or when no signature
 * comes from a known key, VALIDATION_FAILED when the note is malformed. Go: note.Open.
 */
export function openNote(message: string | Uint8Array, verifiers: readonly NoteVerifier[]): OpenedNote {
  let msg: string;
  if (typeof message === 'string') {
    msg = message;
  } else {
    try {
      msg = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(message);
    } catch {
      throw malformed('note is not valid UTF-8', { field: 'note' });
    }
  }
  const problem = noteTextProblem(msg);
  if (problem) throw malformed(`note ${problem}`, { field: 'note' });

  // The signature block follows the last blank line.
  const split = msg.lastIndexOf('\n\n');
  if (split < 0) throw malformed('note has no blank line before its signatures', { field: 'note' });
  const text = msg.slice(0, split + 1);
  let sigBlock = msg.slice(split + 2);
  if (sigBlock === '' || !sigBlock.endsWith('\n')) {
    throw malformed('note signature block must be non-empty and end with a newline', { field: 'note' });
  }

  const known = new Map<string, NoteVerifier[]>();
  for (const v of verifiers) {
    const id = `${v.name}+${hex8(v.keyHash)}`;
    known.set(id, [...(known.get(id) ?? []), v]);
  }

  const textBytes = Buffer.from(text, 'utf8');
  const opened: OpenedNote = { text, sigs: [], unverifiedSigs: [] };
  const seen = new Set<string>();
  const seenUnverified = new Set<string>();
  let numSig = 0;
  while (sigBlock.length > 0) {
    const nl = sigBlock.indexOf('\n');
    let line = sigBlock.slice(0, nl);
    sigBlock = sigBlock.slice(nl + 1);
    if (!line.startsWith(SIG_PREFIX)) {
      throw malformed('note signature line must start with an em dash and a space', { field: 'note', line });
    }
    line = line.slice(SIG_PREFIX.length);
    const [name, b64] = chop(line, ' ');
    const raw = decodeCanonicalBase64(b64);
    if (raw === null || !isValidNoteKeyName(name) || b64 === '' || raw.length < 5) {
      throw malformed('note signature line must be "— <key name> <base64>"', { field: 'note', line });
    }
    if (++numSig > MAX_SIGNATURES) throw malformed(`note has more than ${MAX_SIGNATURES} signatures`, { field: 'note' });
    const keyHash = raw.readUInt32BE(0);
    const id = `${name}+${hex8(keyHash)}`;
    const candidates = known.get(id);
    if (!candidates) {
      // Unknown key: keep it (a witness cosignature, say) but drop exact repeats.
      if (!seenUnverified.has(line)) {
        seenUnverified.add(line);
        opened.unverifiedSigs.push({ name, keyHash, base64: b64 });
      }
      continue;
    }
    if (candidates.length > 1) throw malformed(`ambiguous verifiers for key ${id}`, { field: 'verifiers', key: id });
    if (seen.has(id)) continue;
    seen.add(id);
    if (!candidates[0].verify(textBytes, raw.subarray(4))) {
      throw new LtError('BAD_SIGNATURE', `invalid note signature for key ${id}`, { key: id });
    }
    opened.sigs.push({ name, keyHash, base64: b64 });
  }
  if (opened.sigs.length === 0) {
    throw new LtError('BAD_SIGNATURE', 'note has no signature by a trusted key', {
      unverified: opened.unverifiedSigs.map((s) => `${s.name}+${hex8(s.keyHash)}`),
      trusted: [...known.keys()],
    });
  }
  return opened;
}
