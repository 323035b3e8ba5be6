import { publicJwk } from '../testing/registry-test-kit';
import { parseAddKeyInput, parsePublicJwk } from './key-rules';

describe('public JWK validation', () => {
  it('accepts an Ed25519 key for EdDSA and an EC P-256 key for ES256, keeping only public members', () => {
    const ed = parsePublicJwk('EdDSA', { ...publicJwk('EdDSA'), kid: 'x', use: 'sig' });
    expect(Object.keys(ed).sort()).toEqual(['crv', 'kty', 'x']);
    const ec = parsePublicJwk('ES256', publicJwk('ES256'));
    expect(Object.keys(ec).sort()).toEqual(['crv', 'kty', 'x', 'y']);
  });

  it.each([
    ['EdDSA', () => publicJwk('ES256'), 'publicJwk.kty'],
    ['ES256', () => publicJwk('EdDSA'), 'publicJwk.kty'],
    ['EdDSA', () => ({ ...publicJwk('EdDSA'), crv: 'Ed448' }), 'publicJwk.crv'],
    ['EdDSA', () => ({ ...publicJwk('EdDSA'), x: 'AAAA' }), 'publicJwk.x'],
    ['ES256', () => ({ ...publicJwk('ES256'), y: undefined }), 'publicJwk.y'],
    ['EdDSA', () => ({ ...publicJwk('EdDSA'), d: 'secret' }), 'publicJwk'],
  ] as const)('refuses a wrong %s key with VALIDATION_FAILED on %s', (alg, jwk, field) => {
    expect(() => parsePublicJwk(alg, jwk())).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: expect.objectContaining({ field }) }));
  });

  it('refuses a private key with a message saying so', () => {
    expect(() => parsePublicJwk('EdDSA', { ...publicJwk('EdDSA'), d: 'x' })).toThrow(/private key/);
  });

  it('checks key id, algorithm and times', () => {
    const jwk = publicJwk('EdDSA');
    expect(parseAddKeyInput({ keyId: 'k1.2026~a', alg: 'EdDSA', publicJwk: jwk }).keyId).toBe('k1.2026~a');
    expect(() => parseAddKeyInput({ keyId: 'bad id', alg: 'EdDSA', publicJwk: jwk })).toThrow(expect.objectContaining({ code: 'VALIDATION_FAILED', details: { field: 'keyId' } }));
    expect(() => parseAddKeyInput({ keyId: 'k1', alg: 'RS256', publicJwk: jwk })).toThrow(expect.objectContaining({ details: { field: 'alg' } }));
    expect(() => parseAddKeyInput({ keyId: 'k1', alg: 'EdDSA', publicJwk: jwk, notAfter: 'tomorrow' })).toThrow(expect.objectContaining({ details: { field: 'notAfter' } }));
  });
});
