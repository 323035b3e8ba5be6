import { LtError, SIGNING_ALGS, type SigningAlg } from '@lt/contracts';
import { asObject, describe, invalid, parseTime, rejectUnknownFields } from './input';

/** Same rule as libs/crypto's kid: 1-64 characters of A-Z a-z 0-9 . _ ~ - (the part after `#`). */
const KEY_ID = /^[A-Za-z0-9._~-]{1,64}$/;
const B64URL = /^[A-Za-z0-9_-]+$/;

export interface ValidKeyInput {
  keyId: string;
  alg: SigningAlg;
  publicJwk: Record<string, string>;
  notBefore: string | null;
  notAfter: string | null;
}

export function parseKeyId(value: unknown, field = 'keyId'): string {
  if (typeof value !== 'string' || !KEY_ID.test(value)) {
    throw invalid(field, `must be 1-64 characters of A-Z a-z 0-9 . _ ~ -, got ${describe(value)}`);
  }
  return value;
}

function coordinate(jwk: Record<string, unknown>, name: 'x' | 'y', bytes: number, alg: SigningAlg): string {
  const v = jwk[name];
  const field = `publicJwk.${name}`;
  if (typeof v !== 'string' || !B64URL.test(v)) throw invalid(field, `must be a base64url string for ${alg}, got ${describe(v)}`);
  const len = Buffer.from(v, 'base64url').length;
  if (len !== bytes) throw invalid(field, `must encode ${bytes} bytes for ${alg}, got ${len}`);
  return v;
}

/**
 * Minimal public-JWK check for the signing algorithms the hub accepts: EdDSA -> OKP/Ed25519 with x,
 * ES256 -> EC/P-256 with x and y. A private member (`d`) is refused: the registry only ever holds
 * public keys. Only the public members are kept, so nothing else is published to routers.
 */
export function parsePublicJwk(alg: SigningAlg, value: unknown): Record<string, string> {
  const jwk = asObject(value, 'publicJwk');
  if ('d' in jwk) throw invalid('publicJwk', 'contains a private key member "d": register the public key only');
  if (alg === 'EdDSA') {
    if (jwk.kty !== 'OKP') throw invalid('publicJwk.kty', `must be "OKP" for EdDSA, got ${describe(jwk.kty)}`);
    if (jwk.crv !== 'Ed25519') throw invalid('publicJwk.crv', `must be "Ed25519" for EdDSA, got ${describe(jwk.crv)}`);
    return { kty: 'OKP', crv: 'Ed25519', x: coordinate(jwk, 'x', 32, alg) };
  }
  if (jwk.kty !== 'EC') throw invalid('publicJwk.kty', `must be "EC" for ES256, got ${describe(jwk.kty)}`);
  if (jwk.crv !== 'P-256') throw invalid('publicJwk.crv', `must be "P-256" for ES256, got ${describe(jwk.crv)}`);
  return { kty: 'EC', crv: 'P-256', x: coordinate(jwk, 'x', 32, alg), y: coordinate(jwk, 'y', 32, alg) };
}

export const ADD_KEY_FIELDS = ['keyId', 'alg', 'publicJwk', 'notBefore', 'notAfter'] as const;

export function parseAddKeyInput(value: unknown): ValidKeyInput {
  const o = asObject(value, 'key');
  rejectUnknownFields(o, ADD_KEY_FIELDS, 'key');
  const keyId = parseKeyId(o.keyId);
  if (typeof o.alg !== 'string' || !(SIGNING_ALGS as readonly string[]).includes(o.alg)) {
    throw invalid('alg', `must be one of ${SIGNING_ALGS.join(', ')}, got ${describe(o.alg)}`);
  }
  const alg = o.alg as SigningAlg;
  const publicJwk = parsePublicJwk(alg, o.publicJwk);
  const notBefore = o.notBefore === undefined || o.notBefore === null ? null : parseTime(o.notBefore, 'notBefore');
  const notAfter = o.notAfter === undefined || o.notAfter === null ? null : parseTime(o.notAfter, 'notAfter');
  return { keyId, alg, publicJwk, notBefore, notAfter };
}

export function assertWindow(notBefore: string, notAfter: string | null): void {
  if (notAfter !== null && Date.parse(notAfter) <= Date.parse(notBefore)) {
    throw new LtError('VALIDATION_FAILED', `notAfter ${notAfter} must be later than notBefore ${notBefore}`, { field: 'notAfter' });
  }
}
