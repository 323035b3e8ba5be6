/**
 * Decree 30 counts "the same day" in Vietnam time: UTC+7 all year (no daylight saving), so a fixed
 * offset is exact.
 */
export const VN_OFFSET_MS = 7 * 3_600_000;

/** `YYYY-MM-DD` of an instant in Vietnam time. */
export function vnLocalDay(iso: string | number | Date): string {
  const t = typeof iso === 'number' ? iso : new Date(iso).getTime();
  return new Date(t + VN_OFFSET_MS).toISOString().slice(0, 10);
}

/** First instant after the Vietnam local day of `iso`. */
export function endOfVnDay(iso: string | number | Date): number {
  const day = vnLocalDay(iso);
  return Date.parse(`${day}T00:00:00.000Z`) - VN_OFFSET_MS + 86_400_000;
}

/** A date (YYYY-MM-DD, Vietnam local midnight) or an ISO date-time with a zone, as ms; null when neither. */
export function parsePeriodBound(value: string): number | null {
  if (/^\d{4}-\d{2}-\d{2}$/.test(value)) {
    const t = Date.parse(`${value}T00:00:00.000Z`);
    return Number.isFinite(t) ? t - VN_OFFSET_MS : null;
  }
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) return null;
  const t = Date.parse(value);
  return Number.isFinite(t) ? t : null;
}

export function median(values: number[]): number | null {
  if (values.length === 0) return null;
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : Math.round((s[mid - 1] + s[mid]) / 2);
}
