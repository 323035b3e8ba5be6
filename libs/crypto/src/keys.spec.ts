import { createPublicKey, generateKeyPairSync } from 'node:crypto';
import { calculateJwkThumbprint } from 'jose';
import type { SigningAlg } from '@lt/contracts';
import { generateSigningKey, importPrivateKey, importPublicKey, importPublicKeySpki, jwkThumbprint, SigningKey, VerifyKey } from './keys';
import { catchLtError } from './test-helpers';

const ALGS: SigningAlg[] = ['EdDSA', 'ES256'];

describe.each(ALGS)('keys (%s)', (alg) => {
  it('generates JWKs of the right type with a thumbprint key id', async () => {
    const { privateJwk, publicJwk, keyId } = await generateSigningKey(alg);
    expect(publicJwk.kty).toBe(alg === 'EdDSA' ? 'OKP' : 'EC');
    expect(publicJwk.crv).toBe(alg === 'EdDSA' ? 'Ed25519' : 'P-256');
    expect(publicJwk.alg).toBe(alg);
    expect(publicJwk.d).toBeUndefined();
    expect(typeof privateJwk.d).toBe('string');
    expect(keyId).toHaveLength(16);
    expect(keyId).toBe((await calculateJwkThumbprint(publicJwk, 'sha256')).slice(0, 16));
    expect(jwkThumbprint(privateJwk)).toBe(jwkThumbprint(publicJwk));
  });

  it('keeps an explicit key id and refuses a malformed one', async () => {
    expect((await generateSigningKey(alg, 'k1')).keyId).toBe('k1');
    await expect(generateSigningKey(alg, 'k#1')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('imports once: sign/verify use the same key objects and round-trip', async () => {
    const { privateJwk, publicJwk } = await generateSigningKey(alg);
    const signing = importPrivateKey(privateJwk, alg);
    const verifying = importPublicKey(publicJwk, alg);
    expect(signing).toBeInstanceOf(SigningKey);
    expect(verifying).toBeInstanceOf(VerifyKey);
    expect(signing.keyObject.type).toBe('private');
    expect(verifying.keyObject.type).toBe('public');
    const data = Buffer.from('hello');
    const sig = signing.sign(data);
    expect(sig).toHaveLength(64);
    expect(verifying.verify(data, sig)).toBe(true);
    expect(signing.publicKey.verify(data, sig)).toBe(true);
    expect(verifying.verify(Buffer.from('hellO'), sig)).toBe(false);
    expect(verifying.verify(data, sig.subarray(0, 63))).toBe(false);
    expect(verifying.jwk).toEqual(publicJwk);
    expect(importPublicKeySpki(verifying.spki, alg).jwk).toEqual(publicJwk);
  });

  it('refuses a private JWK where a public one is expected, naming d', async () => {
    const { privateJwk } = await generateSigningKey(alg);
    const err = catchLtError(() => importPublicKey(privateJwk, alg), 'VALIDATION_FAILED');
    expect(err.details?.field).toBe('jwk.d');
  });

  it('refuses a private JWK whose x does not belong to d', async () => {
    const a = await generateSigningKey(alg);
    const b = await generateSigningKey(alg);
    const err = catchLtError(() => importPrivateKey({ ...a.privateJwk, x: b.publicJwk.x, y: b.publicJwk.y }, alg), 'VALIDATION_FAILED');
    expect(err.details?.field).toBe('jwk.x');
  });
});

describe('JWK validation', () => {
  let ed: Awaited<ReturnType<typeof generateSigningKey>>;
  let ec: Awaited<ReturnType<typeof generateSigningKey>>;
  beforeAll(async () => {
    ed = await generateSigningKey('EdDSA');
    ec = await generateSigningKey('ES256');
  });

  it.each([
    ['not an object', () => importPublicKey('x', 'EdDSA'), 'jwk'],
    ['null', () => importPublicKey(null, 'EdDSA'), 'jwk'],
    ['EC key for EdDSA', () => importPublicKey(ec.publicJwk, 'EdDSA'), 'jwk.kty'],
    ['OKP key for ES256', () => importPublicKey(ed.publicJwk, 'ES256'), 'jwk.kty'],
    ['X25519 curve', () => importPublicKey({ ...ed.publicJwk, crv: 'X25519' }, 'EdDSA'), 'jwk.crv'],
    ['P-384 curve', () => importPublicKey({ ...ec.publicJwk, crv: 'P-384' }, 'ES256'), 'jwk.crv'],
    ['RSA key', () => importPublicKey({ kty: 'RSA', n: 'AQAB', e: 'AQAB' }, 'ES256'), 'jwk.kty'],
    ['missing x', () => importPublicKey({ kty: 'OKP', crv: 'Ed25519' }, 'EdDSA'), 'jwk.x'],
    ['short x', () => importPublicKey({ ...ed.publicJwk, x: 'AAAA' }, 'EdDSA'), 'jwk.x'],
    ['padded x', () => importPublicKey({ ...ed.publicJwk, x: `${ed.publicJwk.x}=` }, 'EdDSA'), 'jwk.x'],
    ['missing y', () => importPublicKey({ ...ec.publicJwk, y: undefined }, 'ES256'), 'jwk.y'],
    ['y on OKP', () => importPublicKey({ ...ed.publicJwk, y: ed.publicJwk.x }, 'EdDSA'), 'jwk.y'],
    ['alg mismatch', () => importPublicKey({ ...ed.publicJwk, alg: 'ES256' }, 'EdDSA'), 'jwk.alg'],
    ['use enc', () => importPublicKey({ ...ed.publicJwk, use: 'enc' }, 'EdDSA'), 'jwk.use'],
    ['private without d', () => importPrivateKey(ed.publicJwk, 'EdDSA'), 'jwk.d'],
    ['point not on the curve', () => importPublicKey({ ...ec.publicJwk, y: ec.publicJwk.x }, 'ES256'), 'jwk'],
    ['unsupported alg', () => importPublicKey(ed.publicJwk, 'RS256' as SigningAlg), 'alg'],
  ])('refuses %s with VALIDATION_FAILED naming the field', (_name, fn, field) => {
    const err = catchLtError(fn, 'VALIDATION_FAILED');
    expect(err.details?.field).toBe(field);
    expect(err.message.startsWith(field)).toBe(true);
  });

  it('accepts a JWK with alg Ed25519 (RFC 9864 name) and ignores kid/key_ops', () => {
    expect(importPublicKey({ ...ed.publicJwk, alg: 'Ed25519', kid: 'x', key_ops: ['verify'] }, 'EdDSA').alg).toBe('EdDSA');
  });

  it('refuses key objects of the wrong kind or type', () => {
    const { publicKey, privateKey } = generateKeyPairSync('ed25519');
    catchLtError(() => VerifyKey.fromKeyObject(privateKey, 'EdDSA'), 'VALIDATION_FAILED');
    catchLtError(() => SigningKey.fromKeyObject(publicKey, 'EdDSA'), 'VALIDATION_FAILED');
    catchLtError(() => VerifyKey.fromKeyObject(publicKey, 'ES256'), 'VALIDATION_FAILED');
    const p384 = generateKeyPairSync('ec', { namedCurve: 'P-384' });
    expect(catchLtError(() => VerifyKey.fromKeyObject(p384.publicKey, 'ES256'), 'VALIDATION_FAILED').message).toContain('secp384r1');
    catchLtError(() => importPublicKeySpki(createPublicKey(p384.privateKey).export({ type: 'spki', format: 'der' }), 'ES256'), 'VALIDATION_FAILED');
    expect(catchLtError(() => importPublicKeySpki(Buffer.from('junk'), 'EdDSA'), 'VALIDATION_FAILED').details?.field).toBe('spki');
  });
});
