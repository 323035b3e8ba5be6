import { DOSSIER_STATES, type DossierState, type DossierStateCode } from '@lt/contracts';
import { applyTransition, DOSSIER_TRANSITIONS, REASON_REQUIRED_STATES, type DossierAction } from './lifecycle';
import type { Procedure } from './procedures';
import { classifySettlement, isOverdue, overdueNotices } from './timeliness';
import { AGENCIES, deepFreeze, ltCode, realCalendar, register, run, vn } from './test-helpers';

const { commune, district, province, otherCommune } = AGENCIES;
const cal = realCalendar();

/** Small inter-level procedure so the figures can be checked by hand. */
const LAND: Procedure = {
  code: 'TEST-LAND',
  name: 'test land procedure',
  workingDays: 10,
  receivingTier: 'commune',
  steps: [
    { tier: 'district', workingDays: 6 },
    { tier: 'province', workingDays: 3 },
  ],
  applicantFields: ['ownerFullName', 'parcelNumber'],
  requiredApplicantFields: ['ownerFullName'],
};

const t = (by: string, toState: DossierStateCode, extra: Partial<Extract<DossierAction, { type: 'transition' }>> = {}): DossierAction => ({
  type: 'transition',
  by,
  toState,
  ...(REASON_REQUIRED_STATES.includes(toState) ? { reason: `reason for ${toState}` } : {}),
  ...extra,
});

/** A fresh dossier received Mon 2026-03-02 09:00 (due Mon 16 Mar), driven to `state` by legal moves. */
function reach(state: DossierStateCode): DossierState {
  const d = register(LAND, vn('2026-03-02 09:00'));
  const path: Record<DossierStateCode, DossierStateCode[]> = {
    1: [],
    2: [2],
    3: [3],
    4: [2, 4],
    5: [2, 4, 5],
    6: [2, 4, 6],
    7: [7],
    8: [2, 4, 8],
    9: [2, 4, 9],
    10: [2, 4, 9, 10],
  };
  return run(
    d,
    path[state].map((s, i) => [t(commune, s), `2026-03-0${3 + i} 10:00`]),
  );
}

describe('registerDossier', () => {
  it('starts in state 1, held by the receiving agency, due after the legal working days', () => {
    const d = register(LAND, vn('2026-03-02 09:00'));
    expect(d).toMatchObject({ state: 1, holder: commune, receivingAgency: commune, procedureCode: 'TEST-LAND', steps: [], pauses: [] });
    expect(d.dueAt).toBe('2026-03-16T16:59:59.999Z'); // 10 working days after Mon 2 Mar: Mon 16 Mar
    expect(d.initialDueAt).toBe(d.dueAt);
  });

  it('refuses applicant data the procedure does not need', () => {
    const e = ltCode(() => register(LAND, vn('2026-03-02 09:00'), { applicant: { ownerFullName: 'A', ethnicity: 'x' } }));
    expect(e.code).toBe('VALIDATION_FAILED');
    expect(e.message).toMatch(/ethnicity/);
  });
});

describe('every legal transition', () => {
  it.each(DOSSIER_TRANSITIONS.map((r) => [r.from, r.to, r.by[0]!] as const))('%i -> %i', (from, to, actor) => {
    const before = deepFreeze(reach(from));
    const snapshot = JSON.parse(JSON.stringify(before));
    const by = actor === 'holder' ? before.holder : before.receivingAgency;
    const after = applyTransition(before, t(by, to), vn('2026-03-10 10:00'), cal);
    expect(after.state).toBe(to);
    expect(after).not.toBe(before);
    expect(after.history.at(-1)).toMatchObject({ action: 'transition', fromState: from, toState: to, by });
    expect(JSON.parse(JSON.stringify(before))).toEqual(snapshot);
  });
});

describe('illegal transitions', () => {
  const legal = new Set(DOSSIER_TRANSITIONS.map((r) => `${r.from}->${r.to}`));
  const states = Object.keys(DOSSIER_STATES).map(Number) as DossierStateCode[];
  const illegalPairs = states.flatMap((from) => states.filter((to) => !legal.has(`${from}->${to}`)).map((to) => [from, to] as const));

  it('covers every pair not in the table', () => {
    expect(illegalPairs.length).toBe(100 - DOSSIER_TRANSITIONS.length);
  });

  it.each(illegalPairs)('%i -> %i is refused with the current state and nothing changes', (from, to) => {
    const before = deepFreeze(reach(from));
    const snapshot = JSON.parse(JSON.stringify(before));
    const e = ltCode(() => applyTransition(before, t(before.holder, to), vn('2026-03-10 10:00'), cal));
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.details).toMatchObject({ currentState: from, attempted: to, currentStateName: DOSSIER_STATES[from] });
    expect(e.message).toContain(`is in state ${from} (${DOSSIER_STATES[from]})`);
    expect(JSON.parse(JSON.stringify(before))).toEqual(snapshot);
  });

  it.each([1, 2, 5, 9, 10] as DossierStateCode[])('refuses a transfer in state %i', (state) => {
    const d = reach(state);
    const e = ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: district, stepWorkingDays: 3 }, vn('2026-03-10 10:00'), cal));
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.details).toMatchObject({ currentState: state, attempted: 'transfer' });
  });

  it('refuses a return without an open step, and settling while a step is out', () => {
    const d = reach(4);
    expect(ltCode(() => applyTransition(d, { type: 'return', by: commune }, vn('2026-03-10 10:00'), cal)).details).toMatchObject({
      currentState: 4,
      attempted: 'return',
    });
    const away = run(d, [[{ type: 'transfer', by: commune, toAgency: district, stepWorkingDays: 6 }, '2026-03-10 10:00']]);
    const e = ltCode(() => applyTransition(away, t(district, 9), vn('2026-03-11 10:00'), cal));
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.details).toMatchObject({ currentState: 4, attempted: 9 });
    expect(e.message).toMatch(/has not returned/);
  });
});

describe('who may act', () => {
  const away = () => run(reach(4), [[{ type: 'transfer', by: commune, toAgency: district, stepWorkingDays: 6 }, '2026-03-10 10:00']]);

  it('only the holder processes, only the receiving desk withdraws, only the step target returns', () => {
    const d = away();
    expect(ltCode(() => applyTransition(d, t(commune, 5), vn('2026-03-11 10:00'), cal))).toMatchObject({
      code: 'FORBIDDEN',
      details: { currentState: 4, attempted: 5, by: commune, allowedActors: [district] },
    });
    expect(ltCode(() => applyTransition(d, t(district, 7), vn('2026-03-11 10:00'), cal)).code).toBe('FORBIDDEN');
    expect(ltCode(() => applyTransition(d, { type: 'return', by: commune }, vn('2026-03-11 10:00'), cal)).code).toBe('FORBIDDEN');
    expect(ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: province, stepWorkingDays: 3 }, vn('2026-03-11 10:00'), cal)).code).toBe(
      'FORBIDDEN',
    );
    expect(ltCode(() => applyTransition(reach(1), t(otherCommune, 2), vn('2026-03-11 10:00'), cal)).code).toBe('FORBIDDEN');
    // the receiving desk may withdraw and may hand in a supplement while another agency holds it
    expect(applyTransition(d, t(commune, 7), vn('2026-03-11 10:00'), cal).state).toBe(7);
    const paused = run(d, [[t(district, 5), '2026-03-11 10:00']]);
    expect(applyTransition(paused, t(commune, 4), vn('2026-03-12 10:00'), cal).state).toBe(4);
  });
});

describe('input checks', () => {
  it('requires a reason for not accepted, supplement and stop', () => {
    for (const [from, to] of [[1, 3], [4, 5], [4, 8]] as const) {
      const e = ltCode(() => applyTransition(reach(from), { type: 'transition', by: commune, toState: to }, vn('2026-03-10 10:00'), cal));
      expect(e).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'reason' } });
    }
  });

  it('refuses a change dated before the last one', () => {
    const d = reach(4);
    expect(ltCode(() => applyTransition(d, t(commune, 5), vn('2026-03-03 09:00'), cal)).details).toEqual({ field: 'at' });
  });

  it('needs exactly one step deadline and refuses a transfer back into the chain', () => {
    const d = reach(4);
    const at = vn('2026-03-10 10:00');
    expect(ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: district }, at, cal)).details).toMatchObject({ field: 'stepWorkingDays' });
    expect(
      ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: district, stepWorkingDays: 2, stepDueAt: '2026-03-20' }, at, cal)).code,
    ).toBe('VALIDATION_FAILED');
    expect(ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: district, stepDueAt: '2026-03-09' }, at, cal)).details).toMatchObject({
      field: 'stepDueAt',
    });
    expect(ltCode(() => applyTransition(d, { type: 'transfer', by: commune, toAgency: 'H41', stepWorkingDays: 2 }, at, cal)).code).toBe('INVALID_AGENCY_CODE');
    const away = run(d, [[{ type: 'transfer', by: commune, toAgency: district, stepWorkingDays: 6 }, '2026-03-10 10:00']]);
    expect(ltCode(() => applyTransition(away, { type: 'transfer', by: district, toAgency: commune, stepWorkingDays: 1 }, vn('2026-03-11 10:00'), cal)).message).toMatch(
      /use return/,
    );
  });

  it('uses the end of the given day for an explicit step deadline', () => {
    const d = run(reach(4), [[{ type: 'transfer', by: commune, toAgency: district, stepDueAt: '2026-03-20' }, '2026-03-10 10:00']]);
    expect(d.steps[0]!.stepDueAt).toBe('2026-03-20T16:59:59.999Z');
  });
});

describe('full cycle commune -> district -> province -> commune with a supplement request', () => {
  /*
   * Hand computation, 2026 calendar (Sun 26 Apr Hùng Kings, Mon 27 Apr compensation, 30 Apr and
   * 1 May holidays):
   * - received Mon 20 Apr; 10 working days: 21 22 23 24 28 29 | 4 5 6 7 May -> due Thu 7 May
   * - transfer to district Tue 21 Apr, 6 days: 22 23 24 28 29 | 4 May -> step due Mon 4 May
   * - district -> province Wed 22 Apr, 3 days: 23 24 28 -> step due Tue 28 Apr
   * - province requests a supplement Thu 23 Apr; commune hands it in Tue 28 Apr:
   *   paused = working days in (23 Apr, 28 Apr] = 24, 28 = 2
   * - deadlines move 2 working days: dossier 7 May -> 11 May; district 4 May -> 6 May;
   *   province 28 Apr -> 4 May
   * - settled Mon 11 May = due day: on time; working days used = (20 Apr, 11 May] = 12, minus 2
   *   paused = 10
   */
  const received = register(LAND, vn('2026-04-20 09:00'), { applicant: { ownerFullName: 'Nguyễn Văn A', parcelNumber: '123' } });
  const accepted = run(received, [
    [t(commune, 2), '2026-04-20 09:30'],
    [t(commune, 4), '2026-04-20 10:00'],
  ]);
  const atDistrict = run(accepted, [[{ type: 'transfer', by: commune, toAgency: district, toTier: 'district', stepWorkingDays: 6 }, '2026-04-21 08:00']]);
  const atProvince = run(atDistrict, [[{ type: 'transfer', by: district, toAgency: province, toTier: 'province', stepWorkingDays: 3 }, '2026-04-22 09:00']]);
  const paused = run(atProvince, [[t(province, 5, { reason: 'missing cadastral extract' }), '2026-04-23 10:00']]);
  const resumed = run(paused, [[t(commune, 4), '2026-04-28 14:00']]);
  const backAtDistrict = run(resumed, [[{ type: 'return', by: province }, '2026-04-29 11:00']]);
  const backAtCommune = run(backAtDistrict, [[{ type: 'return', by: district }, '2026-05-05 15:00']]);
  const settled = run(backAtCommune, [[t(commune, 9), '2026-05-11 16:00']]);
  const returned = run(settled, [[t(commune, 10), '2026-05-12 08:00']]);

  it('computes the legal and step deadlines', () => {
    expect(received.dueAt).toBe('2026-05-07T16:59:59.999Z');
    expect(atDistrict.steps[0]).toMatchObject({ from: commune, to: district, toTier: 'district', stepDueAt: '2026-05-04T16:59:59.999Z' });
    expect(atProvince.steps[1]).toMatchObject({ from: district, to: province, stepDueAt: '2026-04-28T16:59:59.999Z' });
    expect(atProvince.holder).toBe(province);
  });

  it('pauses the clock and pushes every open deadline back by the paused working days', () => {
    expect(paused.pauses).toEqual([{ state: 5, from: vn('2026-04-23 10:00').toISOString() }]);
    expect(resumed.pauses[0]).toMatchObject({ workingDays: 2, to: vn('2026-04-28 14:00').toISOString(), dueAtAfter: '2026-05-11T16:59:59.999Z' });
    expect(resumed.dueAt).toBe('2026-05-11T16:59:59.999Z');
    expect(resumed.initialDueAt).toBe('2026-05-07T16:59:59.999Z');
    expect(resumed.steps.map((s) => s.stepDueAt)).toEqual(['2026-05-06T16:59:59.999Z', '2026-05-04T16:59:59.999Z']);
    expect(resumed.holder).toBe(province);
  });

  it('returns step by step to the commune', () => {
    expect(backAtDistrict.holder).toBe(district);
    expect(backAtDistrict.steps[1]!.returnedAt).toBe(vn('2026-04-29 11:00').toISOString());
    expect(backAtDistrict.steps[0]!.returnedAt).toBeUndefined();
    expect(backAtCommune.holder).toBe(commune);
    expect(backAtCommune.steps.every((s) => s.returnedAt !== undefined)).toBe(true);
  });

  it('settles on the due day: on time, 10 working days with paused time excluded', () => {
    expect(settled.state).toBe(9);
    expect(settled.settledAt).toBe(vn('2026-05-11 16:00').toISOString());
    expect(classifySettlement(settled)).toBe('on_time');
    expect(settled.settlementWorkingDays).toBe(10);
    expect(settled.apologies).toEqual([]);
    expect(returned).toMatchObject({ state: 10, resultReturnedAt: vn('2026-05-12 08:00').toISOString() });
    expect(returned.history.map((h) => [h.action, h.toState, h.by])).toEqual([
      ['register', 1, commune],
      ['transition', 2, commune],
      ['transition', 4, commune],
      ['transfer', 4, commune],
      ['transfer', 4, district],
      ['transition', 5, province],
      ['transition', 4, commune],
      ['return', 4, province],
      ['return', 4, district],
      ['transition', 9, commune],
      ['transition', 10, commune],
    ]);
  });

  it('would not be overdue on 8 May thanks to the pause, and flags the late province step', () => {
    expect(isOverdue(backAtCommune, vn('2026-05-08 10:00'))).toBe(false);
    expect(isOverdue(backAtCommune, vn('2026-05-12 08:00'))).toBe(true);
    // without the supplement pause the province step was due Tue 28 Apr
    const notices = overdueNotices(atProvince, vn('2026-04-29 10:00'), (a) => (a === province ? null : province));
    expect(notices).toEqual([
      { dossierCode: atProvince.code, scope: 'step', stepIndex: 1, responsible: province, notify: [province], dueAt: '2026-04-28T16:59:59.999Z', detectedAt: vn('2026-04-29 10:00').toISOString() },
    ]);
  });
});

describe('settlement timeliness and apology slips', () => {
  // received Mon 2 Mar, 10 working days: due Mon 16 Mar
  const inProgress = () => reach(4);

  it('settled before the due day is early', () => {
    const d = run(inProgress(), [[t(commune, 9), '2026-03-13 10:00']]);
    expect(classifySettlement(d)).toBe('early');
    expect(d.settlementWorkingDays).toBe(9);
  });

  it('settled at any hour of the due day is on time', () => {
    expect(classifySettlement(run(inProgress(), [[t(commune, 9), '2026-03-16 23:59']]))).toBe('on_time');
  });

  it('settled after the due day is late and needs an apology slip with a new date', () => {
    const before = deepFreeze(inProgress());
    const e = ltCode(() => applyTransition(before, t(commune, 9), vn('2026-03-17 09:00'), cal));
    expect(e).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'apology' } });
    expect(before.state).toBe(4);

    const late = applyTransition(
      before,
      t(commune, 9, { apology: { newDueAt: '2026-03-18', reason: 'site survey delayed', issuedAt: vn('2026-03-16 15:00') } }),
      vn('2026-03-17 09:00'),
      cal,
    );
    expect(classifySettlement(late)).toBe('late');
    expect(late.apologies).toEqual([
      { issuedAt: vn('2026-03-16 15:00').toISOString(), newDueAt: '2026-03-18T16:59:59.999Z', reason: 'site survey delayed', by: commune },
    ]);
    expect(late.dueAt).toBe('2026-03-16T16:59:59.999Z'); // the slip does not move the legal deadline
  });

  it('refuses an apology whose new date is not after the deadline, or on a non-settling move', () => {
    expect(ltCode(() => applyTransition(inProgress(), t(commune, 9, { apology: { newDueAt: '2026-03-16', reason: 'x' } }), vn('2026-03-17 09:00'), cal)).details).toMatchObject({
      field: 'apology.newDueAt',
    });
    expect(ltCode(() => applyTransition(inProgress(), t(commune, 6, { apology: { newDueAt: '2026-03-20', reason: 'x' } }), vn('2026-03-10 09:00'), cal)).details).toMatchObject({
      field: 'apology',
    });
  });
});

describe('paused clock', () => {
  it('resuming the same day costs nothing; a stop (8) and a financial request (6) pause too', () => {
    const d = run(reach(4), [
      [t(commune, 6), '2026-03-05 09:00'],
      [t(commune, 4), '2026-03-05 16:00'], // same day: 0
      [t(commune, 8), '2026-03-06 09:00'], // Fri
      [t(commune, 4), '2026-03-09 09:00'], // Mon: (6 Mar, 9 Mar] = 1
    ]);
    expect(d.pauses.map((p) => [p.state, p.workingDays])).toEqual([
      [6, 0],
      [8, 1],
    ]);
    expect(d.dueAt).toBe('2026-03-17T16:59:59.999Z'); // 16 Mar + 1
  });

  it('counts a pause across Tết in working days only', () => {
    const d = run(register(LAND, vn('2026-02-09 09:00')), [
      [t(commune, 2), '2026-02-09 10:00'],
      [t(commune, 4), '2026-02-09 11:00'],
      [t(commune, 5), '2026-02-12 09:00'], // Thu
      [t(commune, 4), '2026-02-24 09:00'], // Tue after the break: 13 Feb, 23 Feb, 24 Feb = 3
    ]);
    expect(d.pauses[0]!.workingDays).toBe(3);
    // received Mon 9 Feb: 10, 11, 12, 13, 23, 24, 25, 26, 27 Feb, 2 Mar -> due Mon 2 Mar; +3 -> Thu 5 Mar
    expect(d.initialDueAt).toBe('2026-03-02T16:59:59.999Z');
    expect(d.dueAt).toBe('2026-03-05T16:59:59.999Z');
  });

  it('a paused dossier is not overdue unless it was already late when the pause began', () => {
    // due Mon 16 Mar; paused on the due day, still paused a week later
    const onDue = run(reach(4), [[t(commune, 5), '2026-03-16 10:00']]);
    expect(isOverdue(onDue, vn('2026-03-23 10:00'))).toBe(false);
    expect(overdueNotices(onDue, vn('2026-03-23 10:00'), () => null)).toEqual([]);
    const afterDue = run(reach(4), [[t(commune, 5), '2026-03-17 10:00']]);
    expect(isOverdue(afterDue, vn('2026-03-23 10:00'))).toBe(true);
    expect(overdueNotices(afterDue, vn('2026-03-23 10:00'), (a) => (a === commune ? district : null))).toMatchObject([
      { scope: 'dossier', responsible: commune, notify: [commune, district] },
    ]);
  });
});
