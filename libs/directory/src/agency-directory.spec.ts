import { codeToSubjectTokens, HUB_KEYS_KV_KEY } from '@lt/contracts';
import { AgencyDirectory } from './agency-directory';
import { testAgency, testPublicJwk, withAgency } from './testing/agency-entries';

const P = '000.00.00.H41';
const C = '000.00.05.H41';
const kvKey = codeToSubjectTokens;

describe('AgencyDirectory', () => {
  it('holds agencies, keys (imported once) and the children index', () => {
    const dir = new AgencyDirectory();
    const parent = testAgency(P);
    const child = testAgency(C, { parentCode: P, tier: 'district' });
    expect(dir.apply(parent.entry)).toEqual({ applied: true });
    expect(dir.apply(child.entry)).toEqual({ applied: true });
    expect(dir.size).toBe(2);
    expect(dir.has(C)).toBe(true);
    expect(dir.agency(C)).toEqual({ ...child.entry.agency, parentCode: P });
    expect(Object.isFrozen(dir.agency(C))).toBe(true);
    expect(dir.children(P).map((a) => a.code)).toEqual([C]);
    expect(dir.kidsOf(C)).toEqual([child.kid]);
    const key = dir.key(child.kid)!;
    expect(key).toMatchObject({ kid: child.kid, agencyCode: C, alg: 'EdDSA', revokedAtMs: null, notAfterMs: null, importError: null });
    expect(key.notBeforeMs).toBe(Date.parse('2020-01-01T00:00:00.000Z'));
    expect(key.entry).toEqual(child.entry.keys[0]);
    expect(key.key).not.toBeNull();

    // an update of the same agency reuses the imported key object
    expect(dir.apply(withAgency(child.entry, { version: 2, status: 'suspended' }))).toEqual({ applied: true });
    expect(dir.key(child.kid)!.key).toBe(key.key);
    expect(dir.agency(C)!.status).toBe('suspended');
    // new material under the same kid is imported again
    const rotated = { ...child.entry, agency: { ...child.entry.agency, version: 3 }, keys: [{ ...child.entry.keys[0]!, publicJwk: testPublicJwk() }] };
    dir.apply(rotated);
    expect(dir.key(child.kid)!.key).not.toBe(key.key);
    expect(dir.key(child.kid)!.key).not.toBeNull();
  });

  it('turns key times into milliseconds and keeps the ISO strings', () => {
    const dir = new AgencyDirectory();
    const a = testAgency(P, { notAfter: '2030-01-01T00:00:00.000Z', revokedAt: '2026-05-01T00:00:00.000Z' });
    dir.apply(a.entry);
    expect(dir.key(a.kid)).toMatchObject({ notAfterMs: Date.parse('2030-01-01T00:00:00.000Z'), revokedAtMs: Date.parse('2026-05-01T00:00:00.000Z') });
    expect(dir.key(a.kid)!.entry.revokedAt).toBe('2026-05-01T00:00:00.000Z');
  });

  it('ignores an older version than the one held', () => {
    const dir = new AgencyDirectory();
    const a = testAgency(P, { version: 3 });
    dir.apply(a.entry);
    expect(dir.apply(withAgency(a.entry, { version: 2, status: 'closed' }))).toMatchObject({ applied: false, reason: expect.stringMatching(/stale version/) });
    expect(dir.agency(P)!.status).toBe('active');
    // the same version again is taken (the registry re-mirrors unchanged entries)
    expect(dir.apply(withAgency(a.entry, { status: 'suspended' }))).toEqual({ applied: true });
  });

  it('moves an agency in the children index when its parent changes, and forgets removed agencies and keys', () => {
    const dir = new AgencyDirectory();
    const child = testAgency(C, { parentCode: P });
    dir.apply(child.entry);
    dir.apply(withAgency(child.entry, { parentCode: '000.00.00.H49', version: 2 }));
    expect(dir.children(P)).toEqual([]);
    expect(dir.children('000.00.00.H49').map((a) => a.code)).toEqual([C]);
    // a key the registry stops mirroring is gone
    dir.apply({ ...withAgency(child.entry, { version: 3 }), keys: [] });
    expect(dir.key(child.kid)).toBeUndefined();
    expect(dir.kidsOf(C)).toEqual([]);
    expect(dir.remove(C)).toBe(true);
    expect(dir.remove(C)).toBe(false);
    expect(dir.agency(C)).toBeUndefined();
    expect(dir.children('000.00.00.H49')).toEqual([]);
  });

  it('skips malformed entries and keys that name another agency, keeping the last good entry', () => {
    const dir = new AgencyDirectory();
    expect(dir.apply(null)).toMatchObject({ applied: false, reason: 'entry is not an object' });
    expect(dir.apply({ agency: { code: 'H41' }, keys: [] })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.code/) });
    const a = testAgency(P);
    const bad = (patch: object, keys: unknown = a.entry.keys) => dir.apply({ agency: { ...a.entry.agency, ...patch }, keys });
    expect(bad({ tier: 'galaxy' })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.tier/) });
    expect(bad({ status: 'gone' })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.status/) });
    expect(bad({ parentCode: 'H41' })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.parentCode/) });
    expect(bad({ successorCode: 'x' })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.successorCode/) });
    expect(bad({ version: '2' })).toMatchObject({ applied: false, reason: 'agency.version is not a number' });
    expect(bad({}, {})).toMatchObject({ applied: false, reason: 'keys is not an array' });
    expect(bad({}, [{ ...a.entry.keys[0]!, alg: 'RS256' }])).toMatchObject({ applied: false, reason: expect.stringMatching(/has alg "RS256"/) });
    expect(bad({}, [{ ...a.entry.keys[0]!, notBefore: 'soon' }])).toMatchObject({ applied: false, reason: expect.stringMatching(/notBefore/) });
    expect(bad({}, [{ ...a.entry.keys[0]!, revokedAt: 'never' }])).toMatchObject({ applied: false, reason: expect.stringMatching(/revokedAt/) });
    expect(dir.size).toBe(0);

    const other = testAgency('000.00.00.G12');
    expect(dir.apply({ ...a.entry, keys: [...a.entry.keys, ...other.entry.keys] })).toEqual({ applied: true });
    expect(dir.key(other.kid)).toBeUndefined();
    expect(dir.kidsOf(P)).toEqual([a.kid]);
    // a malformed update leaves the agency as it was
    expect(bad({ version: 2, status: 'nope' }).applied).toBe(false);
    expect(dir.agency(P)).toMatchObject({ status: 'active', version: 1 });
    expect(dir.key(a.kid)).toBeDefined();

    // a JWK that cannot be imported leaves a key that verifies nothing, and says why
    const broken = testAgency('000.00.00.H49');
    dir.apply({ ...broken.entry, keys: [{ ...broken.entry.keys[0]!, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }] });
    expect(dir.key(broken.kid)!.key).toBeNull();
    expect(dir.key(broken.kid)!.importError).toMatch(/jwk/i);
  });

  describe('applyKv (what the KV feed calls)', () => {
    it('stores an entry under its own KV key and removes it on a deletion', () => {
      const dir = new AgencyDirectory();
      const a = testAgency(P);
      expect(dir.applyKv(kvKey(P), a.entry)).toEqual({ applied: true });
      expect(dir.agency(P)?.code).toBe(P);
      expect(dir.applyKv(kvKey(P), null)).toEqual({ applied: true });
      expect(dir.has(P)).toBe(false);
      expect(dir.key(a.kid)).toBeUndefined();
      // deleting what is not held is fine
      expect(dir.applyKv(kvKey(P), undefined)).toEqual({ applied: true });
    });

    it('refuses an entry naming another agency than its key, and keys that are not agency codes', () => {
      const dir = new AgencyDirectory();
      const a = testAgency(P);
      expect(dir.applyKv(kvKey(C), a.entry)).toMatchObject({ applied: false, reason: expect.stringMatching(/not the agency of KV key/) });
      expect(dir.has(P) || dir.has(C)).toBe(false);
      expect(dir.applyKv('H41.00.00', a.entry)).toMatchObject({ applied: false, reason: expect.stringMatching(/not an agency code/) });
      expect(dir.applyKv(kvKey(P), { agency: { code: P } })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.tier/) });
    });

    it('ignores hub-internal keys other than the hub keys', () => {
      const dir = new AgencyDirectory();
      expect(dir.applyKv('_hub.other', { anything: 1 })).toMatchObject({ applied: false, ignored: true });
      expect(dir.size).toBe(0);
    });

    it('holds the hub keys, replaces the list on each update and clears it on deletion', () => {
      const dir = new AgencyDirectory();
      const k1 = { kid: 'hub#h1', alg: 'EdDSA' as const, publicJwk: testPublicJwk() };
      const k2 = { kid: 'hub#h2', alg: 'EdDSA' as const, publicJwk: testPublicJwk() };
      expect(dir.applyKv(HUB_KEYS_KV_KEY, { keys: [k1] })).toEqual({ applied: true });
      const first = dir.hubKey('hub#h1')!;
      expect(first).toMatchObject({ kid: 'hub#h1', alg: 'EdDSA', importError: null });
      expect(first.key).not.toBeNull();
      dir.applyKv(HUB_KEYS_KV_KEY, { keys: [k1, k2] });
      expect(dir.hubKids()).toEqual(['hub#h1', 'hub#h2']);
      // same material: the imported key is kept
      expect(dir.hubKey('hub#h1')!.key).toBe(first.key);
      dir.applyKv(HUB_KEYS_KV_KEY, { keys: [k2] });
      expect(dir.hubKids()).toEqual(['hub#h2']);
      expect(dir.applyKv(HUB_KEYS_KV_KEY, null)).toEqual({ applied: true });
      expect(dir.hubKids()).toEqual([]);
    });

    it('keeps only envelope hub keys (active and retired) and keys listed before the split by purpose', () => {
      const dir = new AgencyDirectory();
      const key = (kid: string, extra: object) => ({ kid, alg: 'EdDSA' as const, publicJwk: testPublicJwk(), ...extra });
      dir.applyKv(HUB_KEYS_KV_KEY, {
        keys: [
          key('hub#token-1', { purpose: 'token', status: 'active' }),
          key('hub#envelope-1', { purpose: 'envelope', status: 'active' }),
          key('hub#envelope-0', { purpose: 'envelope', status: 'retired', notAfter: '2025-01-01T00:00:00.000Z' }),
          key('hub#checkpoint-1', { purpose: 'checkpoint', status: 'active' }),
          key('hub#hub-20240101', {}),
        ],
      });
      expect(dir.hubKids()).toEqual(['hub#envelope-1', 'hub#envelope-0', 'hub#hub-20240101']);
      expect(dir.hubKey('hub#token-1')).toBeUndefined();
      expect(dir.hubKey('hub#checkpoint-1')).toBeUndefined();
    });

    it('refuses a malformed hub keys value and keeps the list held', () => {
      const dir = new AgencyDirectory();
      const k1 = { kid: 'hub#h1', alg: 'EdDSA' as const, publicJwk: testPublicJwk() };
      dir.applyHubKeys({ keys: [k1] });
      expect(dir.applyKv(HUB_KEYS_KV_KEY, { keys: 'none' })).toMatchObject({ applied: false, reason: expect.stringMatching(/keys must be an array/) });
      expect(dir.applyKv(HUB_KEYS_KV_KEY, { keys: [{ ...k1, kid: '000.00.00.H41#k1' }] })).toMatchObject({
        applied: false,
        reason: expect.stringMatching(/each key needs kid "hub#<id>"/),
      });
      expect(dir.applyKv(HUB_KEYS_KV_KEY, { keys: [{ ...k1, publicJwk: null }] }).applied).toBe(false);
      expect(dir.hubKids()).toEqual(['hub#h1']);
      // an unusable hub JWK is held but verifies nothing
      dir.applyHubKeys({ keys: [{ ...k1, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }] });
      expect(dir.hubKey('hub#h1')).toMatchObject({ key: null, importError: expect.stringMatching(/jwk/i) });
    });
  });
});
