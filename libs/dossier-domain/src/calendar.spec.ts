import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCalendarYear, WorkingCalendar, type CalendarYearData } from './calendar';
import { loadCalendar } from './calendar-loader';
import { toVnLocalDate } from '@lt/contracts';
import { CALENDAR_DIR, ltCode, realCalendar, vn } from './test-helpers';

const cal = realCalendar();
const dueDay = (start: Date | string, n: number) => toVnLocalDate(cal.addWorkingDays(start, n));

describe('WorkingCalendar with config/calendar', () => {
  it('loads 2025, 2026 and 2027', () => {
    expect(cal.years).toEqual([2025, 2026, 2027]);
  });

  it('skips weekends', () => {
    expect(cal.isWorkingDay('2026-03-06')).toBe(true); // Friday
    expect(cal.isWorkingDay('2026-03-07')).toBe(false); // Saturday
    expect(cal.isWorkingDay('2026-03-08')).toBe(false); // Sunday
    expect(dueDay('2026-03-05', 1)).toBe('2026-03-06');
    expect(dueDay('2026-03-06', 1)).toBe('2026-03-09');
    expect(dueDay('2026-03-06', 5)).toBe('2026-03-13');
  });

  it('reads instants in Vietnam time', () => {
    // 17:30Z Friday is 00:30 Saturday in Hanoi
    expect(cal.isWorkingDay(new Date('2026-03-06T17:30:00Z'))).toBe(false);
    expect(cal.isWorkingDay(new Date('2026-03-06T16:59:00Z'))).toBe(true);
  });

  it('puts the deadline at the end of the due day, Vietnam time', () => {
    expect(cal.addWorkingDays(vn('2026-03-05 10:00'), 1).toISOString()).toBe('2026-03-06T16:59:59.999Z');
  });

  it('starts the clock on the next working day for a dossier received on a day off', () => {
    expect(cal.effectiveStartDay('2026-03-07')).toBe('2026-03-09');
    expect(dueDay('2026-03-07', 0)).toBe('2026-03-09');
    expect(dueDay('2026-03-07', 1)).toBe('2026-03-10');
  });

  it('skips the whole 2026 Tết break, Sat 14 Feb to Sun 22 Feb', () => {
    for (let d = 14; d <= 22; d++) expect(cal.isWorkingDay(`2026-02-${d}`)).toBe(false);
    expect(cal.isWorkingDay('2026-02-13')).toBe(true);
    expect(cal.isWorkingDay('2026-02-23')).toBe(true);
    expect(dueDay('2026-02-13', 1)).toBe('2026-02-23');
    expect(dueDay('2026-02-12', 3)).toBe('2026-02-24');
    expect(cal.workingDaysBetween('2026-02-13', '2026-02-23')).toBe(1);
    expect(cal.holidayOn('2026-02-17')?.name).toMatch(/Lunar New Year/);
  });

  it('takes the compensation day for Hùng Kings on a Sunday (Mon 27 Apr 2026) off', () => {
    expect(cal.isWorkingDay('2026-04-26')).toBe(false);
    expect(cal.isWorkingDay('2026-04-27')).toBe(false);
    expect(dueDay('2026-04-24', 1)).toBe('2026-04-28');
    // Tue 28, Wed 29 working; 30 Apr, 1 May holidays; weekend; Mon 4 May
    expect(dueDay('2026-04-28', 2)).toBe('2026-05-04');
  });

  it('counts a compensatory Saturday as a working day', () => {
    expect(cal.isWorkingDay('2026-01-02')).toBe(false); // bridge day off
    expect(cal.isWorkingDay('2026-01-10')).toBe(true); // Saturday worked
    expect(dueDay('2026-01-09', 1)).toBe('2026-01-10');
    expect(cal.isWorkingDay('2025-04-26')).toBe(true);
    expect(cal.isWorkingDay('2025-05-02')).toBe(false);
  });

  it('lists the Labour Code holidays each year', () => {
    for (const y of [2025, 2026, 2027]) {
      for (const md of ['01-01', '04-30', '09-02']) expect(cal.holidayOn(`${y}-${md}`)).toBeDefined();
      expect(cal.holidayOn(`${y}-05-01`)).toBeDefined();
    }
    expect(cal.holidayOn('2025-04-07')?.name).toMatch(/Hùng Kings/);
    expect(cal.holidayOn('2027-04-16')?.name).toMatch(/Hùng Kings/);
    expect(cal.isWorkingDay('2027-05-03')).toBe(false); // 1 May 2027 is a Saturday
  });

  it('counts working days between two days: (a, b], signed', () => {
    expect(cal.workingDaysBetween('2026-03-09', '2026-03-09')).toBe(0);
    expect(cal.workingDaysBetween('2026-03-06', '2026-03-09')).toBe(1);
    expect(cal.workingDaysBetween('2026-03-09', '2026-03-16')).toBe(5);
    expect(cal.workingDaysBetween('2026-03-16', '2026-03-09')).toBe(-5);
    expect(cal.workingDaysBetween('2025-12-31', '2026-01-05')).toBe(1); // 1, 2 Jan off, weekend, Mon 5
  });

  it('computes across year boundaries when both years are loaded', () => {
    expect(dueDay('2025-12-31', 1)).toBe('2026-01-05');
  });

  it('raises a clear error for a year without data, never assuming all working days', () => {
    const e = ltCode(() => cal.addWorkingDays('2027-12-30', 5));
    expect(e.code).toBe('INTERNAL');
    expect(e.details).toMatchObject({ reason: 'calendar_year_missing', year: 2028 });
    expect(e.message).toMatch(/no data for 2028.*config\/calendar\/2028\.json/);
    expect(ltCode(() => cal.isWorkingDay('2024-06-03')).details).toMatchObject({ year: 2024 });
    expect(ltCode(() => cal.isWorkingDay('2028-01-01')).details).toMatchObject({ year: 2028 });
    const only2026 = new WorkingCalendar([{ year: 2026, holidays: [] }]);
    expect(only2026.isWorkingDay('2026-06-01')).toBe(true);
    expect(ltCode(() => only2026.workingDaysBetween('2025-12-29', '2026-01-05')).details).toMatchObject({ year: 2025 });
  });

  it('refuses a negative or fractional number of working days', () => {
    expect(ltCode(() => cal.addWorkingDays('2026-03-05', -1)).details).toMatchObject({ field: 'workingDays' });
    expect(ltCode(() => cal.addWorkingDays('2026-03-05', 1.5)).code).toBe('VALIDATION_FAILED');
  });
});

describe('parseCalendarYear', () => {
  const base: CalendarYearData = { year: 2030, holidays: [{ date: '2030-01-01', name: 'New Year' }] };

  it.each([
    [{ ...base, year: '2030' }, 'year'],
    [{ ...base, holidays: [{ date: '2031-01-01', name: 'x' }] }, 'holidays[0].date'],
    [{ ...base, holidays: [{ date: '2030-02-30', name: 'x' }] }, 'holidays[0].date'],
    [{ ...base, holidays: [{ date: '2030-01-01', name: '' }] }, 'holidays[0].name'],
    [{ ...base, holidays: [{ date: '2030-01-01', name: 'x', when: 1 }] }, 'holidays[0].when'],
    [{ ...base, holidays: [base.holidays[0], base.holidays[0]] }, 'holidays[1].date'],
    [{ ...base, compensatoryWorkdays: ['2030-01-07'] }, 'compensatoryWorkdays[0]'], // a Monday
    [{ ...base, extra: true }, 'extra'],
  ])('refuses %j naming %s', (input, field) => {
    const e = ltCode(() => parseCalendarYear(input, 'test.json'));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.details).toMatchObject({ source: 'test.json', field });
  });

  it('accepts a Saturday as compensatory workday', () => {
    expect(parseCalendarYear({ ...base, compensatoryWorkdays: ['2030-01-05'] }).compensatoryWorkdays).toEqual(['2030-01-05']);
  });
});

describe('loadCalendar', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'lt-cal-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('loads the repository files', () => {
    expect(loadCalendar(CALENDAR_DIR).hasYear(2026)).toBe(true);
  });

  it('refuses a file whose year does not match its name', () => {
    writeFileSync(join(dir, '2031.json'), JSON.stringify({ year: 2030, holidays: [] }));
    expect(ltCode(() => loadCalendar(dir)).message).toMatch(/year is 2030 but the file name says 2031/);
  });

  it('refuses a directory without year files', () => {
    writeFileSync(join(dir, 'README.md'), 'x');
    expect(ltCode(() => loadCalendar(dir)).details).toMatchObject({ reason: 'calendar_year_missing' });
  });
});
