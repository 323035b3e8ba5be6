import {
  LtError,
  addCalendarDays,
  isAgencyCode,
  isLocalDate,
  isTier,
  toVnLocalDate,
  vnStartOfDay,
  type DossierReport,
  type DossierReportGroup,
  type DossierReportQuery,
  type DossierReportResult,
  type DossierViewer,
  type Tier,
} from '@lt/contracts';
import type { Clock } from '@lt/platform';
import type { DossierRepository, ReportFilter, ReportRow } from '../../ports';
import { canReadAll } from '../get-dossier/get-dossier.use-case';

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

/** A `YYYY-MM-DD` Vietnam-local day (its start, or the start of the next day for an inclusive end) or an ISO instant. */
function instant(v: unknown, field: string, endOfDay = false): Date {
  if (isLocalDate(v)) return vnStartOfDay(endOfDay ? addCalendarDays(v, 1) : v);
  if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(v) && !Number.isNaN(Date.parse(v))) return new Date(v);
  throw invalid(field, `must be a YYYY-MM-DD day or an ISO timestamp, got ${JSON.stringify(v)}`);
}

/**
 * Dossier report per receiving agency and/or tier and period, computed by SQL aggregates over
 * columns stored at settlement (timeliness class, working days with pauses excluded), with the
 * rules of @lt/dossier-domain computeReport. Default period: 1 January of the current year (Vietnam
 * time) to the end of today. Agency tokens may only report on their own agency.
 */
export class DossierReportUseCase {
  constructor(private readonly deps: { repo: DossierRepository; clock: Clock }) {}

  async execute(input: unknown, viewer?: DossierViewer): Promise<DossierReportResult> {
    if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) throw invalid('query', 'must be an object');
    const q = (input ?? {}) as DossierReportQuery & Record<string, unknown>;
    const now = this.deps.clock.now();
    const today = toVnLocalDate(now);
    const from = q.from !== undefined && q.from !== '' ? instant(q.from, 'from') : vnStartOfDay(`${today.slice(0, 4)}-01-01`);
    const to = q.to !== undefined && q.to !== '' ? instant(q.to, 'to', true) : vnStartOfDay(addCalendarDays(today, 1));
    if (!(from.getTime() < to.getTime())) throw invalid('to', `must be after from (period ${from.toISOString()} .. ${to.toISOString()} is empty)`);
    const asOf = q.asOf !== undefined && q.asOf !== '' ? instant(q.asOf, 'asOf') : new Date(Math.min(now.getTime(), to.getTime() - 1));

    let agency = q.agency === '' ? undefined : q.agency;
    if (agency !== undefined && !isAgencyCode(agency)) throw invalid('agency', `must be an agency code, got ${JSON.stringify(agency)}`);
    const tier = (q.tier as unknown) === '' ? undefined : q.tier;
    if (tier !== undefined && !isTier(tier)) throw invalid('tier', `must be central, province, district or commune, got ${JSON.stringify(tier)}`);
    const groupBy = (q.groupBy as unknown) === '' ? undefined : q.groupBy;
    if (groupBy !== undefined && groupBy !== 'agency' && groupBy !== 'tier') throw invalid('groupBy', `must be agency or tier, got ${JSON.stringify(groupBy)}`);
    if (!canReadAll(viewer)) {
      const own = viewer?.agencyCode;
      if (!own) throw new LtError('FORBIDDEN', 'this token may not read dossier reports');
      if (agency !== undefined && agency !== own)
        throw new LtError('FORBIDDEN', `an agency token may only report on its own dossiers (${own}), not ${agency}`, { agency });
      agency = own;
    }

    const filter: ReportFilter = { from, to, asOf, ...(agency ? { agency } : {}), ...(tier ? { tier: tier as Tier } : {}), ...(groupBy ? { groupBy } : {}) };
    const rows = await this.deps.repo.report(filter);
    const period = { from: from.toISOString(), to: to.toISOString() };
    const base = { period, asOf: asOf.toISOString(), ...(agency ? { agency } : {}), ...(tier ? { tier: tier as Tier } : {}) };
    if (!groupBy) return toReport(rows[0] ?? emptyRow(), base);
    const groups: DossierReportGroup[] = rows.map((r) => ({
      key: r.key ?? '',
      ...toReport(r, { ...base, ...(groupBy === 'agency' ? { agency: r.key ?? '' } : { tier: r.key as Tier }) }),
    }));
    return { period, asOf: asOf.toISOString(), groupBy, groups };
  }
}

function emptyRow(): ReportRow {
  return {
    key: null,
    received: 0,
    notAccepted: 0,
    withdrawn: 0,
    settled: 0,
    early: 0,
    onTime: 0,
    late: 0,
    awaitingAcceptance: 0,
    inProgress: 0,
    overdueNow: 0,
    meanWorkingDays: null,
    p90WorkingDays: null,
  };
}

function toReport(r: ReportRow, base: Pick<DossierReport, 'period' | 'asOf' | 'agency' | 'tier'>): DossierReport {
  return {
    ...base,
    received: r.received,
    notAccepted: r.notAccepted,
    withdrawn: r.withdrawn,
    settled: { total: r.settled, early: r.early, onTime: r.onTime, late: r.late },
    onTimeRate: r.settled ? (r.early + r.onTime) / r.settled : null,
    awaitingAcceptance: r.awaitingAcceptance,
    inProgress: r.inProgress,
    overdueNow: r.overdueNow,
    settlementWorkingDays: { mean: r.meanWorkingDays, p90: r.p90WorkingDays },
  };
}
