import { LtError } from '../errors';
import { DOSSIER_CODE_MAX_SEQ, dossierCodePrefix, formatDossierCode, isDossierCode, parseDossierCode } from './dossier-code';
import { ltCode } from './test-helpers';

describe('formatDossierCode', () => {
  it('formats the documented example', () => {
    expect(formatDossierCode('000.00.00.H41', new Date('2025-07-01T02:00:00Z'), 1)).toBe('000.00.00.H41-250701-0001');
  });

  it('uses the Vietnam-local day (UTC+7), not the UTC day', () => {
    // 17:00Z on 30 June is 00:00 on 1 July in Hanoi
    expect(formatDossierCode('000.00.00.H41', new Date('2025-06-30T17:00:00Z'), 12)).toBe('000.00.00.H41-250701-0012');
    expect(formatDossierCode('000.00.00.H41', new Date('2025-06-30T16:59:59.999Z'), 12)).toBe('000.00.00.H41-250630-0012');
  });

  it('accepts 9999 and refuses the 10000th dossier of a day with a clear error', () => {
    expect(formatDossierCode('000.12.05.H41', new Date('2026-03-02T03:00:00Z'), DOSSIER_CODE_MAX_SEQ)).toBe('000.12.05.H41-260302-9999');
    const e = ltCode(() => formatDossierCode('000.12.05.H41', new Date('2026-03-02T03:00:00Z'), 10000));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/sequence exhausted.*9999/);
    expect(e.details).toMatchObject({ field: 'seq', reason: 'sequence_exhausted' });
  });

  it.each([0, -1, 1.5, Number.NaN])('refuses sequence %p', (seq) => {
    expect(ltCode(() => formatDossierCode('000.00.00.H41', new Date(), seq)).details).toMatchObject({ field: 'seq' });
  });

  it('refuses a malformed agency code and an invalid date', () => {
    expect(ltCode(() => formatDossierCode('000.12.00.H41', new Date(), 1)).code).toBe('INVALID_AGENCY_CODE');
    expect(ltCode(() => formatDossierCode('000.00.00.H41', new Date('nope'), 1)).code).toBe('VALIDATION_FAILED');
  });

  it('gives the per-agency, per-day sequence key', () => {
    expect(dossierCodePrefix('000.00.00.H41', new Date('2025-06-30T17:00:00Z'))).toBe('000.00.00.H41-250701');
  });
});

describe('parseDossierCode', () => {
  it('round-trips a formatted code', () => {
    const code = formatDossierCode('001.12.05.H41', new Date('2026-02-23T01:00:00Z'), 42);
    expect(parseDossierCode(code)).toEqual({ code, agencyCode: '001.12.05.H41', date: '2026-02-23', yymmdd: '260223', seq: 42 });
    expect(isDossierCode(code)).toBe(true);
  });

  it('accepts 29 February of a leap year', () => {
    expect(parseDossierCode('000.00.00.H41-280229-0001').date).toBe('2028-02-29');
  });

  it.each([
    ['000.00.00.H41-250701', 'format', /3 parts/],
    ['000.00.00.H41-250701-0001-2', 'format', /3 parts/],
    ['000.12.00.H41-250701-0001', 'agencyCode', /agency code part "000.12.00.H41".*missing parent/],
    ['000.00.00.Z41-250701-0001', 'agencyCode', /unknown group letter/],
    ['000.00.00.H41-2507010-0001', 'date', /6 digits/],
    ['000.00.00.H41-251301-0001', 'date', /month 13/],
    ['000.00.00.H41-250230-0001', 'date', /day 30.*28 days/],
    ['000.00.00.H41-250229-0001', 'date', /day 29/],
    ['000.00.00.H41-250701-001', 'sequence', /4 digits/],
    ['000.00.00.H41-250701-00a1', 'sequence', /4 digits/],
    ['000.00.00.H41-250701-0000', 'sequence', /0000/],
  ])('refuses %s naming the %s part', (input, part, message) => {
    let err: unknown;
    try {
      parseDossierCode(input);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).code).toBe('VALIDATION_FAILED');
    expect((err as LtError).details).toMatchObject({ field: 'dossierCode', part });
    expect((err as LtError).message).toMatch(message);
    expect(isDossierCode(input)).toBe(false);
  });

  it('refuses non-strings', () => {
    expect(ltCode(() => parseDossierCode(42)).details).toMatchObject({ part: 'type' });
    expect(ltCode(() => parseDossierCode(null)).message).toMatch(/got null/);
  });
});
