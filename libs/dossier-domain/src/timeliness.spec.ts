import type { DossierState, DossierStateCode } from '@lt/contracts';
import type { DossierAction } from './lifecycle';
import { getProcedure } from './procedures';
import { classifySettlement, computeReport, dossierAt, isOverdue, nearestRankPercentile } from './timeliness';
import { AGENCIES, ltCode, register, run, vn } from './test-helpers';

const A = AGENCIES.commune;
const B = AGENCIES.otherCommune;
const C = AGENCIES.otherDistrict;
const MARITAL = getProcedure('DEMO-HT-XNTTHN'); // 3 working days, received at a commune

const t = (by: string, toState: DossierStateCode, extra: Partial<Extract<DossierAction, { type: 'transition' }>> = {}): DossierAction => ({
  type: 'transition',
  by,
  toState,
  ...([3, 5, 8].includes(toState) ? { reason: 'r' } : {}),
  ...extra,
});
const apology = { newDueAt: '2026-05-29', reason: 'late' };

/** received (VN local), then accepted 30 min later and started; then the given steps. */
function dossier(agency: string, receivedAt: string, steps: Array<[DossierAction, string]>, tier: 'commune' | 'district' = 'commune'): DossierState {
  return run(register(MARITAL, vn(receivedAt), { agency, tier }), steps);
}
const started = (agency: string, day: string): Array<[DossierAction, string]> => [
  [t(agency, 2), `${day} 09:30`],
  [t(agency, 4), `${day} 10:00`],
];

/*
 * May 2026 (Fri 1 May is a holiday). Procedure: 3 working days. Hand-computed:
 * D1  rec Mon 4   due Thu 7   settled Wed 6            early    (4,6]=2 wd
 * D2  rec Mon 4   due Thu 7   settled Thu 7            on time  3 wd
 * D3  rec Tue 5   due Fri 8   settled Tue 12 + apology late     (5,12]=6,7,8,11,12=5 wd
 * D4  rec Wed 6   due Mon 11; supplement Thu 7 -> resumed Tue 12: paused (7,12]=8,11,12=3
 *                 due -> Thu 14; settled Thu 14      on time  (6,14]=6 - 3 = 3 wd
 * D5  rec Mon 18  due Thu 21  still in progress at month end        -> in progress, overdue
 * D6  rec Mon 25  due Thu 28  supplement requested Tue 26, open     -> in progress, not overdue
 * D7  rec Fri 29  state 1 (due Wed 3 Jun)                            -> awaiting acceptance
 * D8  rec Thu 30 Apr (holiday: clock starts Mon 4 May), due Thu 7; settled Fri 8 late, 4 wd
 *                 (received in April: not counted as received in May)
 * D9  rec Mon 11  not accepted Mon 11
 * D10 rec Mon 11  accepted, withdrawn Tue 12
 * D11 agency B (commune tier) rec Mon 4, settled Tue 5  early, 1 wd
 * D12 agency C (district tier) rec Mon 4, in progress
 * D13 rec Mon 20 Apr, settled Wed 22 Apr (outside May)
 * D14 rec Mon 1 Jun (after May)
 *
 * Agency A, May: received 9 (D1-D7, D9, D10); settled 5 (early 1: D1; on time 2: D2, D4;
 * late 2: D3, D8); on-time rate 3/5; not accepted 1; withdrawn 1; awaiting acceptance 1 (D7);
 * in progress 2 (D5, D6); overdue now 1 (D5); settlement days [2,3,3,4,5]: mean 3.4, p90 5.
 */
const D1 = dossier(A, '2026-05-04 09:00', [...started(A, '2026-05-04'), [t(A, 9), '2026-05-06 10:00']]);
const D2 = dossier(A, '2026-05-04 09:00', [...started(A, '2026-05-04'), [t(A, 9), '2026-05-07 10:00']]);
const D3 = dossier(A, '2026-05-05 09:00', [...started(A, '2026-05-05'), [t(A, 9, { apology }), '2026-05-12 10:00']]);
const D4 = dossier(A, '2026-05-06 09:00', [
  ...started(A, '2026-05-06'),
  [t(A, 5), '2026-05-07 10:00'],
  [t(A, 4), '2026-05-12 10:00'],
  [t(A, 9), '2026-05-14 10:00'],
]);
const D5 = dossier(A, '2026-05-18 09:00', started(A, '2026-05-18'));
const D6 = dossier(A, '2026-05-25 09:00', [...started(A, '2026-05-25'), [t(A, 5), '2026-05-26 10:00']]);
const D7 = dossier(A, '2026-05-29 09:00', []);
const D8 = dossier(A, '2026-04-30 10:00', [...started(A, '2026-05-04'), [t(A, 9, { apology }), '2026-05-08 10:00']]);
const D9 = dossier(A, '2026-05-11 09:00', [[t(A, 3), '2026-05-11 10:00']]);
const D10 = dossier(A, '2026-05-11 09:00', [...started(A, '2026-05-11'), [t(A, 7), '2026-05-12 10:00']]);
const D11 = dossier(B, '2026-05-04 09:00', [...started(B, '2026-05-04'), [t(B, 9), '2026-05-05 10:00']]);
const D12 = dossier(C, '2026-05-04 09:00', started(C, '2026-05-04'), 'district');
const D13 = dossier(A, '2026-04-20 09:00', [...started(A, '2026-04-20'), [t(A, 9), '2026-04-22 10:00']]);
const D14 = dossier(A, '2026-06-01 09:00', []);
const ALL = [D1, D2, D3, D4, D5, D6, D7, D8, D9, D10, D11, D12, D13, D14];
const MAY = { from: vn('2026-05-01 00:00'), to: vn('2026-06-01 00:00') };

describe('per-dossier figures behind the report', () => {
  it('classifies and measures each settled dossier as computed by hand', () => {
    expect([D1, D2, D3, D4, D8, D11].map(classifySettlement)).toEqual(['early', 'on_time', 'late', 'on_time', 'late', 'early']);
    expect([D1, D2, D3, D4, D8, D11].map((d) => d.settlementWorkingDays)).toEqual([2, 3, 5, 3, 4, 1]);
    expect(D4.dueAt).toBe('2026-05-14T16:59:59.999Z');
    expect(D8.dueAt).toBe('2026-05-07T16:59:59.999Z');
  });

  it('refuses to classify an unsettled dossier', () => {
    expect(ltCode(() => classifySettlement(D5)).details).toMatchObject({ field: 'settledAt' });
  });
});

describe('computeReport', () => {
  it('reports agency A for May 2026', () => {
    expect(computeReport(ALL, MAY, { agency: A })).toEqual({
      period: { from: '2026-04-30T17:00:00.000Z', to: '2026-05-31T17:00:00.000Z' },
      agency: A,
      asOf: '2026-05-31T16:59:59.999Z',
      received: 9,
      notAccepted: 1,
      withdrawn: 1,
      settled: { total: 5, early: 1, onTime: 2, late: 2 },
      onTimeRate: 0.6,
      awaitingAcceptance: 1,
      inProgress: 2,
      overdueNow: 1,
      settlementWorkingDays: { mean: 3.4, p90: 5 },
    });
  });

  it('reports the commune tier (agencies A and B, not district C)', () => {
    const r = computeReport(ALL, MAY, { tier: 'commune' });
    expect(r.received).toBe(10);
    expect(r.settled).toEqual({ total: 6, early: 2, onTime: 2, late: 2 });
    expect(r.onTimeRate).toBeCloseTo(4 / 6, 12);
    expect(r.inProgress).toBe(2);
    expect(r.settlementWorkingDays).toEqual({ mean: 3, p90: 5 }); // [1,2,3,3,4,5]: 18/6; rank ceil(5.4) = 6
    expect(computeReport(ALL, MAY, { tier: 'district' })).toMatchObject({ received: 1, inProgress: 1, overdueNow: 1, onTimeRate: null });
  });

  it('rebuilds in-progress and overdue figures as of an earlier instant', () => {
    // Mon 11 May 12:00: D3 (due 8 May) is overdue and in progress; D4 is paused since 7 May,
    // before its due day (then 11 May), so not overdue; D10 accepted; D9 already refused
    const r = computeReport(ALL, MAY, { agency: A, asOf: vn('2026-05-11 12:00') });
    expect(r).toMatchObject({ awaitingAcceptance: 0, inProgress: 3, overdueNow: 1 });
    expect(dossierAt(D4, vn('2026-05-11 12:00'))).toEqual({ state: 5, dueAt: '2026-05-11T16:59:59.999Z', pausedSince: vn('2026-05-07 10:00').toISOString() });
    expect(dossierAt(D4, vn('2026-05-13 12:00'))).toEqual({ state: 4, dueAt: '2026-05-14T16:59:59.999Z' });
    expect(isOverdue(D3, vn('2026-05-11 12:00'))).toBe(true);
    expect(isOverdue(D3, vn('2026-05-08 23:00'))).toBe(false);
    expect(dossierAt(D14, vn('2026-05-31 12:00'))).toBeNull();
  });

  it('has no rate and no durations when nothing was settled', () => {
    const r = computeReport(ALL, { from: vn('2026-07-01 00:00'), to: vn('2026-08-01 00:00') }, { agency: A });
    expect(r).toMatchObject({ received: 0, settled: { total: 0, early: 0, onTime: 0, late: 0 }, onTimeRate: null, settlementWorkingDays: { mean: null, p90: null } });
  });

  it('refuses an empty period', () => {
    expect(ltCode(() => computeReport(ALL, { from: MAY.to, to: MAY.from })).details).toEqual({ field: 'period' });
  });
});

describe('nearestRankPercentile', () => {
  it('takes the ceil(p*n)-th value', () => {
    expect(nearestRankPercentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 90)).toBe(9);
    expect(nearestRankPercentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11], 90)).toBe(10);
    expect(nearestRankPercentile([7], 90)).toBe(7);
    expect(nearestRankPercentile([], 90)).toBeNull();
  });
});
