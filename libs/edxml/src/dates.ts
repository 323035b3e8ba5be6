import { LtError } from '@lt/contracts';

/**
 * edXML dates are Vietnam wall time without a zone: `yyyy/MM/dd` or `yyyy/MM/dd HH:mm:ss`.
 * The model keeps ISO-8601: `yyyy-MM-dd`, or a date-time with the +07:00 zone.
 */
const NATIONAL = /^(\d{4})\/(\d{2})\/(\d{2})(?: (\d{2}):(\d{2}):(\d{2}))?$/;
const ISO = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2}))?$/;
const VIETNAM_OFFSET_MS = 7 * 3600_000;

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

function realDate(y: number, mo: number, d: number, h = 0, mi = 0, s = 0): boolean {
  return mo >= 1 && mo <= 12 && d >= 1 && d <= daysInMonth(y, mo) && h <= 23 && mi <= 59 && s <= 59;
}

/** National date (element `field`) to ISO; EDXML_INVALID naming the element when it is not one. */
export function nationalToIso(value: string, field: string): string {
  const m = NATIONAL.exec(value.trim());
  if (!m || !realDate(+m[1], +m[2], +m[3], +(m[4] ?? 0), +(m[5] ?? 0), +(m[6] ?? 0))) {
    throw new LtError('EDXML_INVALID', `${field} must be a date yyyy/MM/dd or yyyy/MM/dd HH:mm:ss, got ${JSON.stringify(value.slice(0, 40))}`, {
      field,
      reason: 'date',
    });
  }
  const date = `${m[1]}-${m[2]}-${m[3]}`;
  return m[4] === undefined ? date : `${date}T${m[4]}:${m[5]}:${m[6]}+07:00`;
}

/** ISO date or date-time (any zone) to national form, as Vietnam wall time. */
export function isoToNational(value: string, field: string): string {
  const m = ISO.exec(value);
  if (!m)
    throw new LtError('EDXML_INVALID', `${field} must be an ISO-8601 date or date-time, got ${JSON.stringify(value.slice(0, 40))}`, { field, reason: 'date' });
  if (m[4] === undefined) return `${m[1]}/${m[2]}/${m[3]}`;
  const instant = Date.parse(value);
  if (!Number.isFinite(instant))
    throw new LtError('EDXML_INVALID', `${field} is not a real date-time: ${JSON.stringify(value.slice(0, 40))}`, { field, reason: 'date' });
  const t = new Date(instant + VIETNAM_OFFSET_MS).toISOString();
  return `${t.slice(0, 4)}/${t.slice(5, 7)}/${t.slice(8, 10)} ${t.slice(11, 19)}`;
}
