import { importJWK, jwtVerify, SignJWT } from 'jose';
import { isUuid } from '@lt/contracts';
import { base64urlEncode } from './base64url';
import { generateSigningKey, importPrivateKey, importPublicKey, type JWK, type SigningKey, type VerifyKey } from './keys';
import { catchLtError } from './test-helpers';
import { GATEWAY_TOKEN_AUDIENCE, issueToken, TOKEN_ISSUER, verifyToken } from './token';

const NOW = Date.UTC(2026, 10, 22, 8, 0, 0);
let hub: SigningKey;
let hubPublic: VerifyKey;
let hubPublicJwk: JWK;
let hubPrivateJwk: JWK;
let other: SigningKey;

beforeAll(async () => {
  const g = await generateSigningKey('EdDSA', 'hub1');
  hubPrivateJwk = g.privateJwk;
  hubPublicJwk = g.publicJwk;
  hub = importPrivateKey(g.privateJwk, 'EdDSA');
  hubPublic = importPublicKey(g.publicJwk, 'EdDSA');
  other = importPrivateKey((await generateSigningKey('EdDSA')).privateJwk, 'EdDSA');
});

/** What the gateway expects, at a given time. */
const gw = (now?: Date | number) => ({ audience: GATEWAY_TOKEN_AUDIENCE, now });

function reason(fn: () => unknown): unknown {
  return catchLtError(fn, 'UNAUTHENTICATED').details?.reason;
}

function parts(token: string): [Record<string, unknown>, Record<string, unknown>, string] {
  const [h, b, s] = token.split('.') as [string, string, string];
  return [JSON.parse(Buffer.from(h, 'base64url').toString()), JSON.parse(Buffer.from(b, 'base64url').toString()), s];
}

/** Signs arbitrary header and claims with a key: validly signed tokens with bad contents. */
function craft(key: SigningKey, header: object, claims: object): string {
  const h = base64urlEncode(JSON.stringify(header));
  const b = base64urlEncode(JSON.stringify(claims));
  return `${h}.${b}.${base64urlEncode(key.sign(Buffer.from(`${h}.${b}`)))}`;
}

describe('hub bearer tokens', () => {
  it('issues a compact EdDSA JWT with iss, sub, aud, role, iat, exp, jti and verifies it', () => {
    const token = issueToken({ sub: 'alice', role: 'admin', ttlSeconds: 600 }, hub, 'hub1', NOW);
    const [header, claims] = parts(token);
    expect(header).toEqual({ alg: 'EdDSA', typ: 'JWT', kid: 'hub1' });
    expect(claims).toMatchObject({ iss: TOKEN_ISSUER, sub: 'alice', aud: 'lienthong-gateway', role: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 600 });
    expect(isUuid(claims.jti)).toBe(true);
    expect(verifyToken(token, hubPublic, gw(NOW + 599_000))).toEqual(claims);
  });

  it('gives each token its own jti and defaults the lifetime to one hour', () => {
    const a = parts(issueToken({ sub: 'bob', role: 'auditor' }, hub, 'hub1', NOW))[1];
    const b = parts(issueToken({ sub: 'bob', role: 'auditor' }, hub, 'hub1', NOW))[1];
    expect(a.jti).not.toBe(b.jti);
    expect(a.exp).toBe((a.iat as number) + 3600);
  });

  it('accepts agency roles with a valid code and refuses bad input at issue time', () => {
    const token = issueToken({ sub: 'svc', role: 'agency:000.12.05.H41' }, hub, 'hub1', NOW);
    expect(verifyToken(token, hubPublic, gw(NOW)).role).toBe('agency:000.12.05.H41');
    expect(catchLtError(() => issueToken({ sub: 'svc', role: 'agency:H41' }, hub, 'hub1'), 'VALIDATION_FAILED').details?.field).toBe('role');
    catchLtError(() => issueToken({ sub: 'svc', role: 'root' as 'admin' }, hub, 'hub1'), 'VALIDATION_FAILED');
    catchLtError(() => issueToken({ sub: '', role: 'admin' }, hub, 'hub1'), 'VALIDATION_FAILED');
    catchLtError(() => issueToken({ sub: 'a', role: 'admin', ttlSeconds: 0 }, hub, 'hub1'), 'VALIDATION_FAILED');
    catchLtError(() => issueToken({ sub: 'a', role: 'admin', ttlSeconds: 1.5 }, hub, 'hub1'), 'VALIDATION_FAILED');
    catchLtError(() => issueToken({ sub: 'a', role: 'admin' }, hub, 'bad kid'), 'VALIDATION_FAILED');
  });

  it('refuses an expired token (exp is exclusive)', () => {
    const token = issueToken({ sub: 'alice', role: 'admin', ttlSeconds: 60 }, hub, 'hub1', NOW);
    expect(verifyToken(token, hubPublic, gw(NOW + 59_999)).sub).toBe('alice');
    expect(reason(() => verifyToken(token, hubPublic, gw(NOW + 60_000)))).toBe('expired');
    expect(reason(() => verifyToken(token, hubPublic, gw(new Date(NOW + 3_600_000))))).toBe('expired');
  });

  it('refuses a token issued in the future beyond the leeway', () => {
    const token = issueToken({ sub: 'alice', role: 'admin' }, hub, 'hub1', NOW + 120_000);
    expect(reason(() => verifyToken(token, hubPublic, gw(NOW)))).toBe('not_yet_valid');
    expect(verifyToken(token, hubPublic, gw(NOW + 60_000)).sub).toBe('alice');
  });

  it('refuses a wrong issuer even when signed by the hub key', () => {
    const token = craft(hub, { alg: 'EdDSA', typ: 'JWT', kid: 'hub1' }, { iss: 'someone-else', sub: 'x', role: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 60, jti: 'j' });
    expect(reason(() => verifyToken(token, hubPublic, gw(NOW)))).toBe('wrong_issuer');
  });

  it('refuses a token without the expected audience: none, another one, or one issued for another audience', () => {
    const base = { iss: TOKEN_ISSUER, sub: 'x', role: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 60, jti: 'j' };
    const head = { alg: 'EdDSA', typ: 'JWT', kid: 'hub1' };
    expect(verifyToken(craft(hub, head, { ...base, aud: GATEWAY_TOKEN_AUDIENCE }), hubPublic, gw(NOW)).aud).toBe(GATEWAY_TOKEN_AUDIENCE);
    expect(verifyToken(craft(hub, head, { ...base, aud: ['other', GATEWAY_TOKEN_AUDIENCE] }), hubPublic, gw(NOW)).sub).toBe('x');
    expect(reason(() => verifyToken(craft(hub, head, base), hubPublic, gw(NOW)))).toBe('wrong_audience');
    expect(reason(() => verifyToken(craft(hub, head, { ...base, aud: 'lienthong-sdk' }), hubPublic, gw(NOW)))).toBe('wrong_audience');
    expect(reason(() => verifyToken(craft(hub, head, { ...base, aud: ['lienthong-sdk'] }), hubPublic, gw(NOW)))).toBe('wrong_audience');
    const other = issueToken({ sub: 'x', role: 'admin', aud: 'lienthong-sdk' }, hub, 'hub1', NOW);
    expect(parts(other)[1].aud).toBe('lienthong-sdk');
    expect(reason(() => verifyToken(other, hubPublic, gw(NOW)))).toBe('wrong_audience');
    expect(verifyToken(other, hubPublic, { audience: 'lienthong-sdk', now: NOW }).aud).toBe('lienthong-sdk');
    expect(catchLtError(() => issueToken({ sub: 'x', role: 'admin', aud: '' }, hub, 'hub1'), 'VALIDATION_FAILED').details?.field).toBe('aud');
  });

  it('refuses signed tokens with bad claims', () => {
    const base = { iss: TOKEN_ISSUER, sub: 'x', aud: GATEWAY_TOKEN_AUDIENCE, role: 'admin', iat: NOW / 1000, exp: NOW / 1000 + 60, jti: 'j' };
    const head = { alg: 'EdDSA', typ: 'JWT', kid: 'hub1' };
    expect(verifyToken(craft(hub, head, base), hubPublic, gw(NOW)).jti).toBe('j');
    // a jti that cannot name a revocation (KV key) would make the token unrevocable
    for (const jti of [undefined, '', 'a.b', 'a b', '*', 'x'.repeat(129)]) {
      expect(reason(() => verifyToken(craft(hub, head, { ...base, jti }), hubPublic, gw(NOW)))).toBe('bad_claims');
    }
    expect(reason(() => verifyToken(craft(hub, head, { ...base, role: 'root' }), hubPublic, gw(NOW)))).toBe('bad_claims');
    expect(reason(() => verifyToken(craft(hub, head, { ...base, exp: 'later' }), hubPublic, gw(NOW)))).toBe('bad_claims');
    expect(reason(() => verifyToken(craft(hub, head, { ...base, sub: undefined }), hubPublic, gw(NOW)))).toBe('bad_claims');
  });

  it('refuses a tampered token, another key, alg none and malformed strings', () => {
    const token = issueToken({ sub: 'alice', role: 'auditor' }, hub, 'hub1', NOW);
    const [h, b, s] = token.split('.') as [string, string, string];
    const promoted = base64urlEncode(JSON.stringify({ ...parts(token)[1], role: 'admin' }));
    expect(reason(() => verifyToken(`${h}.${promoted}.${s}`, hubPublic, gw(NOW)))).toBe('bad_signature');
    const sig = Buffer.from(s, 'base64url');
    sig[10]! ^= 1;
    expect(reason(() => verifyToken(`${h}.${b}.${base64urlEncode(sig)}`, hubPublic, gw(NOW)))).toBe('bad_signature');
    expect(reason(() => verifyToken(issueToken({ sub: 'm', role: 'admin' }, other, 'hub1', NOW), hubPublic, gw(NOW)))).toBe('bad_signature');
    const none = `${base64urlEncode('{"alg":"none","typ":"JWT"}')}.${b}.`;
    expect(reason(() => verifyToken(none, hubPublic, gw(NOW)))).toBe('malformed');
    for (const bad of [undefined, '', 'abc', 'a.b', 'a.b.c.d', `${h}.${b}`, `!!.${b}.${s}`, `${h}.${b}.${s}=`, 'x'.repeat(9000)]) {
      expect(reason(() => verifyToken(bad, hubPublic, gw(NOW)))).toBe('malformed');
    }
  });

  it('refuses an ES256 header against the EdDSA hub key (no alg confusion)', async () => {
    const ec = importPrivateKey((await generateSigningKey('ES256')).privateJwk, 'ES256');
    expect(reason(() => verifyToken(issueToken({ sub: 'm', role: 'admin' }, ec, 'hub1', NOW), hubPublic, gw(NOW)))).toBe('bad_signature');
  });

  it('selects the key by kid when given several hub keys (rotation)', () => {
    const keys = new Map([['hub1', hubPublic], ['hub2', other.publicKey]]);
    expect(verifyToken(issueToken({ sub: 'a', role: 'admin' }, hub, 'hub1', NOW), keys, gw(NOW)).sub).toBe('a');
    expect(verifyToken(issueToken({ sub: 'b', role: 'admin' }, other, 'hub2', NOW), keys, gw(NOW)).sub).toBe('b');
    expect(reason(() => verifyToken(issueToken({ sub: 'c', role: 'admin' }, other, 'hub1', NOW), keys, gw(NOW)))).toBe('bad_signature');
    expect(reason(() => verifyToken(issueToken({ sub: 'd', role: 'admin' }, other, 'hub3', NOW), keys, gw(NOW)))).toBe('unknown_kid');
  });

  it('interoperates with jose in both directions', async () => {
    const token = issueToken({ sub: 'alice', role: 'admin' }, hub, 'hub1');
    const { payload, protectedHeader } = await jwtVerify(token, await importJWK(hubPublicJwk, 'EdDSA'), {
      issuer: TOKEN_ISSUER,
      audience: GATEWAY_TOKEN_AUDIENCE,
      algorithms: ['EdDSA'],
    });
    expect(protectedHeader.kid).toBe('hub1');
    expect(payload).toMatchObject({ sub: 'alice', role: 'admin' });

    const joseToken = await new SignJWT({ role: 'auditor' })
      .setProtectedHeader({ alg: 'EdDSA', typ: 'JWT', kid: 'hub1' })
      .setIssuer(TOKEN_ISSUER)
      .setAudience(GATEWAY_TOKEN_AUDIENCE)
      .setSubject('bob')
      .setIssuedAt()
      .setExpirationTime('5m')
      .setJti('jti-1')
      .sign(await importJWK(hubPrivateJwk, 'EdDSA'));
    expect(verifyToken(joseToken, hubPublic, gw())).toMatchObject({ sub: 'bob', role: 'auditor', jti: 'jti-1' });
  });
});
