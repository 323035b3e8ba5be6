import {
  localDayNumber,
  LtError,
  toVnLocalDate,
  type OverdueFinding,
  type DossierReport,
  type DossierState,
  type DossierStateCode,
  type Tier,
  type Timeliness,
} from '@lt/contracts';
import { OPEN_STATES } from './lifecycle';

/**
 * Timeliness and reports (one-stop-shop dossiers). Every comparison is by Vietnam-local day
 * against the paused-adjusted deadline `dueAt`: settled before the due day is early ("trước
 * hạn"), on the due day on time ("đúng hạn"), after it late ("quá hạn"). An apology slip does not
 * move `dueAt`: a dossier settled after its deadline stays late.
 */

function dayOf(t: string | Date): number {
  return localDayNumber(toVnLocalDate(typeof t === 'string' ? new Date(t) : t));
}

export function classifySettlement(dossier: DossierState): Timeliness {
  if (dossier.settledAt === undefined) {
    throw new LtError('VALIDATION_FAILED', `dossier ${dossier.code} is not settled (state ${dossier.state}); only settled dossiers are classified`, {
      field: 'settledAt',
      dossierCode: dossier.code,
    });
  }
  const settled = dayOf(dossier.settledAt);
  const due = dayOf(dossier.dueAt);
  return settled < due ? 'early' : settled === due ? 'on_time' : 'late';
}

/** What the dossier looked like at an instant, rebuilt from its history and pauses. */
export interface DossierSnapshot {
  state: DossierStateCode;
  /** deadline as it stood then (pauses closed by then included) */
  dueAt: string;
  /** start of the pause in force then, if any */
  pausedSince?: string;
}

/** Null before the dossier was registered. */
export function dossierAt(dossier: DossierState, t: Date): DossierSnapshot | null {
  const ms = t.getTime();
  let state: DossierStateCode | undefined;
  for (const h of dossier.history) {
    if (new Date(h.at).getTime() <= ms) state = h.toState;
    else break;
  }
  if (state === undefined) return null;
  let dueAt = dossier.initialDueAt;
  let pausedSince: string | undefined;
  for (const p of dossier.pauses) {
    if (new Date(p.from).getTime() > ms) break;
    if (p.to !== undefined && new Date(p.to).getTime() <= ms) dueAt = p.dueAtAfter ?? dueAt;
    else pausedSince = p.from;
  }
  return { state, dueAt, ...(pausedSince !== undefined ? { pausedSince } : {}) };
}

/**
 * Overdue at `now`: open (not settled, not closed) and past its due day. While paused the clock
 * stands still, so a paused dossier is overdue only if it was already past its due day when the
 * pause began. Works for past instants too (reports "as of" a period end).
 */
export function isOverdue(dossier: DossierState, now: Date): boolean {
  const snap = dossierAt(dossier, now);
  if (!snap || !OPEN_STATES.includes(snap.state)) return false;
  const ref = snap.pausedSince !== undefined ? dayOf(snap.pausedSince) : dayOf(now);
  return ref > dayOf(snap.dueAt);
}

/** Data of a `dossier.overdue` event and of the notice sent to the agencies concerned, before the notice has an id. */
export type OverdueNotice = OverdueFinding;

/**
 * Deadlines missed at `now` (meant for the current state: `now` at or after the last change).
 * `parentOf` resolves an agency's parent from the registry (null/undefined for a root).
 */
export function overdueNotices(
  dossier: DossierState,
  now: Date,
  parentOf: (agencyCode: string) => string | null | undefined,
): OverdueNotice[] {
  if (!OPEN_STATES.includes(dossier.state)) return [];
  const openPause = dossier.pauses.find((p) => p.to === undefined);
  const ref = openPause ? dayOf(openPause.from) : dayOf(now);
  const notify = (agency: string): string[] => {
    const parent = parentOf(agency);
    return parent && parent !== agency ? [agency, parent] : [agency];
  };
  const out: OverdueNotice[] = [];
  const detectedAt = now.toISOString();
  if (ref > dayOf(dossier.dueAt)) {
    out.push({ dossierCode: dossier.code, scope: 'dossier', responsible: dossier.holder, notify: notify(dossier.holder), dueAt: dossier.dueAt, detectedAt });
  }
  dossier.steps.forEach((s, i) => {
    if (s.returnedAt === undefined && ref > dayOf(s.stepDueAt)) {
      out.push({ dossierCode: dossier.code, scope: 'step', stepIndex: i, responsible: s.to, notify: notify(s.to), dueAt: s.stepDueAt, detectedAt });
    }
  });
  return out;
}

/** Half-open period [from, to). */
export interface ReportPeriod {
  from: Date;
  to: Date;
}

export interface ReportOptions {
  /** only dossiers received by this agency */
  agency?: string;
  /** only dossiers received at this tier */
  tier?: Tier;
  /** instant for inProgress / overdueNow / awaitingAcceptance; default: the period's last millisecond */
  asOf?: Date;
}

/** Nearest-rank percentile (p in 0..100) of ascending values: the ceil(p% * n)-th value. */
export function nearestRankPercentile(sortedAscending: readonly number[], p: number): number | null {
  if (sortedAscending.length === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * sortedAscending.length));
  return sortedAscending[rank - 1]!;
}

/**
 * Report per receiving agency and/or tier and period. Dossiers are attributed to the agency and
 * tier that received them (the one-stop desk answerable to the citizen), not to step agencies.
 */
export function computeReport(dossiers: readonly DossierState[], period: ReportPeriod, options: ReportOptions = {}): DossierReport {
  const from = period.from.getTime();
  const to = period.to.getTime();
  if (!(from < to)) {
    throw new LtError('VALIDATION_FAILED', `report period must have from < to, got ${period.from.toISOString()}..${period.to.toISOString()}`, { field: 'period' });
  }
  const asOf = options.asOf ?? new Date(to - 1);
  const inPeriod = (t: string | undefined): boolean => {
    if (t === undefined) return false;
    const ms = new Date(t).getTime();
    return ms >= from && ms < to;
  };
  const scoped = dossiers.filter(
    (d) => (options.agency === undefined || d.receivingAgency === options.agency) && (options.tier === undefined || d.receivingTier === options.tier),
  );

  const settled = { total: 0, early: 0, onTime: 0, late: 0 };
  const durations: number[] = [];
  let received = 0;
  let notAccepted = 0;
  let withdrawn = 0;
  let awaitingAcceptance = 0;
  let inProgress = 0;
  let overdueNow = 0;
  for (const d of scoped) {
    if (inPeriod(d.receivedAt)) received++;
    for (const h of d.history) {
      if (h.action !== 'transition' || !inPeriod(h.at)) continue;
      if (h.toState === 3) notAccepted++;
      if (h.toState === 7) withdrawn++;
    }
    if (inPeriod(d.settledAt)) {
      settled.total++;
      const c = classifySettlement(d);
      if (c === 'early') settled.early++;
      else if (c === 'on_time') settled.onTime++;
      else settled.late++;
      if (d.settlementWorkingDays !== undefined) durations.push(d.settlementWorkingDays);
    }
    const snap = dossierAt(d, asOf);
    if (snap) {
      if (snap.state === 1) awaitingAcceptance++;
      else if (OPEN_STATES.includes(snap.state)) inProgress++;
      if (isOverdue(d, asOf)) overdueNow++;
    }
  }
  durations.sort((a, b) => a - b);
  const mean = durations.length ? durations.reduce((s, x) => s + x, 0) / durations.length : null;
  return {
    period: { from: period.from.toISOString(), to: period.to.toISOString() },
    ...(options.agency !== undefined ? { agency: options.agency } : {}),
    ...(options.tier !== undefined ? { tier: options.tier } : {}),
    asOf: asOf.toISOString(),
    received,
    notAccepted,
    withdrawn,
    settled,
    onTimeRate: settled.total ? (settled.early + settled.onTime) / settled.total : null,
    awaitingAcceptance,
    inProgress,
    overdueNow,
    settlementWorkingDays: { mean, p90: nearestRankPercentile(durations, 90) },
  };
}
