import { LtError, parseAgencyCode, uuidv7 } from '@lt/contracts';
import { base64urlEncode, base64urlProblem } from './base64url';
import { isSigningAlg, VerifyKey, type SigningKey } from './keys';
import { assertKeyId, isValidKeyId } from './kid';

/** Issuer of every hub bearer token. */
export const TOKEN_ISSUER = 'lienthong';
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;
export const MAX_TOKEN_TTL_SECONDS = 366 * 24 * 3600;
/** Tolerated clock difference for `iat`/`nbf` in the future (seconds). */
export const TOKEN_CLOCK_LEEWAY_SECONDS = 60;
const MAX_TOKEN_CHARS = 8192;

export type TokenRole = 'admin' | 'auditor' | `agency:${string}`;

export interface TokenClaims {
  iss: typeof TOKEN_ISSUER;
  sub: string;
  role: TokenRole;
  iat: number;
  exp: number;
  jti: string;
}

export interface IssueTokenInput {
  sub: string;
  role: TokenRole;
  ttlSeconds?: number;
}

export type TokenFailure = 'malformed' | 'bad_signature' | 'unknown_kid' | 'expired' | 'not_yet_valid' | 'wrong_issuer' | 'bad_claims';

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
 * iss 'lienthong', sub, role, iat, exp, jti. `kid` names the hub key (1-64 of [A-Za-z0-9._~-]).
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
  assertKeyId(kid, 'kid');
  const iat = toEpochSeconds(now);
  const claims: TokenClaims = { iss: TOKEN_ISSUER, sub: input.sub, role, iat, exp: iat + ttl, jti: uuidv7() };
  const head = base64urlEncode(JSON.stringify({ alg: hubKey.alg, typ: 'JWT', kid }));
  const body = base64urlEncode(JSON.stringify(claims));
  const signature = hubKey.sign(Buffer.from(`${head}.${body}`, 'latin1'));
  return `${head}.${body}.${base64urlEncode(signature)}`;
}

function decodeJsonPart(part: string, name: string): Record<string, unknown> {
  if (part.length === 0 || base64urlProblem(part) !== null) throw unauthenticated('malformed', `${name} is not base64url`);
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
  } catch {
    throw unauthenticated('malformed', `${name} is not JSON`);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw unauthenticated('malformed', `${name} is not a JSON object`);
  return value as Record<string, unknown>;
}

/**
 * Verifies a hub bearer token and returns its claims, or throws UNAUTHENTICATED with
 * details.reason (malformed, bad_signature, unknown_kid, expired, not_yet_valid, wrong_issuer,
 * bad_claims). Pass a map kid -> key to accept tokens of several hub keys during a rotation.
 */
export function verifyToken(token: unknown, hubKeys: VerifyKey | ReadonlyMap<string, VerifyKey>, now: Date | number = Date.now()): TokenClaims {
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
  if (typeof c.sub !== 'string' || c.sub.length === 0) throw unauthenticated('bad_claims', 'sub is missing');
  if (typeof c.jti !== 'string' || c.jti.length === 0) throw unauthenticated('bad_claims', 'jti is missing');
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
  return { iss: TOKEN_ISSUER, sub: c.sub, role, iat, exp, jti: c.jti };
}
