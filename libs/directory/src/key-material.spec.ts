import * as crypto from '@lt/crypto';
import { AgencyDirectory } from './agency-directory';
import { testAgency, testPublicJwk, withAgency } from './testing/agency-entries';

// count the imports: the directory promises one per key material, at a time that depends on the mode
jest.mock('@lt/crypto', () => {
  const actual = jest.requireActual('@lt/crypto');
  return { ...actual, importPublicKey: jest.fn(actual.importPublicKey) };
});
const importPublicKey = crypto.importPublicKey as jest.MockedFunction<typeof crypto.importPublicKey>;

const P = '000.00.00.H41';

beforeEach(() => importPublicKey.mockClear());

describe('key import', () => {
  it("'on-arrival' (default) imports when the entry arrives, once, and never on lookup", () => {
    const dir = new AgencyDirectory();
    const a = testAgency(P);
    dir.apply(a.entry);
    dir.applyHubKeys({ keys: [{ kid: 'hub#h1', alg: 'EdDSA', publicJwk: testPublicJwk() }] });
    expect(importPublicKey).toHaveBeenCalledTimes(2);
    for (let i = 0; i < 3; i++) {
      expect(dir.key(a.kid)!.key).not.toBeNull();
      expect(dir.hubKey('hub#h1')!.key).not.toBeNull();
    }
    dir.apply(withAgency(a.entry, { version: 2 }));
    expect(importPublicKey).toHaveBeenCalledTimes(2);
    dir.apply({ ...withAgency(a.entry, { version: 3 }), keys: [{ ...a.entry.keys[0]!, publicJwk: testPublicJwk() }] });
    expect(importPublicKey).toHaveBeenCalledTimes(3);
  });

  it("'on-first-use' imports the first time a key is read, once, a failure included", () => {
    const dir = new AgencyDirectory({ importKeys: 'on-first-use' });
    const a = testAgency(P);
    dir.apply(a.entry);
    dir.applyHubKeys({ keys: [{ kid: 'hub#h1', alg: 'EdDSA', publicJwk: { kty: 'OKP', crv: 'Ed25519', x: 'short' } }] });
    expect(importPublicKey).not.toHaveBeenCalled();
    expect(dir.key(a.kid)!.key).not.toBeNull();
    expect(dir.key(a.kid)!.key).not.toBeNull();
    expect(importPublicKey).toHaveBeenCalledTimes(1);
    // an update with the same material keeps the import
    dir.apply(withAgency(a.entry, { version: 2 }));
    expect(dir.key(a.kid)!.importError).toBeNull();
    expect(importPublicKey).toHaveBeenCalledTimes(1);
    expect(dir.hubKey('hub#h1')!.key).toBeNull();
    expect(dir.hubKey('hub#h1')!.importError).not.toBeNull();
    expect(importPublicKey).toHaveBeenCalledTimes(2);
  });
});
