import * as fc from 'fast-check';
import { LtError } from '../errors';
import {
  agencyLevel,
  codeToSubjectTokens,
  formatAgencyCode,
  GROUP_LETTERS,
  isAgencyCode,
  level1Unit,
  parseAgencyCode,
  structuralAncestors,
  structuralParent,
  subjectTokensToCode,
  subtreeSubjectTokens,
  tryParseAgencyCode,
} from './agency-code';
import { parseSelector, parseSelectors, selectorToWire } from './selectors';

const L1 = 'level-1 unit (AXX)';
const L2 = 'level-2 unit (BB)';
const L3 = 'level-3 unit (CC)';
const L4 = 'level-4 unit (DDD)';

function rejection(input: unknown): LtError {
  try {
    parseAgencyCode(input);
  } catch (e) {
    expect(e).toBeInstanceOf(LtError);
    return e as LtError;
  }
  throw new Error(`expected ${JSON.stringify(input)} to be refused`);
}

describe('parseAgencyCode refuses malformed codes', () => {
  // [description, input, segment (undefined = none), reason]
  const cases: Array<[string, unknown, string | undefined, string]> = [
    ['empty', '', undefined, 'empty'],
    ['null', null, undefined, 'type'],
    ['undefined', undefined, undefined, 'type'],
    ['number', 41, undefined, 'type'],
    ['object', { code: '000.00.00.H41' }, undefined, 'type'],
    ['array', ['000.00.00.H41'], undefined, 'type'],
    ['leading space', ' 000.00.00.H41', undefined, 'whitespace'],
    ['trailing newline', '000.00.00.H41\n', undefined, 'whitespace'],
    ['trailing non-breaking space', '000.00.00.H41\u00a0', undefined, 'whitespace'],
    ['space inside level-2 unit', '000.00.0 .H41', L2, 'whitespace'],
    ['tab inside level-4 unit', '0\t0.00.00.H41', L4, 'whitespace'],
    ['lowercase group letter', '000.00.00.h41', L1, 'lowercase'],
    ['digit instead of group letter', '000.00.00.441', L1, 'not_letter'],
    ['symbol instead of group letter', '000.00.00.#41', L1, 'not_letter'],
    ['unknown group letter L', '000.00.00.L41', L1, 'unknown_group'],
    ['unknown group letter Z', '000.00.00.Z01', L1, 'unknown_group'],
    ['letter in level-1 digits', '000.00.00.H4I', L1, 'not_digit'],
    ['level-1 unit too short', '000.00.00.H4', L1, 'length'],
    ['level-1 unit too long', '000.00.00.H411', L1, 'length'],
    ['level-2 unit too long', '000.00.005.H41', L2, 'length'],
    ['level-3 unit too short', '000.1.05.H41', L3, 'length'],
    ['level-4 unit too short', '01.12.05.H41', L4, 'length'],
    ['empty level-3 unit', '000..05.H41', L3, 'length'],
    ['letter in level-2 unit', '000.00.O5.H41', L2, 'not_digit'],
    ['lowercase letter in level-3 unit', '000.l2.05.H41', L3, 'not_digit'],
    ['letter in level-4 unit', '00A.12.05.H41', L4, 'not_digit'],
    ['sign in level-4 unit', '-01.12.05.H41', L4, 'not_digit'],
    ['level-3 unit under a missing level-2 parent', '000.12.00.H41', L3, 'missing_parent'],
    ['level-4 unit under a missing level-3 parent', '001.00.05.H41', L4, 'missing_parent'],
    ['level-4 unit under two missing parents', '001.00.00.H41', L4, 'missing_parent'],
    ['Arabic-Indic digits', '٠٠٠.٠٠.٠٥.H41', L4, 'non_ascii'],
    ['fullwidth digit in level-2 unit', '000.00.０5.H41', L2, 'non_ascii'],
    ['Cyrillic Н for H', '000.00.00.Н41', L1, 'non_ascii'],
    ['Greek Alpha for A', '000.00.00.Α01', L1, 'non_ascii'],
    ['zero-width space', '000.00.\u200b00.H41', L2, 'non_ascii'],
    ['NUL byte', '000.00.00.H4\u0000', L1, 'non_ascii'],
    ['emoji', '000.00.00.H4😀', L1, 'non_ascii'],
    ['too few segments', '000.00.H41', undefined, 'segment_count'],
    ['too many segments', '000.00.00.00.H41', undefined, 'segment_count'],
    ['trailing dot', '000.00.00.H41.', undefined, 'segment_count'],
    ['comma separators', '000,00,00,H41', undefined, 'segment_count'],
    ['subject-token order (reversed)', 'H41.05.12.000', L1, 'not_letter'],
    ['non-ASCII with broken shape (no segment named)', '000.00.H４1', undefined, 'non_ascii'],
  ];

  it.each(cases)('%s: %j', (_label, input, segment, reason) => {
    const err = rejection(input);
    expect(err.code).toBe('INVALID_AGENCY_CODE');
    expect(err.details?.reason).toBe(reason);
    expect(err.details?.segment).toBe(segment);
    expect(err.httpStatus).toBe(422);
    expect(isAgencyCode(input)).toBe(false);
  });

  it('covers at least 25 malformed codes', () => {
    expect(cases.length).toBeGreaterThanOrEqual(25);
  });

  it('names the offending segment and character in the message', () => {
    expect(rejection('000.12.00.H41').message).toMatch(/level-3 unit \(CC\) "12" hangs under a missing parent: level-2 unit \(BB\) is "00"/);
    expect(rejection('000.00.00.Н41').message).toContain('U+041D');
    expect(rejection('000.00.00.L41').message).toContain('unknown group letter "L"');
  });

  it('clips a huge input in the message and details instead of echoing all of it', () => {
    const huge = '9'.repeat(1_000_000);
    const err = rejection(huge);
    expect(err.message.length).toBeLessThan(300);
    expect(String(err.details?.input).length).toBeLessThanOrEqual(41);
  });

  it('tryParseAgencyCode returns the error instead of throwing', () => {
    const r = tryParseAgencyCode('000.12.00.H41');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.error.details?.reason).toBe('missing_parent');
    expect(tryParseAgencyCode('000.00.00.H41')).toEqual({ ok: true, code: '000.00.00.H41' });
  });
});

describe('valid codes', () => {
  const real = ['000.00.00.G22', '000.00.00.G12', '000.00.18.G12', '000.00.00.H41', '000.00.00.H49', '000.00.00.H14', '000.00.00.K57', '000.00.05.H41', '000.12.05.H41', '001.12.05.H41', '999.99.99.A00'];

  it.each(real)('%s parses to itself', (code) => {
    expect(parseAgencyCode(code)).toBe(code);
    expect(isAgencyCode(code)).toBe(true);
  });

  it('every group letter A-K is accepted', () => {
    for (const letter of GROUP_LETTERS) expect(isAgencyCode(`000.00.00.${letter}01`)).toBe(true);
  });

  it('levels follow the lowest non-zero segment', () => {
    expect(agencyLevel('000.00.00.H41')).toBe(1);
    expect(agencyLevel('000.00.05.H41')).toBe(2);
    expect(agencyLevel('000.12.05.H41')).toBe(3);
    expect(agencyLevel('001.12.05.H41')).toBe(4);
  });

  it('parent zeroes the lowest non-zero segment; ancestors go nearest first', () => {
    expect(structuralParent('001.12.05.H41')).toBe('000.12.05.H41');
    expect(structuralParent('000.12.05.H41')).toBe('000.00.05.H41');
    expect(structuralParent('000.00.05.H41')).toBe('000.00.00.H41');
    expect(structuralParent('000.00.00.H41')).toBeNull();
    expect(structuralAncestors('001.12.05.H41')).toEqual(['000.12.05.H41', '000.00.05.H41', '000.00.00.H41']);
    expect(structuralAncestors('000.00.00.G22')).toEqual([]);
    expect(level1Unit('000.00.18.G12')).toBe('G12');
  });

  it('subject tokens reverse the segments (000.12.05.H41 <-> H41.05.12.000)', () => {
    expect(codeToSubjectTokens('000.12.05.H41')).toBe('H41.05.12.000');
    expect(subjectTokensToCode('H41.05.12.000')).toBe('000.12.05.H41');
    expect(subtreeSubjectTokens('000.00.00.H41')).toBe('H41.>');
    expect(subtreeSubjectTokens('000.00.05.H41')).toBe('H41.05.>');
    expect(subtreeSubjectTokens('000.12.05.H41')).toBe('H41.05.12.>');
    expect(subtreeSubjectTokens('001.12.05.H41')).toBe('H41.05.12.001');
  });

  it('subjectTokensToCode refuses token paths that are not codes', () => {
    for (const bad of ['H41.05.12', 'H41.05.12.000.1', 'H41.>', 'H41.00.12.000', '']) {
      expect(() => subjectTokensToCode(bad)).toThrow(expect.objectContaining({ code: 'INVALID_AGENCY_CODE' }));
    }
    expect(() => subjectTokensToCode(null as unknown as string)).toThrow(LtError);
  });

  it('formatAgencyCode pads the numbers', () => {
    expect(formatAgencyCode({ level1: 'H41' })).toBe('000.00.00.H41');
    expect(formatAgencyCode({ level1: 'H41', level2: 5, level3: 12, level4: 1 })).toBe('001.12.05.H41');
    expect(() => formatAgencyCode({ level1: 'H41', level3: 12 })).toThrow(expect.objectContaining({ code: 'INVALID_AGENCY_CODE' }));
    expect(() => formatAgencyCode({ level1: 'H41', level2: 100 })).toThrow(LtError);
  });
});

describe('selectors', () => {
  it('accepts a code and a childrenOf selector and maps back to the wire form', () => {
    const parsed = parseSelectors(['000.00.05.H41', { childrenOf: '000.00.05.H41', tier: 'commune', depth: 2 }]);
    expect(parsed).toEqual([
      { type: 'code', code: '000.00.05.H41' },
      { type: 'childrenOf', code: '000.00.05.H41', tier: 'commune', depth: 2 },
    ]);
    expect(parsed.map(selectorToWire)).toEqual(['000.00.05.H41', { childrenOf: '000.00.05.H41', tier: 'commune', depth: 2 }]);
  });

  it('names the position of a bad recipient', () => {
    expect(() => parseSelectors(['000.00.00.H41', '000.12.00.H41'])).toThrow(
      expect.objectContaining({ code: 'INVALID_AGENCY_CODE', details: expect.objectContaining({ field: 'to[1]', reason: 'missing_parent' }) }),
    );
    expect(() => parseSelector({ childrenOf: '000.00.00.H41', tier: 'village' }, 3)).toThrow(
      expect.objectContaining({ code: 'SCHEMA_INVALID', details: { field: 'to[3].tier' } }),
    );
    expect(() => parseSelector({ childrenOf: '000.00.00.H41', depth: 0 })).toThrow(expect.objectContaining({ details: { field: 'to[0].depth' } }));
    expect(() => parseSelector({ childrenOf: '000.00.00.H41', all: true })).toThrow(expect.objectContaining({ details: { field: 'to[0]' } }));
  });

  it('refuses empty, non-array and sparse recipient lists', () => {
    expect(() => parseSelectors([])).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', details: { field: 'to' } }));
    expect(() => parseSelectors('000.00.00.H41')).toThrow(expect.objectContaining({ details: { field: 'to' } }));
     
    const sparse = [, '000.00.00.H41'];
    expect(() => parseSelectors(sparse)).toThrow(expect.objectContaining({ code: 'SCHEMA_INVALID', details: { field: 'to[0]' } }));
  });
});

// ---------------------------------------------------------------- property-based

const digits = (n: number) => fc.string({ unit: fc.constantFrom(...'0123456789'), minLength: n, maxLength: n });
const nonZero = (n: number) => digits(n).filter((s) => !/^0+$/.test(s));
const level1 = fc.tuple(fc.constantFrom(...GROUP_LETTERS), digits(2)).map(([l, d]) => l + d);

/** Any well-formed code: pick a level, non-zero segments down to it, zeros below. */
const validCode = fc
  .record({ level: fc.integer({ min: 1, max: 4 }), axx: level1, bb: nonZero(2), cc: nonZero(2), ddd: nonZero(3) })
  .map(({ level, axx, bb, cc, ddd }) => `${level >= 4 ? ddd : '000'}.${level >= 3 ? cc : '00'}.${level >= 2 ? bb : '00'}.${axx}`);

describe('agency code properties', () => {
  it('format/parse round trip', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const [ddd, cc, bb, axx] = code.split('.') as [string, string, string, string];
        const formatted = formatAgencyCode({ level1: axx, level2: Number(bb), level3: Number(cc), level4: Number(ddd) });
        expect(formatted).toBe(code);
        expect(parseAgencyCode(formatted)).toBe(code);
      }),
    );
  });

  it('codeToSubjectTokens / subjectTokensToCode round trip', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const tokens = codeToSubjectTokens(code);
        expect(tokens.split('.').reverse().join('.')).toBe(code);
        expect(subjectTokensToCode(tokens)).toBe(code);
      }),
    );
  });

  it('the parent is one level up, valid, and a structural prefix in subject-token order', () => {
    fc.assert(
      fc.property(validCode, (code) => {
        const parent = structuralParent(code);
        const level = agencyLevel(code);
        if (level === 1) {
          expect(parent).toBeNull();
          return;
        }
        expect(parent).not.toBeNull();
        expect(isAgencyCode(parent)).toBe(true);
        expect(agencyLevel(parent!)).toBe(level - 1);
        // the parent's first level-1 tokens equal the child's
        const childTokens = codeToSubjectTokens(code).split('.');
        const parentTokens = codeToSubjectTokens(parent!).split('.');
        expect(parentTokens.slice(0, level - 1)).toEqual(childTokens.slice(0, level - 1));
        expect(parentTokens.slice(level - 1).every((t) => /^0+$/.test(t))).toBe(true);
        // and the parent's subtree filter covers the child
        const filter = subtreeSubjectTokens(parent!);
        expect(codeToSubjectTokens(code).startsWith(filter.slice(0, -1))).toBe(true);
        expect(structuralAncestors(code)).toHaveLength(level - 1);
      }),
    );
  });

  it('a one-character change of a valid code is refused or still a valid code', () => {
    fc.assert(
      fc.property(validCode, fc.nat(12), fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }), (code, at, ch) => {
        const mutated = code.slice(0, at) + ch + code.slice(at + 1);
        const r = tryParseAgencyCode(mutated);
        if (r.ok) expect(/^\d{3}\.\d{2}\.\d{2}\.[A-K]\d{2}$/.test(mutated)).toBe(true);
        else expect(r.error.code).toBe('INVALID_AGENCY_CODE');
      }),
    );
  });

  const anyString = fc.oneof(
    fc.string(),
    fc.string({ unit: 'binary' }),
    fc.string({ unit: 'grapheme' }),
    fc.string({ unit: fc.constantFrom(...'0123456789.ABHKZh Н٠０\u0000\ud800'), maxLength: 20 }),
  );

  it('the parser never throws anything but INVALID_AGENCY_CODE on arbitrary strings', () => {
    fc.assert(
      fc.property(anyString, (input) => {
        const r = tryParseAgencyCode(input);
        if (r.ok) {
          expect(isAgencyCode(input)).toBe(true);
          return;
        }
        expect(r.error).toBeInstanceOf(LtError);
        expect(r.error.code).toBe('INVALID_AGENCY_CODE');
        expect(typeof r.error.details?.reason).toBe('string');
        expect(isAgencyCode(input)).toBe(false);
      }),
      { numRuns: 2000 },
    );
  });

  it('the other helpers only throw LtError on arbitrary strings', () => {
    const helpers = [agencyLevel, structuralParent, structuralAncestors, codeToSubjectTokens, subjectTokensToCode, subtreeSubjectTokens, level1Unit];
    fc.assert(
      fc.property(anyString, fc.constantFrom(...helpers), (input, helper) => {
        try {
          (helper as (s: string) => unknown)(input);
        } catch (e) {
          expect(e).toBeInstanceOf(LtError);
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('parseSelectors only throws LtError on arbitrary JSON', () => {
    fc.assert(
      fc.property(fc.jsonValue(), (value) => {
        try {
          parseSelectors(value);
        } catch (e) {
          expect(e).toBeInstanceOf(LtError);
          expect(['SCHEMA_INVALID', 'INVALID_AGENCY_CODE']).toContain((e as LtError).code);
        }
      }),
    );
  });
});
