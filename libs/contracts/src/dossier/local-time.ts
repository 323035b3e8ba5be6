import { LtError } from '../errors';

/**
 * Vietnam local time: Asia/Ho_Chi_Minh is UTC+7 all year (no DST), so a fixed offset is exact
 * and we avoid depending on the host's time-zone database.
 */
export const VN_UTC_OFFSET_MINUTES = 420;
const OFFSET_MS = VN_UTC_OFFSET_MINUTES * 60_000;
const DAY_MS = 86_400_000;

/** A calendar day in Vietnam local time, `YYYY-MM-DD`. */
export type LocalDate = string;

const LOCAL_DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

function assertValidInstant(date: Date, what: string): void {
  if (!(date instanceof Date) || Number.isNaN(date.getTime())) {
    throw new LtError('VALIDATION_FAILED', `${what} must be a valid Date, got ${String(date)}`, { field: what });
  }
}

/** True for a real calendar day written `YYYY-MM-DD` (rejects 2026-02-30). */
export function isLocalDate(value: unknown): value is LocalDate {
  if (typeof value !== 'string') return false;
  const m = LOCAL_DATE_RE.exec(value);
  if (!m) return false;
  const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
  if (mo < 1 || mo > 12 || d < 1) return false;
  return d <= daysInMonth(y, mo);
}

export function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** The Vietnam-local calendar day of an instant. */
export function toVnLocalDate(date: Date, what = 'date'): LocalDate {
  assertValidInstant(date, what);
  return new Date(date.getTime() + OFFSET_MS).toISOString().slice(0, 10);
}

/** Days since 1970-01-01 of a local day; differences between day numbers are calendar days. */
export function localDayNumber(day: LocalDate): number {
  const m = LOCAL_DATE_RE.exec(day);
  if (!m || !isLocalDate(day)) {
    throw new LtError('VALIDATION_FAILED', `invalid local date ${JSON.stringify(day)}: expected YYYY-MM-DD`, { field: 'date', input: day });
  }
  return Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])) / DAY_MS;
}

export function localDateFromDayNumber(n: number): LocalDate {
  return new Date(n * DAY_MS).toISOString().slice(0, 10);
}

export function addCalendarDays(day: LocalDate, n: number): LocalDate {
  return localDateFromDayNumber(localDayNumber(day) + n);
}

/** 0 = Sunday ... 6 = Saturday, as Date#getUTCDay. */
export function localDayOfWeek(day: LocalDate): number {
  return new Date(localDayNumber(day) * DAY_MS).getUTCDay();
}

/** 00:00:00.000 Vietnam time of the day, as an instant. */
export function vnStartOfDay(day: LocalDate): Date {
  return new Date(localDayNumber(day) * DAY_MS - OFFSET_MS);
}

/**
 * 23:59:59.999 Vietnam time of the day. Deadlines are whole days: a dossier due on a day may be
 * settled at any hour of that day and still be on time, so the deadline instant is the day's end.
 */
export function vnEndOfDay(day: LocalDate): Date {
  return new Date(vnStartOfDay(day).getTime() + DAY_MS - 1);
}

/** Accepts an instant (read in Vietnam time) or a `YYYY-MM-DD` local day. */
export function asLocalDate(input: Date | LocalDate, what = 'date'): LocalDate {
  if (typeof input === 'string') {
    if (!isLocalDate(input)) {
      throw new LtError('VALIDATION_FAILED', `${what} ${JSON.stringify(input)} is not a YYYY-MM-DD calendar day`, { field: what, input });
    }
    return input;
  }
  return toVnLocalDate(input, what);
}
