import { base64urlDecode, base64urlEncode, base64urlProblem, isBase64url } from './base64url';
import { canonicalJson, sha256Hex } from './hash';
import { catchLtError } from './test-helpers';

describe('base64url', () => {
  it('round-trips bytes of every length without padding', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = Buffer.from(Array.from({ length: n }, (_, i) => (i * 37 + n) & 0xff));
      const enc = base64urlEncode(bytes);
      expect(enc).not.toMatch(/[=+/]/);
      expect(base64urlDecode(enc).equals(bytes)).toBe(true);
    }
  });

  it('encodes strings as UTF-8 and respects subarray views', () => {
    expect(base64urlEncode('Hà Nội')).toBe(Buffer.from('Hà Nội').toString('base64url'));
    const big = Buffer.from('xxhelloxx');
    expect(base64urlEncode(big.subarray(2, 7))).toBe(base64urlEncode('hello'));
  });

  it('refuses padding, standard-alphabet characters, impossible lengths and non-canonical tails', () => {
    expect(base64urlProblem('aGk=')).toMatch(/alphabet/);
    expect(base64urlProblem('a+b/')).toMatch(/alphabet/);
    expect(base64urlProblem('abcde')).toMatch(/length/);
    expect(base64urlProblem('aGk')).toBeNull(); // "hi"
    expect(base64urlProblem('aGl')).toMatch(/canonical/); // decodes to "hi" too, with stray bits
    expect(base64urlProblem('YQ')).toBeNull(); // "a"
    expect(base64urlProblem('YR')).toMatch(/canonical/);
    expect(isBase64url('aGk')).toBe(true);
    expect(isBase64url(42)).toBe(false);
    const err = catchLtError(() => base64urlDecode('a b', 'signature'), 'SCHEMA_INVALID');
    expect(err.message).toContain('signature');
    catchLtError(() => base64urlDecode(undefined, 'payload'), 'SCHEMA_INVALID');
  });
});

describe('sha256Hex', () => {
  it('matches the known digest of "abc" for strings and bytes', () => {
    const abc = 'ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad';
    expect(sha256Hex('abc')).toBe(abc);
    expect(sha256Hex(Buffer.from('abc'))).toBe(abc);
  });
});

describe('canonicalJson', () => {
  it('sorts keys recursively and drops whitespace', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: 2 }], c: null } })).toBe('{"a":{"c":null,"d":[3,{"y":2,"z":1}]},"b":1}');
  });

  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ x: 1, y: 'é', z: [true] })).toBe(canonicalJson({ z: [true], y: 'é', x: 1 }));
  });

  it('orders keys by UTF-16 code units as RFC 8785 does', () => {
    // RFC 8785 3.2.3 example keys
    const keys = ['\u20ac', '\r', '\ufb33', '1', '\ud83d\ude00', '\u0080', '\u00f6'];
    const obj = Object.fromEntries(keys.map((k, i) => [k, i]));
    // compare the text itself: Object.keys would move the integer-like key "1" first
    const expected = ['\r', '1', '\u0080', '\u00f6', '\u20ac', '\ud83d\ude00', '\ufb33'];
    expect(canonicalJson(obj)).toBe(`{${expected.map((k) => `${JSON.stringify(k)}:${keys.indexOf(k)}`).join(',')}}`);
  });

  it('writes numbers as ECMAScript does (RFC 8785 number form)', () => {
    expect(canonicalJson([1e21, 0.000001, 1e-7, -0, 4.5, 333333333.3333333])).toBe('[1e+21,0.000001,1e-7,0,4.5,333333333.3333333]');
  });

  it('omits undefined members, uses toJSON, and refuses what JSON cannot carry', () => {
    expect(canonicalJson({ a: undefined, b: new Date(0) })).toBe('{"b":"1970-01-01T00:00:00.000Z"}');
    expect(catchLtError(() => canonicalJson({ n: NaN }), 'VALIDATION_FAILED').message).toContain('$.n');
    catchLtError(() => canonicalJson({ n: Infinity }), 'VALIDATION_FAILED');
    catchLtError(() => canonicalJson({ n: 1n }), 'VALIDATION_FAILED');
    catchLtError(() => canonicalJson([undefined]), 'VALIDATION_FAILED');
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(catchLtError(() => canonicalJson(cyclic), 'VALIDATION_FAILED').message).toMatch(/cyclic/);
  });

  it('allows the same object twice when it is not a cycle', () => {
    const shared = { k: 1 };
    expect(canonicalJson({ a: shared, b: shared })).toBe('{"a":{"k":1},"b":{"k":1}}');
  });
});
