import { testAgency } from '../testing/fixtures';
import { Directory } from './directory';

describe('Directory', () => {
  it('holds agencies, keys (imported once) and the children index', () => {
    const dir = new Directory();
    const parent = testAgency({ code: '000.00.00.H41' });
    const child = testAgency({ code: '000.00.05.H41', parentCode: '000.00.00.H41' });
    expect(dir.apply(parent.entry)).toEqual({ applied: true });
    expect(dir.apply(child.entry)).toEqual({ applied: true });
    expect(dir.agency(child.code)).toMatchObject({ code: child.code, parentCode: parent.code, status: 'active' });
    expect(dir.children(parent.code).map((a) => a.code)).toEqual([child.code]);
    const key = dir.key(child.kid)!;
    expect(key).toMatchObject({ kid: child.kid, agencyCode: child.code, alg: 'EdDSA', revokedAtMs: null });
    expect(key.key).not.toBeNull();

    // an update of the same agency reuses the imported key object
    const updated = { ...child.entry, agency: { ...child.entry.agency, version: 2, status: 'suspended' as const } };
    expect(dir.apply(updated)).toEqual({ applied: true });
    expect(dir.key(child.kid)!.key).toBe(key.key);
    expect(dir.agency(child.code)!.status).toBe('suspended');
  });

  it('ignores an older version than the one held', () => {
    const dir = new Directory();
    const a = testAgency({ code: '000.00.00.H41', version: 3 });
    dir.apply(a.entry);
    const stale = { ...a.entry, agency: { ...a.entry.agency, version: 2, status: 'closed' as const } };
    expect(dir.apply(stale)).toMatchObject({ applied: false, reason: expect.stringMatching(/stale version/) });
    expect(dir.agency(a.code)!.status).toBe('active');
  });

  it('moves an agency in the children index when its parent changes, and forgets removed agencies and keys', () => {
    const dir = new Directory();
    const child = testAgency({ code: '000.00.05.H41', parentCode: '000.00.00.H41' });
    dir.apply(child.entry);
    dir.apply({ ...child.entry, agency: { ...child.entry.agency, parentCode: '000.00.00.H49', version: 2 } });
    expect(dir.children('000.00.00.H41')).toEqual([]);
    expect(dir.children('000.00.00.H49').map((a) => a.code)).toEqual([child.code]);
    // a key the registry stops mirroring is gone
    dir.apply({ ...child.entry, agency: { ...child.entry.agency, version: 3 }, keys: [] });
    expect(dir.key(child.kid)).toBeUndefined();
    dir.remove(child.code);
    expect(dir.agency(child.code)).toBeUndefined();
    expect(dir.children('000.00.00.H49')).toEqual([]);
  });

  it('skips malformed entries and keys that name another agency', () => {
    const dir = new Directory();
    expect(dir.apply(null).applied).toBe(false);
    expect(dir.apply({ agency: { code: 'H41' }, keys: [] })).toMatchObject({ applied: false, reason: expect.stringMatching(/agency.code/) });
    const a = testAgency({ code: '000.00.00.H41' });
    const other = testAgency({ code: '000.00.00.G12' });
    expect(dir.apply({ ...a.entry, keys: [...a.entry.keys, ...other.entry.keys] })).toEqual({ applied: true });
    expect(dir.key(other.kid)).toBeUndefined();
    // a JWK that cannot be imported leaves a key that verifies nothing
    const broken = testAgency({ code: '000.00.00.H49' });
    dir.apply({ ...broken.entry, keys: [{ ...broken.entry.keys[0]!, publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }] });
    expect(dir.key(broken.kid)!.key).toBeNull();
  });
});
