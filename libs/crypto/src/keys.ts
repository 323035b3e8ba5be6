import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPair as generateKeyPairCb,
  sign as cryptoSign,
  verify as cryptoVerify,
  type KeyObject,
  type SignKeyObjectInput,
  type VerifyKeyObjectInput,
} from 'node:crypto';
import { promisify } from 'node:util';
import type { JWK } from 'jose';
import { LtError, SIGNING_ALGS, type SigningAlg } from '@lt/contracts';
import { base64urlProblem } from './base64url';
import { assertKeyId } from './kid';

export type { JWK } from 'jose';

const generateKeyPair = promisify(generateKeyPairCb);

/** Raw signature length in JWS form: Ed25519 is 64 bytes, ES256 is r||s (2 x 32 bytes). */
export const SIGNATURE_BYTES = 64;

/** Order n of the P-256 group, big-endian, and floor(n / 2): the largest S a low-S signature has. */
const P256_N = Buffer.from('ffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551', 'hex');
const P256_HALF_N = Buffer.from('7fffffff800000007fffffffffffffffde737d56d38bcf4279dce5617e3192a8', 'hex');

/**
 * True when the S half of a raw ES256 signature r||s is above n/2 (ES256 only: meaningless for Ed25519). ECDSA accepts (r, s) and
 * (r, n - s) alike, so anyone can turn one valid signature into a second one over the same bytes;
 * only the low-S form is accepted, so a signed message has one signature. A 32-byte compare.
 */
export function isHighS(signature: Uint8Array): boolean {
  if (signature.byteLength !== SIGNATURE_BYTES) return false;
  const s = Buffer.from(signature.buffer, signature.byteOffset + 32, 32);
  return s.compare(P256_HALF_N) > 0;
}

/** The low-S form of a raw ES256 signature (S replaced by n - S when above n/2). ES256 only: an Ed25519 signature is not r||s. */
export function toLowS(signature: Buffer): Buffer {
  if (!isHighS(signature)) return signature;
  let s = 0n;
  for (let i = 32; i < 64; i++) s = (s << 8n) | BigInt(signature[i]!);
  let low = BigInt(`0x${P256_N.toString('hex')}`) - s;
  const out = Buffer.from(signature);
  for (let i = 63; i >= 32; i--) {
    out[i] = Number(low & 0xffn);
    low >>= 8n;
  }
  return out;
}

interface AlgProfile {
  kty: 'OKP' | 'EC';
  crv: 'Ed25519' | 'P-256';
  /** node:crypto digest argument: Ed25519 hashes internally */
  digest: 'sha256' | null;
  /** values accepted in a JWK's optional `alg` member */
  jwkAlgs: readonly string[];
  describe: string;
}

const PROFILES: Record<SigningAlg, AlgProfile> = {
  EdDSA: { kty: 'OKP', crv: 'Ed25519', digest: null, jwkAlgs: ['EdDSA', 'Ed25519'], describe: 'Ed25519' },
  ES256: { kty: 'EC', crv: 'P-256', digest: 'sha256', jwkAlgs: ['ES256'], describe: 'ECDSA P-256' },
};

export function isSigningAlg(value: unknown): value is SigningAlg {
  return typeof value === 'string' && (SIGNING_ALGS as readonly string[]).includes(value);
}

function assertAlg(alg: unknown): SigningAlg {
  if (!isSigningAlg(alg)) {
    throw new LtError('VALIDATION_FAILED', `alg ${JSON.stringify(alg)} is not supported; use one of ${SIGNING_ALGS.join(', ')}`, { field: 'alg' });
  }
  return alg;
}

function keyMatchesAlg(key: KeyObject, alg: SigningAlg): boolean {
  if (alg === 'EdDSA') return key.asymmetricKeyType === 'ed25519';
  return key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails?.namedCurve === 'prime256v1';
}

/** A public key imported once; `verify` is the hot path (node:crypto, no re-import, no promise). */
export class VerifyKey {
  /** SubjectPublicKeyInfo DER, e.g. to hand the key to a VerifierPool worker */
  readonly spki: Buffer;
  /** Public JWK (kty, crv, x[, y], alg) */
  readonly jwk: JWK;
  private readonly verifyInput: KeyObject | VerifyKeyObjectInput;
  private readonly digest: 'sha256' | null;

  private constructor(
    readonly alg: SigningAlg,
    readonly keyObject: KeyObject,
  ) {
    this.digest = PROFILES[alg].digest;
    // JWS carries ECDSA signatures as raw r||s, not DER
    this.verifyInput = alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject;
    this.spki = keyObject.export({ type: 'spki', format: 'der' });
    this.jwk = publicJwkOf(keyObject, alg);
  }

  /** Wraps an existing public KeyObject, refusing one whose type does not fit `alg`. */
  static fromKeyObject(keyObject: KeyObject, alg: SigningAlg): VerifyKey {
    assertAlg(alg);
    if (keyObject.type !== 'public') {
      throw new LtError('VALIDATION_FAILED', `key must be a public key object, got a ${keyObject.type} key`, { field: 'key' });
    }
    if (!keyMatchesAlg(keyObject, alg)) {
      throw new LtError('VALIDATION_FAILED', `key is ${describeKeyObject(keyObject)}, but alg ${alg} needs ${PROFILES[alg].describe}`, { field: 'key' });
    }
    return new VerifyKey(alg, keyObject);
  }

  /** True only for a well-formed signature by this key over `data` (ES256: low-S only); never throws on bad input. */
  verify(data: Uint8Array, signature: Uint8Array): boolean {
    if (signature.byteLength !== SIGNATURE_BYTES) return false;
    if (this.alg === 'ES256' && isHighS(signature)) return false;
    try {
      return cryptoVerify(this.digest, data, this.verifyInput, signature);
    } catch {
      return false;
    }
  }
}

/** A private key imported once; `sign` is synchronous (node:crypto). */
export class SigningKey {
  readonly publicKey: VerifyKey;
  private readonly signInput: KeyObject | SignKeyObjectInput;
  private readonly digest: 'sha256' | null;

  private constructor(
    readonly alg: SigningAlg,
    readonly keyObject: KeyObject,
  ) {
    this.digest = PROFILES[alg].digest;
    this.signInput = alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject;
    this.publicKey = VerifyKey.fromKeyObject(createPublicKey(keyObject), alg);
  }

  /** True when `publicKey` verifies what this key signs (an EC key object may carry any public point). */
  signsFor(publicKey: VerifyKey): boolean {
    return publicKey.verify(PROBE, this.sign(PROBE));
  }

  static fromKeyObject(keyObject: KeyObject, alg: SigningAlg): SigningKey {
    assertAlg(alg);
    if (keyObject.type !== 'private') {
      throw new LtError('VALIDATION_FAILED', `key must be a private key object, got a ${keyObject.type} key`, { field: 'key' });
    }
    if (!keyMatchesAlg(keyObject, alg)) {
      throw new LtError('VALIDATION_FAILED', `key is ${describeKeyObject(keyObject)}, but alg ${alg} needs ${PROFILES[alg].describe}`, { field: 'key' });
    }
    const key = new SigningKey(alg, keyObject);
    if (!key.signsFor(key.publicKey)) {
      throw new LtError('VALIDATION_FAILED', 'key: its public part does not match its private scalar', { field: 'key' });
    }
    return key;
  }

  /** Raw JWS signature (64 bytes) over `data`; ES256 in low-S form (OpenSSL may give either). */
  sign(data: Uint8Array): Buffer {
    const signature = cryptoSign(this.digest, data, this.signInput);
    return this.alg === 'ES256' ? toLowS(signature) : signature;
  }
}

const PROBE = Buffer.from('lienthong key consistency probe');

function describeKeyObject(key: KeyObject): string {
  const curve = key.asymmetricKeyDetails?.namedCurve;
  return `${key.asymmetricKeyType ?? 'unknown'}${curve ? ` (${curve})` : ''}`;
}

function publicJwkOf(key: KeyObject, alg: SigningAlg): JWK {
  const exported = key.export({ format: 'jwk' });
  const jwk: JWK = { kty: exported.kty, crv: exported.crv, x: exported.x };
  if (exported.y !== undefined) jwk.y = exported.y;
  jwk.alg = alg;
  return jwk;
}

function fail(field: string, message: string): never {
  throw new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

/** 32-byte coordinate or scalar, canonical base64url. */
function check32(jwk: Record<string, unknown>, member: string): string {
  const v = jwk[member];
  const field = `jwk.${member}`;
  if (typeof v !== 'string') fail(field, `must be a base64url string, got ${v === undefined ? 'nothing' : typeof v}`);
  const problem = base64urlProblem(v);
  if (problem) fail(field, problem);
  if (v.length !== 43) fail(field, `must encode 32 bytes (43 base64url characters), found ${v.length} characters`);
  return v;
}

/**
 * Checks a JWK against the algorithm before Node sees it, so a wrong key type is refused with a
 * message naming the member rather than an opaque OpenSSL error. Returns only the members that
 * define the key (extra ones such as kid or key_ops are not passed on).
 */
export function validateJwk(input: unknown, alg: SigningAlg, kind: 'public' | 'private'): JWK {
  assertAlg(alg);
  if (input === null || typeof input !== 'object' || Array.isArray(input)) {
    fail('jwk', `must be a JSON object, got ${input === null ? 'null' : Array.isArray(input) ? 'an array' : typeof input}`);
  }
  const jwk = input as Record<string, unknown>;
  const p = PROFILES[alg];
  if (jwk.kty !== p.kty) fail('jwk.kty', `must be "${p.kty}" for ${alg}, got ${JSON.stringify(jwk.kty)}`);
  if (jwk.crv !== p.crv) fail('jwk.crv', `must be "${p.crv}" for ${alg}, got ${JSON.stringify(jwk.crv)}`);
  if (jwk.alg !== undefined && !p.jwkAlgs.includes(jwk.alg as string)) {
    fail('jwk.alg', `${JSON.stringify(jwk.alg)} does not match ${alg}`);
  }
  if (jwk.use !== undefined && jwk.use !== 'sig') fail('jwk.use', `must be "sig" for a signing key, got ${JSON.stringify(jwk.use)}`);
  const out: JWK = { kty: p.kty, crv: p.crv, x: check32(jwk, 'x') };
  if (p.kty === 'EC') out.y = check32(jwk, 'y');
  else if (jwk.y !== undefined) fail('jwk.y', `must not be present on an ${p.kty} key`);
  if (kind === 'public') {
    if (jwk.d !== undefined) fail('jwk.d', 'must not be present: this is a private key where a public key is expected');
  } else {
    if (jwk.d === undefined) fail('jwk.d', 'is missing: a private key is required');
    out.d = check32(jwk, 'd');
  }
  return out;
}

/** Imports a public JWK once into a VerifyKey (VALIDATION_FAILED naming the member on any problem). */
export function importPublicKey(jwk: unknown, alg: SigningAlg): VerifyKey {
  const clean = validateJwk(jwk, alg, 'public');
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: clean as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (e) {
    fail('jwk', `is not a valid ${PROFILES[alg].describe} public key: ${(e as Error).message}`);
  }
  return VerifyKey.fromKeyObject(keyObject, alg);
}

/** Imports a private JWK once into a SigningKey; the public members must match the private scalar. */
export function importPrivateKey(jwk: unknown, alg: SigningAlg): SigningKey {
  const clean = validateJwk(jwk, alg, 'private');
  let keyObject: KeyObject;
  try {
    keyObject = createPrivateKey({ key: clean as import('node:crypto').JsonWebKey, format: 'jwk' });
  } catch (e) {
    fail('jwk', `is not a valid ${PROFILES[alg].describe} private key: ${(e as Error).message}`);
  }
  // Node derives Ed25519's public key from d but keeps whatever EC point the JWK gave, so check
  // by signing: the public members must verify what d signs
  const { d: _d, ...publicMembers } = clean;
  const claimedPublic = importPublicKey(publicMembers, alg);
  const rawProbe = cryptoSign(PROFILES[alg].digest, PROBE, alg === 'ES256' ? { key: keyObject, dsaEncoding: 'ieee-p1363' } : keyObject);
  const probeSig = alg === 'ES256' ? toLowS(rawProbe) : rawProbe;
  if (!claimedPublic.verify(PROBE, probeSig)) fail('jwk.x', 'does not match the private key d (the public members belong to another key)');
  return SigningKey.fromKeyObject(keyObject, alg);
}

/** Imports a public key given as SubjectPublicKeyInfo DER (e.g. from a certificate or the registry). */
export function importPublicKeySpki(der: Uint8Array, alg: SigningAlg): VerifyKey {
  let keyObject: KeyObject;
  try {
    keyObject = createPublicKey({ key: Buffer.from(der.buffer, der.byteOffset, der.byteLength), format: 'der', type: 'spki' });
  } catch (e) {
    fail('spki', `is not a valid SubjectPublicKeyInfo: ${(e as Error).message}`);
  }
  return VerifyKey.fromKeyObject(keyObject, alg);
}

/** RFC 7638 JWK thumbprint (SHA-256, base64url) over the required members of an OKP or EC key. */
export function jwkThumbprint(jwk: JWK): string {
  let members: Record<string, unknown>;
  if (jwk.kty === 'OKP') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  else if (jwk.kty === 'EC') members = { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y };
  else fail('jwk.kty', `must be "OKP" or "EC" to compute a thumbprint, got ${JSON.stringify(jwk.kty)}`);
  for (const [k, v] of Object.entries(members)) if (typeof v !== 'string') fail(`jwk.${k}`, 'must be a string');
  // members are already in lexicographic order, as RFC 7638 requires
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export interface GeneratedSigningKey {
  privateJwk: JWK;
  publicJwk: JWK;
  /** defaults to the first 16 characters of the RFC 7638 thumbprint */
  keyId: string;
}

/** New key pair as JWKs (each carries `alg`); import them with importPrivateKey / importPublicKey. */
export async function generateSigningKey(alg: SigningAlg = 'EdDSA', keyId?: string): Promise<GeneratedSigningKey> {
  assertAlg(alg);
  if (keyId !== undefined) assertKeyId(keyId);
  const { privateKey } =
    alg === 'EdDSA' ? await generateKeyPair('ed25519') : await generateKeyPair('ec', { namedCurve: 'P-256' });
  const d = privateKey.export({ format: 'jwk' }).d!;
  const publicJwk = publicJwkOf(createPublicKey(privateKey), alg);
  const privateJwk: JWK = { ...publicJwk, d };
  return { privateJwk, publicJwk, keyId: keyId ?? jwkThumbprint(publicJwk).slice(0, 16) };
}
