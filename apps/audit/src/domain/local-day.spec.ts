import { endOfVnDay, median, parsePeriodBound, vnLocalDay } from './local-day';

describe('Vietnam local day', () => {
  it('turns at 17:00 UTC', () => {
    expect(vnLocalDay('2026-11-22T16:59:59.999Z')).toBe('2026-11-22');
    expect(vnLocalDay('2026-11-22T17:00:00.000Z')).toBe('2026-11-23');
    expect(new Date(endOfVnDay('2026-11-22T10:00:00Z')).toISOString()).toBe('2026-11-22T17:00:00.000Z');
  });

  it('reads period bounds as local dates or zoned date-times', () => {
    expect(new Date(parsePeriodBound('2026-11-01')!).toISOString()).toBe('2026-10-31T17:00:00.000Z');
    expect(parsePeriodBound('2026-11-01T00:00:00+07:00')).toBe(Date.parse('2026-10-31T17:00:00Z'));
    expect(parsePeriodBound('2026-11-01T00:00:00')).toBeNull();
    expect(parsePeriodBound('soon')).toBeNull();
  });

  it('median', () => {
    expect(median([])).toBeNull();
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 10])).toBe(4);
  });
});
