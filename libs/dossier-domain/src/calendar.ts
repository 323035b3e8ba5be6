import { addCalendarDays, asLocalDate, isLocalDate, localDayNumber, localDayOfWeek, LtError, vnEndOfDay, type LocalDate } from '@lt/contracts';

/**
 * Working-day calendar for legal deadlines: Saturdays and
 * Sundays are off, so are the public holidays listed per year, except Saturdays/Sundays that the
 * government declares worked to compensate a bridge day off ("làm bù").
 *
 * Conventions (all days are Vietnam local days, UTC+7):
 * - A dossier received on a non-working day is deemed received on the next working day
 *   (`effectiveStartDay`); the legal clock starts there.
 * - `addWorkingDays(start, n)`: deadline = END (23:59:59.999 local) of the n-th working day after
 *   the effective start day. Received on working day D with n working days => due end of D+n.
 *   n = 0 means "the same working day". The whole due day counts: settled at any hour of it is
 *   on time.
 * - `workingDaysBetween(a, b)`: number of working days d with day(a) < d <= day(b); negative
 *   when b is before a, 0 on the same day. A pause from day P to day R therefore costs
 *   `workingDaysBetween(P, R)` working days: resumed the same day costs 0, the next working day 1.
 * - A year without data is an error (INTERNAL, reason `calendar_year_missing`) as soon as any day
 *   of that year is looked at; it is never silently treated as all working days.
 */
export interface CalendarHoliday {
  date: LocalDate;
  name: string;
  /** false when the date was not checked against the government's announcement */
  confirmed?: boolean;
  note?: string;
}

/** The content of `config/calendar/<year>.json`. */
export interface CalendarYearData {
  year: number;
  /** non-working days besides Saturdays and Sundays (listing a weekend day is harmless) */
  holidays: CalendarHoliday[];
  /** Saturdays or Sundays worked to compensate a bridge day off */
  compensatoryWorkdays?: LocalDate[];
  /** false when some dates of the year were not checked against the government's announcement */
  confirmed?: boolean;
  notes?: string[];
}

export type DayInput = Date | LocalDate;

/** Longest span a single calendar computation may walk, to stop runaway loops on bad input. */
const MAX_SPAN_DAYS = 20 * 366;

export class WorkingCalendar {
  private readonly holidays = new Map<LocalDate, CalendarHoliday>();
  private readonly workedWeekendDays = new Set<LocalDate>();
  private readonly yearSet = new Set<number>();

  constructor(years: readonly CalendarYearData[]) {
    for (const [i, raw] of years.entries()) {
      const y = parseCalendarYear(raw, `calendar year #${i}`);
      if (this.yearSet.has(y.year)) {
        throw new LtError('VALIDATION_FAILED', `calendar year ${y.year} is given twice`, { field: 'year', year: y.year });
      }
      this.yearSet.add(y.year);
      for (const h of y.holidays) this.holidays.set(h.date, h);
      for (const d of y.compensatoryWorkdays ?? []) this.workedWeekendDays.add(d);
    }
  }

  /** Years this calendar has data for, ascending. */
  get years(): number[] {
    return [...this.yearSet].sort((a, b) => a - b);
  }

  hasYear(year: number): boolean {
    return this.yearSet.has(year);
  }

  private requireYear(day: LocalDate): void {
    const year = Number(day.slice(0, 4));
    if (!this.yearSet.has(year)) {
      const have = this.years.join(', ') || 'none';
      throw new LtError(
        'INTERNAL',
        `working-day calendar has no data for ${year} (needed for ${day}); add config/calendar/${year}.json (years loaded: ${have})`,
        { reason: 'calendar_year_missing', year, date: day },
      );
    }
  }

  isWorkingDay(date: DayInput): boolean {
    const day = asLocalDate(date);
    this.requireYear(day);
    if (this.workedWeekendDays.has(day)) return true;
    if (this.holidays.has(day)) return false;
    const dow = localDayOfWeek(day);
    return dow !== 0 && dow !== 6;
  }

  /** The holiday listed for this day, if any. */
  holidayOn(date: DayInput): CalendarHoliday | undefined {
    const day = asLocalDate(date);
    this.requireYear(day);
    return this.holidays.get(day);
  }

  /** The first working day on or after the day. */
  nextWorkingDayOnOrAfter(date: DayInput): LocalDate {
    let day = asLocalDate(date);
    for (let i = 0; i <= MAX_SPAN_DAYS; i++) {
      if (this.isWorkingDay(day)) return day;
      day = addCalendarDays(day, 1);
    }
    throw new LtError('INTERNAL', `no working day within ${MAX_SPAN_DAYS} days after ${asLocalDate(date)}`, { date: asLocalDate(date) });
  }

  /** The day the legal clock starts: the day itself if working, else the next working day. */
  effectiveStartDay(date: DayInput): LocalDate {
    return this.nextWorkingDayOnOrAfter(date);
  }

  /** The local day n working days after the effective start day (n = 0: that day). */
  addWorkingDaysToDay(start: DayInput, n: number): LocalDate {
    if (!Number.isInteger(n) || n < 0 || n > MAX_SPAN_DAYS) {
      throw new LtError('VALIDATION_FAILED', `working days must be an integer from 0 to ${MAX_SPAN_DAYS}, got ${n}`, { field: 'workingDays', input: n });
    }
    let day = this.effectiveStartDay(start);
    for (let left = n; left > 0; ) {
      day = addCalendarDays(day, 1);
      if (this.isWorkingDay(day)) left--;
    }
    return day;
  }

  /** Deadline instant: end (23:59:59.999 Vietnam time) of the n-th working day after `start`. */
  addWorkingDays(start: DayInput, n: number): Date {
    return vnEndOfDay(this.addWorkingDaysToDay(start, n));
  }

  /** Working days d with day(a) < d <= day(b); negative when b is before a. */
  workingDaysBetween(a: DayInput, b: DayInput): number {
    const from = asLocalDate(a, 'from');
    const to = asLocalDate(b, 'to');
    const span = localDayNumber(to) - localDayNumber(from);
    if (span < 0) return -this.workingDaysBetween(to, from);
    if (span > MAX_SPAN_DAYS) {
      throw new LtError('VALIDATION_FAILED', `span ${from}..${to} is longer than ${MAX_SPAN_DAYS} days`, { field: 'to', from, to });
    }
    let count = 0;
    for (let day = addCalendarDays(from, 1), i = 0; i < span; i++, day = addCalendarDays(day, 1)) {
      if (this.isWorkingDay(day)) count++;
    }
    return count;
  }
}

function bad(source: string, field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${source}: ${field} ${message}`, { source, field });
}

/** Checks one year file's content; `source` names the file in errors. */
export function parseCalendarYear(input: unknown, source = 'calendar'): CalendarYearData {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw bad(source, '(root)', 'must be an object');
  const o = input as Record<string, unknown>;
  const known = ['year', 'holidays', 'compensatoryWorkdays', 'notes', 'confirmed'];
  const extra = Object.keys(o).filter((k) => !known.includes(k));
  if (extra.length) throw bad(source, extra.join(', '), `is not a known field (allowed: ${known.join(', ')})`);
  const year = o.year;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 2000 || year > 2099) throw bad(source, 'year', `must be an integer 2000-2099, got ${JSON.stringify(year)}`);
  const inYear = (d: unknown, field: string): LocalDate => {
    if (!isLocalDate(d)) throw bad(source, field, `must be a YYYY-MM-DD calendar day, got ${JSON.stringify(d)}`);
    if (!d.startsWith(`${year}-`)) throw bad(source, field, `${d} is not in year ${year}`);
    return d;
  };
  if (!Array.isArray(o.holidays)) throw bad(source, 'holidays', 'must be an array');
  const seen = new Set<string>();
  const holidays = o.holidays.map((h, i): CalendarHoliday => {
    const f = `holidays[${i}]`;
    if (typeof h !== 'object' || h === null || Array.isArray(h)) throw bad(source, f, 'must be an object {date, name}');
    const r = h as Record<string, unknown>;
    const hExtra = Object.keys(r).filter((k) => !['date', 'name', 'confirmed', 'note'].includes(k));
    if (hExtra.length) throw bad(source, `${f}.${hExtra[0]}`, 'is not a known field (allowed: date, name, confirmed, note)');
    const date = inYear(r.date, `${f}.date`);
    if (seen.has(date)) throw bad(source, `${f}.date`, `${date} is listed twice`);
    seen.add(date);
    if (typeof r.name !== 'string' || r.name.trim() === '') throw bad(source, `${f}.name`, 'must be a non-empty string');
    if (r.confirmed !== undefined && typeof r.confirmed !== 'boolean') throw bad(source, `${f}.confirmed`, 'must be a boolean');
    if (r.note !== undefined && typeof r.note !== 'string') throw bad(source, `${f}.note`, 'must be a string');
    return {
      date,
      name: r.name,
      ...(r.confirmed !== undefined ? { confirmed: r.confirmed } : {}),
      ...(r.note !== undefined ? { note: r.note } : {}),
    };
  });
  let compensatoryWorkdays: LocalDate[] | undefined;
  if (o.compensatoryWorkdays !== undefined) {
    if (!Array.isArray(o.compensatoryWorkdays)) throw bad(source, 'compensatoryWorkdays', 'must be an array of YYYY-MM-DD days');
    compensatoryWorkdays = o.compensatoryWorkdays.map((d, i) => {
      const f = `compensatoryWorkdays[${i}]`;
      const day = inYear(d, f);
      const dow = localDayOfWeek(day);
      if (dow !== 0 && dow !== 6) throw bad(source, f, `${day} is not a Saturday or Sunday; only weekend days can be declared worked`);
      if (seen.has(day)) throw bad(source, f, `${day} is also listed as a holiday`);
      return day;
    });
  }
  if (o.confirmed !== undefined && typeof o.confirmed !== 'boolean') throw bad(source, 'confirmed', 'must be a boolean');
  if (o.notes !== undefined && (!Array.isArray(o.notes) || o.notes.some((n) => typeof n !== 'string'))) throw bad(source, 'notes', 'must be an array of strings');
  return {
    year,
    holidays,
    ...(compensatoryWorkdays ? { compensatoryWorkdays } : {}),
    ...(o.confirmed !== undefined ? { confirmed: o.confirmed } : {}),
    ...(o.notes !== undefined ? { notes: o.notes as string[] } : {}),
  };
}
