import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { CALLER_TOKEN_HEADER, LtError } from '@lt/contracts';
import { base64urlEncode, importPrivateKey, importPublicKey, issueToken, type TokenRole } from '@lt/crypto';
import { issueLocalToken, loadOrCreateHubKey, newEd25519KeyFile, rotateHubKey, type KeyFile } from '@lt/platform';
import { CallerVerifier } from './caller-verifier';
import { NatsRpcContext } from './nats-rpc.server';

/** A service's check of its caller: the Lt-Caller-Token header, verified like the gateway verifies the bearer token. */
const NOW = Date.parse('2026-03-04T05:00:00Z');
const hub = newEd25519KeyFile('token-20260304-aaaaaaaa');

function sign(key: KeyFile, opts: { role?: TokenRole; aud?: string; ttlSeconds?: number; at?: number; sub?: string } = {}): string {
  return issueToken(
    { sub: opts.sub ?? 'alice', role: opts.role ?? 'admin', ttlSeconds: opts.ttlSeconds ?? 600, ...(opts.aud ? { aud: opts.aud } : {}) },
    importPrivateKey(key.privateJwk, key.alg),
    key.keyId,
    opts.at ?? NOW,
  );
}

function verifier(now = () => NOW): CallerVerifier {
  return new CallerVerifier(() => new Map([[hub.keyId, importPublicKey(hub.publicJwk, hub.alg)]]), { now });
}

function refusal(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    return e as LtError;
  }
  throw new Error('expected a refusal');
}

function ctx(token?: string): NatsRpcContext {
  const h = natsHeaders();
  if (token !== undefined) h.set(CALLER_TOKEN_HEADER, token);
  return new NatsRpcContext(['lt.rpc.registry.key.add', h]);
}

describe('CallerVerifier', () => {
  it('returns the caller of a hub token for the gateway audience', () => {
    const v = verifier();
    expect(v.verify(sign(hub, { sub: 'alice' }))).toEqual({ sub: 'alice', role: 'admin', jti: expect.any(String) });
    expect(v.verify(sign(hub, { role: 'agency:000.00.00.H41' }))).toMatchObject({ role: 'agency:000.00.00.H41', agencyCode: '000.00.00.H41' });
  });

  it('refuses no token, an expired one, one for another audience, one of another key, and unsigned ones, each with its reason', () => {
    const v = verifier();
    const [head, body] = sign(hub).split('.') as [string, string];
    const none = `${base64urlEncode(JSON.stringify({ alg: 'none', typ: 'JWT', kid: hub.keyId }))}.${body}.`;
    const cases: Array<[string | undefined, string]> = [
      [undefined, 'missing'],
      ['', 'missing'],
      [sign(hub, { ttlSeconds: 60, at: NOW - 61_000 }), 'expired'],
      [sign(hub, { at: NOW + 3_600_000 }), 'not_yet_valid'],
      [sign(hub, { aud: 'lienthong-sdk' }), 'wrong_audience'],
      // another key under the hub key's id, and under an id of its own
      [sign(newEd25519KeyFile(hub.keyId)), 'bad_signature'],
      [sign(newEd25519KeyFile('token-20260304-bbbbbbbb')), 'unknown_kid'],
      [`${head}.${body}.`, 'malformed'],
      [none, 'malformed'],
      ['not a token', 'malformed'],
    ];
    for (const [token, reason] of cases) {
      const e = refusal(() => v.verify(token));
      expect([e.code, e.details?.reason, e.details?.header]).toEqual(['UNAUTHENTICATED', reason, CALLER_TOKEN_HEADER]);
      expect(e.message).toMatch(/^(no Lt-Caller-Token header|Lt-Caller-Token refused: )/);
    }
  });

  it('admits the roles a method names: FORBIDDEN otherwise, naming the subject', () => {
    const v = verifier();
    expect(v.require(ctx(sign(hub, { role: 'auditor' })))).toMatchObject({ role: 'auditor' });
    expect(v.require(ctx(sign(hub, { role: 'agency:000.00.00.H41' })), ['admin', 'agency'])).toMatchObject({ agencyCode: '000.00.00.H41' });
    const e = refusal(() => v.require(ctx(sign(hub, { role: 'auditor' })), ['admin']));
    expect([e.code, e.details?.role, e.details?.required]).toEqual(['FORBIDDEN', 'auditor', ['admin']]);
    expect(e.message).toContain('lt.rpc.registry.key.add');
    // the token is checked before the role: a forged admin is not FORBIDDEN but UNAUTHENTICATED
    expect(refusal(() => v.require(ctx(), ['admin'])).code).toBe('UNAUTHENTICATED');
  });

  describe('over a data folder', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'lt-caller-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('verifies tokens of issueLocalToken; with no token key, refuses naming the file', () => {
      const empty = CallerVerifier.fromDataDir(dir);
      expect(empty.hasKeys).toBe(false);
      const e = refusal(() => empty.verify(sign(hub)));
      expect([e.code, e.details?.reason]).toEqual(['UNAUTHENTICATED', 'unknown_kid']);
      expect(e.message).toContain(join(dir, 'keys', 'hub', 'token.json'));
      // a key made after the service started is taken up at once (nothing was held)
      loadOrCreateHubKey(dir, 'token');
      expect(empty.verify(issueLocalToken(dir, { sub: 'npm-start' }))).toMatchObject({ sub: 'npm-start', role: 'admin' });
    });

    it('takes up a rotated token key without a restart, refuses the retired one, and rereads at most every reloadIntervalMs', () => {
      loadOrCreateHubKey(dir, 'token');
      let now = Date.now();
      const v = CallerVerifier.fromDataDir(dir, { now: () => now, reloadIntervalMs: 5_000 });
      const old = issueLocalToken(dir, { sub: 'before' });
      expect(v.verify(old).sub).toBe('before');
      rotateHubKey(dir, 'token');
      const fresh = issueLocalToken(dir, { sub: 'after' });
      // loaded at construction, just now: not reread yet
      expect(refusal(() => v.verify(fresh)).details?.reason).toBe('unknown_kid');
      now += 5_000;
      expect(v.verify(fresh).sub).toBe('after');
      expect(refusal(() => v.verify(old)).details?.reason).toBe('unknown_kid');
    });
  });
});
