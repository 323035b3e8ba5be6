/**
 * Pure helpers of the bench: percentiles, rates, ratios and the fixed-width table. No I/O, so they
 * are unit-tested in stats.spec.ts beside them.
 */

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
  mean: number;
}

/** Nearest-rank percentile of an ascending array (p in 0..100); NaN when empty. */
export function percentile(sortedAsc: readonly number[], p: number): number {
  if (sortedAsc.length === 0) return Number.NaN;
  if (p <= 0) return sortedAsc[0]!;
  const rank = Math.ceil((p / 100) * sortedAsc.length);
  return sortedAsc[Math.min(sortedAsc.length, Math.max(1, rank)) - 1]!;
}

/** p50/p95/p99/max/mean of latencies in ms (the input is not modified). */
export function summarize(latenciesMs: readonly number[]): LatencySummary {
  const sorted = Float64Array.from(latenciesMs).sort();
  const arr = Array.from(sorted);
  let sum = 0;
  for (const v of arr) sum += v;
  return {
    count: arr.length,
    p50: percentile(arr, 50),
    p95: percentile(arr, 95),
    p99: percentile(arr, 99),
    max: arr.length ? arr[arr.length - 1]! : Number.NaN,
    mean: arr.length ? sum / arr.length : Number.NaN,
  };
}

/** Items per second; 0 when no time elapsed. */
export function perSecond(count: number, elapsedMs: number): number {
  return elapsedMs > 0 ? (count * 1000) / elapsedMs : 0;
}

/** `12,345` */
export function fmtInt(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return Math.round(n).toLocaleString('en-US');
}

/** `4.2 ms` with one decimal below 100, none above. */
export function fmtMs(n: number): string {
  if (!Number.isFinite(n)) return '-';
  return n < 100 ? `${n.toFixed(1)} ms` : `${Math.round(n).toLocaleString('en-US')} ms`;
}

/** `1.5 MiB`, `312 MiB` */
export function fmtMiB(bytes: number): string {
  if (!Number.isFinite(bytes)) return '-';
  const mib = bytes / (1024 * 1024);
  return mib < 10 ? `${mib.toFixed(1)} MiB` : `${Math.round(mib)} MiB`;
}

/** value / baseline as a ratio, rounded to 3 decimals; null when the baseline is not positive. */
export function ratio(value: number, baseline: number): number | null {
  if (!(baseline > 0) || !Number.isFinite(value)) return null;
  return Math.round((value / baseline) * 1000) / 1000;
}

/** `37.5%` of a ratio; `-` when there is none. */
export function fmtRatio(r: number | null): string {
  if (r === null || !Number.isFinite(r)) return '-';
  return `${(r * 100).toFixed(1)}%`;
}

/** A fixed-width text table: the first row is the header, columns after the first right-aligned. */
export function table(rows: readonly (readonly string[])[]): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  const line = (row: readonly string[]) =>
    row
      .map((cell, i) => (i === 0 ? cell.padEnd(widths[i]!) : cell.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const rule = widths.map((w) => '-'.repeat(w)).join('  ');
  return [line(rows[0]!), rule, ...rows.slice(1).map(line)].join('\n');
}

/** `[#######.............]  35%  7,000/20,000 docs` */
export function progressLine(done: number, total: number, unit: string, width = 30): string {
  const frac = total > 0 ? Math.min(1, Math.max(0, done / total)) : 1;
  const filled = Math.round(frac * width);
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(Math.floor(frac * 100)).padStart(3)}% ${fmtInt(done)}/${fmtInt(total)} ${unit}`;
}

/** CPU use in % of one core from clock ticks used over a wall-clock interval. */
export function cpuPercent(ticks: number, clockTicksPerSecond: number, wallMs: number): number {
  if (!(wallMs > 0) || !(clockTicksPerSecond > 0)) return 0;
  return (ticks / clockTicksPerSecond / (wallMs / 1000)) * 100;
}

/** utime + stime (clock ticks) from the text of /proc/<pid>/stat; the command name may hold spaces and parentheses. */
export function parseProcStatTicks(stat: string): number {
  const close = stat.lastIndexOf(')');
  if (close < 0) throw new Error(`unexpected /proc stat line: ${stat.slice(0, 80)}`);
  // fields after the name start at field 3 (state); utime is field 14, stime field 15
  const rest = stat
    .slice(close + 2)
    .trim()
    .split(/\s+/);
  const utime = Number(rest[14 - 3]);
  const stime = Number(rest[15 - 3]);
  if (!Number.isFinite(utime) || !Number.isFinite(stime)) throw new Error(`cannot read utime/stime from /proc stat line: ${stat.slice(0, 80)}`);
  return utime + stime;
}

/** VmRSS in bytes from the text of /proc/<pid>/status; 0 when absent (a zombie). */
export function parseProcStatusRss(status: string): number {
  const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(status);
  return m ? Number(m[1]) * 1024 : 0;
}

/** Run-queue wait (ns, second field) from the text of /proc/<pid>/task/<tid>/schedstat. */
export function parseSchedstatWait(schedstat: string): number {
  const wait = Number(schedstat.trim().split(/\s+/)[1]);
  if (!Number.isFinite(wait)) throw new Error(`unexpected schedstat line: ${schedstat.slice(0, 80)}`);
  return wait;
}
