import { formatKid, parseKid } from './kid';
import { catchLtError } from './test-helpers';

describe('kid', () => {
  it('formats and parses "<agency code>#<key id>"', () => {
    const kid = formatKid('000.00.00.H41', 'k1');
    expect(kid).toBe('000.00.00.H41#k1');
    expect(parseKid(kid)).toEqual({ agencyCode: '000.00.00.H41', keyId: 'k1' });
    expect(parseKid('000.12.05.H41#AbC_-9.x~')).toEqual({ agencyCode: '000.12.05.H41', keyId: 'AbC_-9.x~' });
  });

  it('refuses to format a bad agency code or key id', () => {
    catchLtError(() => formatKid('H41', 'k1'), 'INVALID_AGENCY_CODE');
    expect(catchLtError(() => formatKid('000.00.00.H41', 'a#b'), 'VALIDATION_FAILED').message).toContain('keyId');
    catchLtError(() => formatKid('000.00.00.H41', ''), 'VALIDATION_FAILED');
  });

  it.each([
    ['not a string', 42, /must be a string/],
    ['no #', '000.00.00.H41', /exactly one "#"/],
    ['two #', '000.00.00.H41#k1#k2', /exactly one "#"/],
    ['empty key id', '000.00.00.H41#', /key id part/],
    ['key id with a space', '000.00.00.H41#k 1', /key id part/],
    ['key id too long', `000.00.00.H41#${'k'.repeat(65)}`, /key id part/],
    ['bad agency code', '000.00.00.Z41#k1', /agency code part.*group letter/],
    ['missing parent segment', '001.00.00.H41#k1', /agency code part/],
    ['empty agency code', '#k1', /agency code part/],
  ])('refuses a malformed kid (%s) with BAD_SIGNATURE', (_name, kid, message) => {
    const err = catchLtError(() => parseKid(kid), 'BAD_SIGNATURE');
    expect(err.message).toMatch(message);
    expect(err.details?.field).toBe('kid');
  });
});
