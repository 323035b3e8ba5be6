import * as fc from 'fast-check';
import { LtError } from '../errors';
import { LIMITS } from '../envelope/envelope';
import { parseJsonBytes } from './safe-json';

function refusal(input: Uint8Array | string, opts?: Parameters<typeof parseJsonBytes>[1]): LtError {
  try {
    parseJsonBytes(input, opts);
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error('expected the input to be refused');
}

const utf8 = (s: string) => new TextEncoder().encode(s);

describe('parseJsonBytes', () => {
  it('parses bytes and strings alike, Vietnamese text included', () => {
    const text = '{"subject":"Về việc triển khai Đề án 06","n":[1,2.5,-0,null,true],"o":{}}';
    const expected = { subject: 'Về việc triển khai Đề án 06', n: [1, 2.5, -0, null, true], o: {} };
    expect(parseJsonBytes(text)).toEqual(expected);
    expect(parseJsonBytes(utf8(text))).toEqual(expected);
    expect(parseJsonBytes(Buffer.from(text))).toEqual(expected);
    // a view into a larger buffer: only the viewed bytes count
    const big = utf8(`xxxx${text}yyyy`);
    expect(parseJsonBytes(big.subarray(4, big.length - 4))).toEqual(expected);
    expect(parseJsonBytes('"just a string"')).toBe('just a string');
  });

  describe('size', () => {
    it('refuses more than LIMITS.maxMessageBytes by default', () => {
      const body = `"${'a'.repeat(LIMITS.maxMessageBytes - 1)}"`;
      expect(() => parseJsonBytes(body)).toThrow(expect.objectContaining({ code: 'PAYLOAD_TOO_LARGE' }));
      expect(refusal(utf8(body)).details).toEqual({ size: LIMITS.maxMessageBytes + 1, limit: LIMITS.maxMessageBytes });
      expect(parseJsonBytes(`"${'a'.repeat(LIMITS.maxMessageBytes - 2)}"`)).toHaveLength(LIMITS.maxMessageBytes - 2);
    });

    it('counts UTF-8 bytes, not UTF-16 units, for string input', () => {
      // "ệ" is 3 bytes in UTF-8: 10 of them plus quotes = 32 bytes, 12 UTF-16 units
      const text = `"${'ệ'.repeat(10)}"`;
      expect(parseJsonBytes(text, { maxBytes: 32 })).toBe('ệ'.repeat(10));
      const err = refusal(text, { maxBytes: 31 });
      expect(err.code).toBe('PAYLOAD_TOO_LARGE');
      expect(err.details).toEqual({ size: 32, limit: 31 });
      expect(err.httpStatus).toBe(413);
    });
  });

  describe('malformed input', () => {
    it.each([
      ['{"a":', 5],
      ['{', 1],
      ['{"a" 1}', 5],
      ['{} x', 3],
      ['"abc', 4],
      ['', 0],
      ['{"a":"\u0001"}', 6],
    ])('%j is MALFORMED_JSON at position %i', (text, position) => {
      const err = refusal(text);
      expect(err.code).toBe('MALFORMED_JSON');
      expect(err.details?.position).toBe(position);
      expect(err.message).toContain(`at position ${position}`);
    });

    it('keeps untrusted input out of the message when V8 echoes it', () => {
      const err = refusal('{"secret-ish":}');
      expect(err.code).toBe('MALFORMED_JSON');
      expect(err.message).not.toContain('secret-ish');
      expect(err.details).toEqual({ reason: 'syntax' });
    });

    it('refuses invalid UTF-8 rather than replacing it', () => {
      const bytes = new Uint8Array([0x22, 0xc3, 0x28, 0x22]); // '"', broken 2-byte sequence, '"'
      const err = refusal(bytes);
      expect(err.code).toBe('MALFORMED_JSON');
      expect(err.details?.reason).toBe('utf8');
    });

    it('refuses a byte order mark', () => {
      const err = refusal(new Uint8Array([0xef, 0xbb, 0xbf, 0x7b, 0x7d]));
      expect(err.code).toBe('MALFORMED_JSON');
      expect(err.details?.position).toBe(0);
      expect(err.message).toMatch(/byte order mark/);
      expect(refusal('\ufeff{}').code).toBe('MALFORMED_JSON');
    });
  });

  describe('depth', () => {
    const nested = (depth: number) => '['.repeat(depth) + ']'.repeat(depth);

    it('accepts exactly LIMITS.maxJsonDepth levels and refuses one more', () => {
      expect(() => parseJsonBytes(nested(LIMITS.maxJsonDepth))).not.toThrow();
      const err = refusal(nested(LIMITS.maxJsonDepth + 1));
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.details).toMatchObject({ reason: 'depth', limit: LIMITS.maxJsonDepth, position: LIMITS.maxJsonDepth });
    });

    it('counts objects and arrays together and honours maxDepth', () => {
      expect(parseJsonBytes('{"a":[{"b":1}]}', { maxDepth: 3 })).toEqual({ a: [{ b: 1 }] });
      expect(refusal('{"a":[{"b":[]}]}', { maxDepth: 3 }).code).toBe('SCHEMA_INVALID');
    });

    it('ignores brackets inside strings, escaped quotes included', () => {
      const text = JSON.stringify({ s: '[[[[{{{{ \\" "[[[[' + '['.repeat(100) });
      expect(parseJsonBytes(text, { maxDepth: 1 })).toEqual(JSON.parse(text));
    });

    it('does not blow the stack on a megabyte of brackets', () => {
      const deep = '['.repeat(LIMITS.maxMessageBytes - 10);
      expect(refusal(deep).code).toBe('SCHEMA_INVALID');
      const deepInString = `"${'['.repeat(500_000)}"`;
      expect(parseJsonBytes(deepInString)).toHaveLength(500_000);
    });
  });

  describe('prototype pollution', () => {
    it.each([
      ['{"__proto__":{"admin":true}}', '__proto__'],
      ['{"a":{"constructor":{"prototype":{"x":1}}}}', 'a.constructor'],
      ['{"list":[1,{"__proto__":null}]}', 'list[1].__proto__'],
      ['{"\\u005f_proto__":{}}', '__proto__'],
      ['{"\\u0063onstructor":1}', 'constructor'],
      ['{"a":[{"\\u005F\\u005Fproto__":1}]}', 'a[0].__proto__'],
      ['[{"ok":1},{"x":{"__proto__":1}}]', '[1].x.__proto__'],
    ])('%s is refused at %s', (text, field) => {
      const err = refusal(text);
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.details).toEqual({ field, reason: 'forbidden_key' });
      expect(({} as Record<string, unknown>).admin).toBeUndefined();
    });

    it('allows the words as values and as parts of longer keys', () => {
      expect(parseJsonBytes('{"note":"__proto__ constructor","constructorName":"x","my__proto__":1}')).toEqual({
        note: '__proto__ constructor',
        constructorName: 'x',
        my__proto__: 1,
      });
    });
  });

  describe('duplicate keys', () => {
    it.each([
      ['{"alg":"EdDSA","alg":"none"}', 'alg', 'alg'],
      ['{"a":1,"b":{"x":1,"y":2,"x":3}}', 'b.x', 'x'],
      ['{"to":["A",{"childrenOf":"B","tier":"x","tier":"y"}]}', 'to[1].tier', 'tier'],
      ['[{"ok":1},{"ok":2},{"id":1,"id":1}]', '[2].id', 'id'],
      // the same key spelled with an escape is the same key
      ['{"from":"A","fr\\u006fm":"B"}', 'from', 'from'],
      ['{"a b":1,"a b":2}', '"a b"', 'a b'],
      // colons and quotes inside strings do not confuse the count
      ['{"s":"x:\\"y\\":z","n":{"k":"a:b","k":"c"}}', 'n.k', 'k'],
    ])('%s is refused at %s', (text, field, key) => {
      const err = refusal(text);
      expect(err.code).toBe('SCHEMA_INVALID');
      expect(err.details).toEqual({ field, reason: 'duplicate_key' });
      expect(err.message).toContain(JSON.stringify(key));
    });

    it('refuses duplicate keys in bytes as in strings', () => {
      expect(refusal(utf8('{"id":"1","id":"2"}')).details).toEqual({ field: 'id', reason: 'duplicate_key' });
    });

    it('accepts the same key in different objects and colons inside strings', () => {
      const text = '{"a":{"k":1},"b":{"k":2},"c":[{"k":3},{"k":4}],"t":"12:00:00","e":{}}';
      expect(parseJsonBytes(text)).toEqual({ a: { k: 1 }, b: { k: 2 }, c: [{ k: 3 }, { k: 4 }], t: '12:00:00', e: {} });
    });

    it('counts a colon spelled \\u003a like any other, in keys and values', () => {
      expect(parseJsonBytes('{"t":"12\\u003a00","k\\u003a":1,"k;":{"a":"b"}}')).toEqual({ t: '12:00', 'k:': 1, 'k;': { a: 'b' } });
      expect(refusal('{"t":"\\u003a","k:":1,"k\\u003a":2}').details).toEqual({ field: '"k:"', reason: 'duplicate_key' });
      expect(refusal('{"a":"x:y","a":"\\u003a"}').details).toEqual({ field: 'a', reason: 'duplicate_key' });
    });

    it('refuses a text exactly when one of its objects repeats a key, however it is spelled and spaced', () => {
      // objects as member lists, so that a key can be written twice; keys and strings made of
      // the characters that matter to a scanner: colons, quotes, backslashes, non-ASCII
      type Node = string | number | Node[] | { members: Array<[string, Node]> };
      const text = (unit: string[], maxLength: number) => fc.string({ unit: fc.constantFrom(...unit), maxLength });
      const key = text(['a', 'b', ':', '"', '\\', 'ệ'], 3);
      const { node } = fc.letrec<{ node: Node }>((tie) => ({
        node: fc.oneof(
          { maxDepth: 4 },
          text(['x', ':', '"', '\\', ' '], 4),
          fc.integer(),
          fc.array(tie('node'), { maxLength: 3 }),
          fc.record({ members: fc.array(fc.tuple(key, tie('node')), { maxLength: 4 }) }),
        ),
      }));
      // escape: 0 none, 1 every string as \\uXXXX, 2 every other string; ws between tokens
      const write = (n: Node, escape: number, ws: string, counter = { i: 0 }): string => {
        const str = (s: string) =>
          escape === 1 || (escape === 2 && counter.i++ % 2 === 0)
            ? `"${[...s].map((c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`).join('')}"`
            : JSON.stringify(s);
        if (typeof n === 'string') return str(n);
        if (typeof n === 'number') return String(n);
        if (Array.isArray(n)) return `[${n.map((x) => write(x, escape, ws, counter)).join(`,${ws}`)}]`;
        return `{${ws}${n.members.map(([k, v]) => `${str(k)}${ws}:${ws}${write(v, escape, ws, counter)}`).join(`${ws},`)}${ws}}`;
      };
      const repeats = (n: Node): boolean => {
        if (typeof n !== 'object') return false;
        if (Array.isArray(n)) return n.some(repeats);
        const keys = n.members.map(([k]) => k);
        return new Set(keys).size < keys.length || n.members.some(([, v]) => repeats(v));
      };
      fc.assert(
        fc.property(node, fc.constantFrom(0, 1, 2), fc.constantFrom('', ' ', '\n  '), (n, escape, ws) => {
          const t = write(n, escape, ws);
          if (repeats(n)) {
            expect([refusal(t).code, refusal(t).details?.reason]).toEqual(['SCHEMA_INVALID', 'duplicate_key']);
          } else {
            expect(parseJsonBytes(t)).toEqual(JSON.parse(t));
          }
        }),
        { numRuns: 3000 },
      );
    });

    it('finds a repeated key wherever a property puts it', () => {
      fc.assert(
        fc.property(fc.dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 3 }), { minKeys: 1 }), fc.nat(), (obj, pick) => {
          const keys = Object.keys(obj);
          const dup = keys[pick % keys.length]!;
          // the object's JSON with one member written twice
          const text = `{${JSON.stringify(dup)}:0,${JSON.stringify(obj).slice(1)}`;
          const err = refusal(`{"wrapper":[${text}]}`);
          expect([err.code, err.details?.reason]).toEqual(['SCHEMA_INVALID', 'duplicate_key']);
        }),
      );
    });
  });

  describe('properties', () => {
    it('round-trips any JSON value that fits the limits', () => {
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 10 }), (value) => {
          const text = JSON.stringify(value);
          if (/"(__proto__|constructor)":/.test(text)) return;
          expect(parseJsonBytes(text)).toEqual(JSON.parse(text));
          expect(parseJsonBytes(utf8(text))).toEqual(JSON.parse(text));
        }),
      );
    });

    it('throws only LtError on arbitrary strings and bytes', () => {
      const codes = ['MALFORMED_JSON', 'SCHEMA_INVALID', 'PAYLOAD_TOO_LARGE'];
      fc.assert(
        fc.property(
          fc.oneof(
            fc.string({ unit: 'binary' }),
            fc.string({ unit: fc.constantFrom(...'[]{}",:\\ 0a\u0000'), maxLength: 80 }),
            fc.uint8Array({ maxLength: 64 }),
          ),
          fc.integer({ min: 1, max: 8 }),
          (input, maxDepth) => {
            try {
              parseJsonBytes(input, { maxDepth, maxBytes: 60 });
            } catch (e) {
              expect(e).toBeInstanceOf(LtError);
              expect(codes).toContain((e as LtError).code);
            }
          },
        ),
        { numRuns: 2000 },
      );
    });

    it('refuses exactly the values nested deeper than maxDepth', () => {
      const depthOf = (v: unknown): number =>
        v !== null && typeof v === 'object' ? 1 + Math.max(0, ...Object.values(v as object).map(depthOf)) : 0;
      fc.assert(
        fc.property(fc.jsonValue({ maxDepth: 8 }), fc.integer({ min: 1, max: 8 }), (value, maxDepth) => {
          const text = JSON.stringify(value);
          if (/"(__proto__|constructor)":/.test(text)) return;
          const deep = depthOf(value) > maxDepth;
          let refused = false;
          try {
            parseJsonBytes(text, { maxDepth });
          } catch (e) {
            refused = (e as LtError).code === 'SCHEMA_INVALID';
          }
          expect(refused).toBe(deep);
        }),
      );
    });
  });
});
