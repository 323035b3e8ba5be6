import { decodeJws, importPublicKey, signEnvelope, verifyDecoded } from '@lt/crypto';
import { agencyEntryProblem } from '../entry-check';
import { testAgency, testAgencyEntry, withAgency } from './agency-entries';

const H41 = '000.00.00.H41';

describe('test agency entries', () => {
  it('builds an active province entry without keys unless given a public JWK', () => {
    const entry = testAgencyEntry(H41);
    expect(entry).toEqual({
      agency: {
        code: H41,
        name: `Agency ${H41}`,
        tier: 'province',
        parentCode: null,
        status: 'active',
        successorCode: null,
        validFrom: '2020-01-01T00:00:00.000Z',
        validTo: null,
        version: 1,
      },
      keys: [],
    });
    expect(agencyEntryProblem(entry)).toBeNull();
  });

  it('publishes the given key under <code>#<keyId> with its validity window', () => {
    const jwk = testAgency(H41).key.publicJwk;
    const entry = testAgencyEntry(H41, {
      name: 'UBND',
      tier: 'district',
      parentCode: '000.00.00.H40',
      keyId: 'k7',
      publicJwk: jwk,
      revokedAt: '2026-01-01T00:00:00.000Z',
    });
    expect(entry.agency).toMatchObject({ name: 'UBND', tier: 'district', parentCode: '000.00.00.H40' });
    expect(entry.keys).toEqual([
      {
        kid: `${H41}#k7`,
        keyId: 'k7',
        alg: 'EdDSA',
        publicJwk: jwk,
        notBefore: '2020-01-01T00:00:00.000Z',
        notAfter: null,
        revokedAt: '2026-01-01T00:00:00.000Z',
      },
    ]);
    expect(agencyEntryProblem(entry)).toBeNull();
  });

  it('gives a test agency a fresh key whose signatures verify with the key its entry publishes', () => {
    const a = testAgency(H41, { keyId: 'k2', status: 'suspended' });
    const b = testAgency(H41, { keyId: 'k2' });
    expect(a.kid).toBe(`${H41}#k2`);
    expect(a.entry.keys[0]).toMatchObject({ kid: a.kid, keyId: 'k2', publicJwk: a.key.publicJwk });
    expect(a.entry.agency.status).toBe('suspended');
    expect(b.key.publicJwk).not.toEqual(a.key.publicJwk);
    const jws = decodeJws(signEnvelope({ id: 'x' }, a.signingKey, a.kid));
    expect(verifyDecoded(jws, importPublicKey(a.entry.keys[0]!.publicJwk, 'EdDSA'))).toBe(true);
    expect(verifyDecoded(jws, importPublicKey(b.entry.keys[0]!.publicJwk, 'EdDSA'))).toBe(false);
  });

  it('replaces agency fields and keeps the keys', () => {
    const a = testAgency(H41);
    const changed = withAgency(a.entry, { version: 2, status: 'closed' });
    expect(changed.agency).toMatchObject({ code: H41, version: 2, status: 'closed' });
    expect(changed.keys).toBe(a.entry.keys);
  });
});
