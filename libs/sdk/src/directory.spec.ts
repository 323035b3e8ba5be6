import { codeToSubjectTokens, HUB_KEYS_KV_KEY, LtError } from '@lt/contracts';
import { AgencyDirectory } from './directory';
import { hubKeysValue, makeHubKey, makeTestAgency, type TestAgency } from './testing/fixtures';

const A = '000.00.00.H41';

function caught(fn: () => unknown): LtError {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected an LtError');
}

describe('AgencyDirectory (SDK)', () => {
  let a: TestAgency;
  let dir: AgencyDirectory;
  const withKey = (patch: object) => dir.apply(codeToSubjectTokens(A), { ...a.entry, keys: [{ ...a.entry.keys[0]!, ...patch }] });

  beforeEach(async () => {
    a = await makeTestAgency(A);
    dir = new AgencyDirectory();
    expect(dir.apply(codeToSubjectTokens(A), a.entry)).toEqual({ applied: true });
  });

  it('answers agencies and keys from the shared directory', () => {
    expect(dir.size).toBe(1);
    expect(dir.has(A)).toBe(true);
    expect(dir.agency(A)).toMatchObject({ code: A, tier: 'province', status: 'active', successorCode: null });
    expect(dir.kidsOf(A)).toEqual([a.kid]);
    expect(dir.keyEntry(a.kid)).toEqual(a.entry.keys[0]);
    expect(dir.verifyKeyFor(a.kid).spki.equals(a.signer.publicKey.spki)).toBe(true);
    // imported once: the same VerifyKey every time
    expect(dir.verifyKeyFor(a.kid, '2026-01-01T00:00:00.000Z')).toBe(dir.verifyKeyFor(a.kid));
  });

  it('refuses a malformed entry with a reason instead of throwing, keeping the last good one', () => {
    expect(dir.apply(codeToSubjectTokens(A), { agency: { code: A }, keys: [] })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.tier/) });
    expect(dir.kidsOf(A)).toEqual([a.kid]);
  });

  it('verifyKeyFor: UNKNOWN_KEY, KEY_REVOKED, not_yet_valid, expired, bad_jwk', () => {
    const unknown = caught(() => dir.verifyKeyFor(`${A}#nope`));
    expect([unknown.code, unknown.details]).toEqual(['UNKNOWN_KEY', { kid: `${A}#nope` }]);
    expect(unknown.message).toBe(`key ${A}#nope is not in the directory (unknown agency or key id, or the key was revoked)`);

    withKey({ revokedAt: '2026-05-01T00:00:00.000Z' });
    expect(() => dir.verifyKeyFor(a.kid, '2026-04-30T23:59:59.999Z')).not.toThrow();
    const revoked = caught(() => dir.verifyKeyFor(a.kid, '2026-05-01T00:00:00.000Z'));
    expect([revoked.code, revoked.details]).toEqual(['KEY_REVOKED', { kid: a.kid, revokedAt: '2026-05-01T00:00:00.000Z' }]);
    expect(revoked.message).toBe(`key ${a.kid} was revoked at 2026-05-01T00:00:00.000Z, before the envelope was issued (2026-05-01T00:00:00.000Z)`);

    withKey({ notBefore: '2027-01-01T00:00:00.000Z' });
    const early = caught(() => dir.verifyKeyFor(a.kid, '2026-12-31T00:00:00.000Z'));
    expect([early.code, early.details]).toEqual(['UNKNOWN_KEY', { kid: a.kid, reason: 'not_yet_valid' }]);
    expect(early.message).toMatch(/is valid only from 2027-01-01T00:00:00.000Z; the envelope was issued at 2026-12-31/);

    withKey({ notAfter: '2026-01-01T00:00:00.000Z' });
    const expired = caught(() => dir.verifyKeyFor(a.kid, '2026-01-01T00:00:00.000Z'));
    expect([expired.code, expired.details]).toEqual(['UNKNOWN_KEY', { kid: a.kid, reason: 'expired' }]);
    expect(expired.message).toMatch(/expired at 2026-01-01T00:00:00.000Z/);

    withKey({ publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } });
    const bad = caught(() => dir.verifyKeyFor(a.kid));
    expect([bad.code, bad.details]).toEqual(['UNKNOWN_KEY', { kid: a.kid, reason: 'bad_jwk' }]);
    expect(bad.message).toMatch(new RegExp(`^key ${a.kid} in the directory is not a usable EdDSA public key: `));
  });

  it('hubVerifyKey: the listed hub keys, UNKNOWN_KEY otherwise', async () => {
    const hub = await makeHubKey('h1');
    expect(dir.apply(HUB_KEYS_KV_KEY, hubKeysValue(hub))).toEqual({ applied: true });
    expect(dir.hubKids()).toEqual([hub.kid]);
    expect(dir.hubVerifyKey(hub.kid).spki.equals(hub.signer.publicKey.spki)).toBe(true);
    const missing = caught(() => dir.hubVerifyKey('hub#h2'));
    expect([missing.code, missing.message]).toEqual(['UNKNOWN_KEY', `hub key hub#h2 is not among the hub keys in KV ${HUB_KEYS_KV_KEY}`]);
    dir.apply(HUB_KEYS_KV_KEY, { keys: [{ kid: hub.kid, alg: 'EdDSA', publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }] });
    expect(caught(() => dir.hubVerifyKey(hub.kid)).details).toEqual({ kid: hub.kid, reason: 'bad_jwk' });
  });
});
