import { formatDossierCode, type DossierState } from '@lt/contracts';
import { applyTransition, getProcedure, loadCalendar, registerDossier, type DossierAction } from '@lt/dossier-domain';
import { join } from 'node:path';
import { columnsOf, deliverToFor, nextDeadline, openDeadlines, participantsOf, viewOf, type StoredDossier } from './stored-dossier';
import { findConfigDir } from '@lt/platform';

const calendar = loadCalendar(join(findConfigDir(), 'calendar'));
const C = '000.12.05.H41';
const D = '000.00.05.H41';
const P = '000.00.00.H41';
const vn = (s: string) => new Date(`${s.replace(' ', 'T')}:00+07:00`);
const endOf = (day: string) => vn(`${day} 23:59`).toISOString().replace('00.000Z', '59.999Z');

function registered(procedure = 'DEMO-DD-GCN-LANDAU'): DossierState {
  const p = getProcedure(procedure);
  const applicant = Object.fromEntries((p.requiredApplicantFields ?? []).map((f) => [f, 'x']));
  const at = vn('2026-03-02 09:00');
  return registerDossier(
    { code: formatDossierCode(C, at, 1), procedure: p, receivingAgency: C, receivingTier: 'commune', receivedAt: at, applicant },
    calendar,
  );
}

function run(d: DossierState, steps: Array<[DossierAction, string]>): DossierState {
  return steps.reduce((acc, [a, at]) => applyTransition(acc, a, vn(at), calendar), d);
}

const stored = (state: DossierState, overdueNotified: string[] = []): StoredDossier => ({
  state,
  overdueNotified,
  version: 1,
  submitEnvelopeId: '01900000-0000-7000-8000-000000000000',
});

describe('stored dossier columns', () => {
  const inProgress = () =>
    run(registered(), [
      [{ type: 'transition', by: C, toState: 2 }, '2026-03-02 09:10'],
      [{ type: 'transition', by: C, toState: 4 }, '2026-03-02 09:20'],
    ]);

  it('watches the legal deadline and every open step, earliest first, skipping notified ones', () => {
    const d = run(inProgress(), [
      [{ type: 'transfer', by: C, toAgency: D, stepWorkingDays: 20 }, '2026-03-03 09:00'],
      [{ type: 'transfer', by: D, toAgency: P, stepWorkingDays: 8 }, '2026-03-05 09:00'],
    ]);
    expect(openDeadlines(d).map((x) => [x.scope, x.stepIndex, x.at])).toEqual([
      ['dossier', undefined, endOf('2026-04-13')],
      ['step', 0, endOf('2026-03-31')],
      ['step', 1, endOf('2026-03-17')],
    ]);
    expect(nextDeadline(d, [])).toBe(endOf('2026-03-17'));
    expect(nextDeadline(d, [`step1@${endOf('2026-03-17')}`])).toBe(endOf('2026-03-31'));
    expect(participantsOf(d).sort()).toEqual([P, D, C].sort());
  });

  it('has no deadline to watch once settled, and stores the timeliness class and working days', () => {
    const d = run(inProgress(), [[{ type: 'transition', by: C, toState: 9 }, '2026-03-20 10:00']]);
    const c = columnsOf(stored(d));
    expect(c).toMatchObject({
      state: 9,
      nextDeadlineAt: null,
      settledClass: 'early',
      settlementWorkingDays: 14,
      pausedSince: null,
      acceptedAt: vn('2026-03-02 09:10').toISOString(),
    });
  });

  it('records the open pause and keeps the deadline watch while paused', () => {
    const d = run(inProgress(), [[{ type: 'transition', by: C, toState: 5, reason: 'thiếu giấy tờ' }, '2026-03-04 09:00']]);
    const c = columnsOf(stored(d));
    expect(c.pausedSince).toBe(vn('2026-03-04 09:00').toISOString());
    expect(c.nextDeadlineAt).toBe(endOf('2026-04-13'));
  });

  it('delivers each step to the agencies concerned, never to the sender', () => {
    const base = inProgress();
    const moved = run(base, [[{ type: 'transfer', by: C, toAgency: D, stepWorkingDays: 20 }, '2026-03-03 09:00']]);
    expect(deliverToFor('submit', null, base, C)).toEqual([]);
    expect(deliverToFor('submit', null, base, '000.00.00.G22')).toEqual([C]);
    expect(deliverToFor('transfer', base, moved, C)).toEqual([D]);
    const paused = run(moved, [[{ type: 'transition', by: D, toState: 5, reason: 'bổ sung' }, '2026-03-04 09:00']]);
    expect(deliverToFor('transition', moved, paused, D)).toEqual([C]);
    const resumed = run(paused, [[{ type: 'transition', by: C, toState: 4 }, '2026-03-05 09:00']]);
    expect(deliverToFor('transition', paused, resumed, C)).toEqual([D]);
    const back = run(resumed, [[{ type: 'return', by: D }, '2026-03-06 09:00']]);
    expect(deliverToFor('return', resumed, back, D)).toEqual([C]);
  });

  it('flags an open dossier past its due day in the view', () => {
    const d = inProgress();
    expect(viewOf(d, vn('2026-04-13 23:00')).overdue).toBe(false);
    expect(viewOf(d, vn('2026-04-14 00:00'))).toMatchObject({ overdue: true, stateName: 'in_progress', participants: [C] });
  });
});
