import { LtError, parseAgencyCode, parseJsonBytes, uuidv7 } from '@lt/contracts';
import { base64urlEncode, base64urlProblem } from './base64url';
import { isSigningAlg, VerifyKey, type SigningKey } from './keys';
import { assertKeyId, isValidKeyId } from './kid';

/** Issuer of every hub bearer token. */
export const TOKEN_ISSUER = 'lienthong';
/** Audience of tokens for the HTTP gateway: a hub token meant for anything else is refused there. */
export const GATEWAY_TOKEN_AUDIENCE = 'lienthong-gateway';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 366 * 24 * 3600;
/** Tolerated clock difference for `iat`/`nbf` in the future (seconds). */
export const TOKEN_CLOCK_LEEWAY_SECONDS = 60;
const MAX_TOKEN_CHARS = 8192;
/** A jti must be usable as a KV key (revocations are keyed by it): letters, digits, '-' and '_'. */
const JTI_PATTERN = /^[A-Za-z0-9_-]{1,128}$/;
const AUDIENCE_PATTERN = /^[A-Za-z0-9._:/-]{1,128}$/;

/** Whether a jti has the shape every accepted token has (and a revocation can name). */
export function isValidJti(jti: unknown): jti is string {
  return typeof jti === 'string' && JTI_PATTERN.test(jti);
}

export type TokenRole = 'admin' | 'auditor' | `agency:${string}`;

export interface TokenClaims {
  iss: typeof TOKEN_ISSUER;
  sub: string;
  /** who the token is for (GATEWAY_TOKEN_AUDIENCE for the HTTP API) */
  aud: string;
  role: TokenRole;
  iat: number;
  exp: number;
  jti: string;
}

export interface IssueTokenInput {
  sub: string;
  role: TokenRole;
  ttlSeconds?: number;
  /** default GATEWAY_TOKEN_AUDIENCE */
  aud?: string;
}

/** What the verifier expects besides a good signature. */
export interface TokenExpectations {
  /** the token's aud must be (or, as an array, contain) this value */
  audience: string;
  now?: Date | number;
}

export type TokenFailure =
  | 'malformed'
  | 'bad_signature'
  | 'unknown_kid'
  | 'expired'
  | 'not_yet_valid'
  | 'wrong_issuer'
  | 'wrong_audience'
  | 'bad_claims';

function unauthenticated(reason: TokenFailure, message: string): LtError {
  return new LtError('UNAUTHENTICATED', `bearer token refused: ${message}`, { reason });
}

/** Throws VALIDATION_FAILED unless role is admin, auditor or agency:<valid agency code>. */
export function assertTokenRole(role: unknown): TokenRole {
  if (role === 'admin' || role === 'auditor') return role;
  if (typeof role === 'string' && role.startsWith('agency:')) {
    try {
      parseAgencyCode(role.slice('agency:'.length));
      return role as TokenRole;
    } catch (e) {
      throw new LtError('VALIDATION_FAILED', `role ${JSON.stringify(role)}: ${(e as Error).message}`, { field: 'role' });
    }
  }
  throw new LtError('VALIDATION_FAILED', `role ${JSON.stringify(role)} must be "admin", "auditor" or "agency:<agency code>"`, { field: 'role' });
}

function toEpochSeconds(now: Date | number): number {
  return Math.floor((now instanceof Date ? now.getTime() : now) / 1000);
}

/**
 * Issues a hub bearer token: a compact JWS JWT `{alg, typ: 'JWT', kid}` with claims
 * iss 'lienthong', sub, aud (default GATEWAY_TOKEN_AUDIENCE), role, iat, exp, jti (a UUIDv7, the
 * name under which the token can be revoked). `kid` names the hub key (1-64 of [A-Za-z0-9._~-]).
 */
export function issueToken(input: IssueTokenInput, hubKey: SigningKey, kid: string, now: Date | number = Date.now()): string {
  if (typeof input.sub !== 'string' || input.sub.length === 0 || input.sub.length > 256) {
    throw new LtError('VALIDATION_FAILED', 'sub must be a non-empty string of at most 256 characters', { field: 'sub' });
  }
  const role = assertTokenRole(input.role);
  const ttl = input.ttlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS;
  if (!Number.isInteger(ttl) || ttl <= 0 || ttl > MAX_TOKEN_TTL_SECONDS) {
    throw new LtError('VALIDATION_FAILED', `ttlSeconds ${ttl} must be a whole number of seconds between 1 and ${MAX_TOKEN_TTL_SECONDS}`, { field: 'ttlSeconds' });
  }
  const aud = input.aud ?? GATEWAY_TOKEN_AUDIENCE;
  if (typeof aud !== 'string' || !AUDIENCE_PATTERN.test(aud)) {
    throw new LtError('VALIDATION_FAILED', `aud ${JSON.stringify(aud)} must be 1-128 of [A-Za-z0-9._:/-]`, { field: 'aud' });
  }
  assertKeyId(kid, 'kid');
  const iat = toEpochSeconds(now);
  const claims: TokenClaims = { iss: TOKEN_ISSUER, sub: input.sub, aud, role, iat, exp: iat + ttl, jti: uuidv7() };
  const head = base64urlEncode(JSON.stringify({ alg: hubKey.alg, typ: 'JWT', kid }));
  const body = base64urlEncode(JSON.stringify(claims));
  const signature = hubKey.sign(Buffer.from(`${head}.${body}`, 'latin1'));
  return `${head}.${body}.${base64urlEncode(signature)}`;
}

/**
 * The claims of a token WITHOUT checking anything: for showing what a token just issued holds
 * (its jti, to revoke it later). Never a basis for trusting a token: that is verifyToken.
 */
export function peekTokenClaims(token: string): TokenClaims {
  const body = token.split('.')[1];
  if (body === undefined) throw unauthenticated('malformed', 'a compact JWS has 3 dot-separated parts');
  return decodeJsonPart(body, 'claims') as unknown as TokenClaims;
}

function decodeJsonPart(part: string, name: string): Record<string, unknown> {
  if (part.length === 0 || base64urlProblem(part) !== null) throw unauthenticated('malformed', `${name} is not base64url`);
  let value: unknown;
  try {
    // signed JSON: a repeated member would be read differently by another verifier
    value = parseJsonBytes(Buffer.from(part, 'base64url'), { maxBytes: MAX_TOKEN_CHARS });
  } catch (e) {
    const why = e instanceof LtError && e.details?.reason === 'duplicate_key' ? `repeats a member (${e.message})` : 'is not JSON';
    throw unauthenticated('malformed', `${name} ${why}`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw unauthenticated('malformed', `${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

function audienceMatches(aud: unknown, expected: string): boolean {
  if (typeof aud === 'string') return aud === expected;
  return Array.isArray(aud) && aud.includes(expected);
}

/**
 * Verifies a hub bearer token and returns its claims, or throws UNAUTHENTICATED with
 * details.reason (malformed, bad_signature, unknown_kid, expired, not_yet_valid, wrong_issuer,
 * wrong_audience, bad_claims). Pass a map kid -> key to accept tokens of several hub keys during a
 * rotation. The audience is required: a token without `aud`, or minted for another audience, is
 * refused. Revocation is the caller's business (it holds the revocation list).
 */
export function verifyToken(token: unknown, hubKeys: VerifyKey | ReadonlyMap<string, VerifyKey>, expected: TokenExpectations): TokenClaims {
  const now = expected.now ?? Date.now();
  if (typeof token !== 'string' || token.length === 0) throw unauthenticated('malformed', 'token must be a non-empty string');
  if (token.length > MAX_TOKEN_CHARS) throw unauthenticated('malformed', `token is longer than ${MAX_TOKEN_CHARS} characters`);
  const parts = token.split('.');
  if (parts.length !== 3) throw unauthenticated('malformed', `a compact JWS has 3 dot-separated parts, found ${parts.length}`);
  const [head, body, sig] = parts as [string, string, string];
  const header = decodeJsonPart(head, 'header');
  if (!isSigningAlg(header.alg)) throw unauthenticated('malformed', `header alg ${JSON.stringify(header.alg)} is not accepted`);
  if (header.typ !== undefined && header.typ !== 'JWT') throw unauthenticated('malformed', `header typ ${JSON.stringify(header.typ)} must be "JWT"`);
  if (header.crit !== undefined || header.b64 !== undefined) throw unauthenticated('malformed', 'header crit/b64 extensions are not supported');

  let key: VerifyKey | undefined;
  if (hubKeys instanceof VerifyKey) {
    key = hubKeys;
  } else {
    if (!isValidKeyId(header.kid)) throw unauthenticated('unknown_kid', 'header kid is missing or malformed');
    key = hubKeys.get(header.kid);
    if (!key) throw unauthenticated('unknown_kid', `no hub key ${JSON.stringify(header.kid)}`);
  }
  if (header.alg !== key.alg) throw unauthenticated('bad_signature', `header alg ${header.alg} does not match the hub key (${key.alg})`);
  if (sig.length === 0 || base64urlProblem(sig) !== null) throw unauthenticated('malformed', 'signature is not base64url');
  if (!key.verify(Buffer.from(`${head}.${body}`, 'latin1'), Buffer.from(sig, 'base64url'))) {
    throw unauthenticated('bad_signature', 'signature does not verify');
  }

  // claims are only looked at once the signature holds
  const c = decodeJsonPart(body, 'claims');
  if (c.iss !== TOKEN_ISSUER) throw unauthenticated('wrong_issuer', `issuer ${JSON.stringify(c.iss)} is not "${TOKEN_ISSUER}"`);
  if (!audienceMatches(c.aud, expected.audience)) {
    throw unauthenticated('wrong_audience', `audience ${c.aud === undefined ? '(none)' : JSON.stringify(c.aud)} is not "${expected.audience}"`);
  }
  if (typeof c.sub !== 'string' || c.sub.length === 0) throw unauthenticated('bad_claims', 'sub is missing');
  if (!isValidJti(c.jti)) throw unauthenticated('bad_claims', 'jti must be 1-128 of [A-Za-z0-9_-] (the name a revocation uses)');
  if (!Number.isInteger(c.iat) || !Number.isInteger(c.exp)) throw unauthenticated('bad_claims', 'iat and exp must be whole seconds');
  let role: TokenRole;
  try {
    role = assertTokenRole(c.role);
  } catch {
    throw unauthenticated('bad_claims', `role ${JSON.stringify(c.role)} is not a known role`);
  }
  const nowSec = toEpochSeconds(now);
  const iat = c.iat as number;
  const exp = c.exp as number;
  if (nowSec >= exp) throw unauthenticated('expired', `token expired at ${new Date(exp * 1000).toISOString()}`);
  if (iat > nowSec + TOKEN_CLOCK_LEEWAY_SECONDS) throw unauthenticated('not_yet_valid', `token issued in the future (${new Date(iat * 1000).toISOString()})`);
  if (c.nbf !== undefined && (typeof c.nbf !== 'number' || c.nbf > nowSec + TOKEN_CLOCK_LEEWAY_SECONDS)) {
    throw unauthenticated('not_yet_valid', 'token is not valid yet (nbf)');
  }
  return { iss: TOKEN_ISSUER, sub: c.sub, aud: expected.audience, role, iat, exp, jti: c.jti };
}
