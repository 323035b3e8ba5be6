import { verify } from 'node:crypto';
import { createPublicKey } from 'node:crypto';
import {
  DOSSIER_CODE_HEADER,
  HEADERS,
  validateDossierHubBody,
  type DossierAppliedBody,
  type DossierReport,
  type DossierView,
  type Envelope,
  type FlattenedJws,
} from '@lt/contracts';
import { computeReport } from '@lt/dossier-domain';
import { AGENCIES, DossierFixture, vn } from './testing/dossier-fixture';

const LAND = 'DEMO-DD-GCN-LANDAU'; // 30 working days; district step 20, province step 8
const endOf = (day: string) => vn(`${day} 23:59`).toISOString().replace('00.000Z', '59.999Z');

describe('a dossier travelling commune -> district -> province -> commune with a supplement request on the way', () => {
  let f: DossierFixture;
  let code: string;
  const answers: Array<{ deliverTo: string[]; state: number; holder: string; dueAt: string; stepDueAt?: string; envelopeId: string }> = [];

  beforeAll(async () => {
    f = await DossierFixture.create();
    const step = async (p: Promise<(typeof answers)[number]>) => {
      const r = await p;
      answers.push(r);
      return r;
    };
    const { commune, district, province } = AGENCIES;
    const submitted = await step(f.submit(commune, LAND, vn('2026-03-02 09:00')));
    code = (submitted as unknown as { dossierCode: string }).dossierCode;
    await step(f.transition(commune, code, 2, vn('2026-03-02 09:30')));
    await step(f.transition(commune, code, 4, vn('2026-03-02 10:00')));
    await step(f.transfer(commune, code, district, vn('2026-03-03 09:00'), { stepWorkingDays: 20 }));
    await step(f.transfer(district, code, province, vn('2026-03-05 09:00'), { stepWorkingDays: 8 }));
    await step(f.transition(province, code, 5, vn('2026-03-09 10:00'), { reason: 'Thiếu bản trích đo địa chính' }));
    await step(f.transition(commune, code, 4, vn('2026-03-12 14:00')));
    await step(f.giveBack(province, code, vn('2026-03-16 09:00')));
    await step(f.giveBack(district, code, vn('2026-03-18 09:00')));
    await step(f.transition(commune, code, 9, vn('2026-03-20 10:00')));
    await step(f.transition(commune, code, 10, vn('2026-03-23 09:00')));
  }, 60_000);
  afterAll(async () => {
    await f.close();
  });

  it('moves the holder along the chain and back, each step with its own deadline, pushed back by the pause', () => {
    const { commune, district, province } = AGENCIES;
    expect(answers.map((a) => [a.state, a.holder, a.deliverTo])).toEqual([
      [1, commune, []],
      [2, commune, []],
      [4, commune, []],
      [4, district, [district]],
      [4, province, [province]],
      [5, province, [commune, district]],
      [4, province, [district, province]],
      [4, district, [district]],
      [4, commune, [commune]],
      [9, commune, []],
      [10, commune, []],
    ]);
    // legal deadline: 30 working days from Monday 2 March = Monday 13 April; +3 paused working days = Thursday 16 April
    expect(answers[0]!.dueAt).toBe(endOf('2026-04-13'));
    expect(answers[6]!.dueAt).toBe(endOf('2026-04-16'));
    // district step: 20 working days from 3 March = 31 March; province step: 8 from 5 March = 17 March
    expect(answers[3]!.stepDueAt).toBe(endOf('2026-03-31'));
    expect(answers[4]!.stepDueAt).toBe(endOf('2026-03-17'));
    // after the pause (9 -> 12 March, 3 working days) the open steps moved by 3 working days too
    expect(answers[6]!.stepDueAt).toBe(endOf('2026-03-20'));
    expect(answers[7]!.stepDueAt).toBe(endOf('2026-04-03'));
    expect(answers[9]!.stepDueAt).toBeUndefined();
  });

  it('keeps the whole trace: the dossier history, one history row per signed message, one event each', async () => {
    const view: DossierView = await f.uc.getDossier.execute(code, { role: 'auditor' });
    expect(view).toMatchObject({
      state: 10,
      stateName: 'result_returned',
      holder: AGENCIES.commune,
      settledClass: 'early',
      settlementWorkingDays: 11,
      overdue: false,
    });
    expect(view.history.map((h) => [h.action, h.by, h.toState, h.toAgency])).toEqual([
      ['register', AGENCIES.commune, 1, undefined],
      ['transition', AGENCIES.commune, 2, undefined],
      ['transition', AGENCIES.commune, 4, undefined],
      ['transfer', AGENCIES.commune, 4, AGENCIES.district],
      ['transfer', AGENCIES.district, 4, AGENCIES.province],
      ['transition', AGENCIES.province, 5, undefined],
      ['transition', AGENCIES.commune, 4, undefined],
      ['return', AGENCIES.province, 4, AGENCIES.district],
      ['return', AGENCIES.district, 4, AGENCIES.commune],
      ['transition', AGENCIES.commune, 9, undefined],
      ['transition', AGENCIES.commune, 10, undefined],
    ]);
    expect(view.pauses).toEqual([
      { state: 5, from: vn('2026-03-09 10:00').toISOString(), to: vn('2026-03-12 14:00').toISOString(), workingDays: 3, dueAtAfter: endOf('2026-04-16') },
    ]);
    expect(view.steps.every((s) => s.returnedAt !== undefined)).toBe(true);
    expect(view.participants.sort()).toEqual([AGENCIES.province, AGENCIES.district, AGENCIES.commune].sort());

    const rows = await f.db.ds.query(`SELECT envelope_id, seq, action, agency FROM dossier_events WHERE dossier_code = $1 ORDER BY seq`, [code]);
    expect(rows.map((r: { seq: number }) => r.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
    expect(rows.map((r: { envelope_id: string }) => r.envelope_id)).toEqual(answers.map((a) => a.envelopeId));

    const events = (await f.events()).filter((e) => e.data.dossierCode === code);
    expect(events.map((e) => e.type)).toEqual([
      'dossier.registered',
      'dossier.transitioned',
      'dossier.transitioned',
      'dossier.transferred',
      'dossier.transferred',
      'dossier.transitioned',
      'dossier.transitioned',
      'dossier.transferred',
      'dossier.transferred',
      'dossier.transitioned',
      'dossier.transitioned',
    ]);
    expect(events.map((e) => e.messageId)).toEqual(answers.map((a) => a.envelopeId));
    expect(events[9]!.data).toMatchObject({ fromState: 4, toState: 9, settledClass: 'early', settlementWorkingDays: 11 });
    expect(events[5]!.agencies).toEqual(expect.arrayContaining([AGENCIES.commune, AGENCIES.district, AGENCIES.province]));
  });

  it('confirms every applied message to its sender with a hub-signed envelope carrying the dossier code', async () => {
    const copies = await f.readStream(f.topo.streams.inbox);
    const confirmations = copies.filter((m) => m.headers[DOSSIER_CODE_HEADER] === code);
    expect(confirmations).toHaveLength(answers.length);
    const hubPublic = createPublicKey({ key: f.hubKey.publicJwk as never, format: 'jwk' });
    for (const [i, a] of answers.entries()) {
      const m = confirmations.find((c) => c.headers[HEADERS.responseFor] === a.envelopeId)!;
      expect(m.headers[HEADERS.hubSigned]).toBe('1');
      const jws = m.json<FlattenedJws>();
      const ok = verify(null, Buffer.from(`${jws.protected}.${jws.payload}`, 'latin1'), hubPublic, Buffer.from(jws.signature, 'base64url'));
      expect(ok).toBe(true);
      const env = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope<DossierAppliedBody>;
      expect(validateDossierHubBody(env.body)).toMatchObject({ action: 'applied', responseFor: a.envelopeId, dossierCode: code, state: a.state });
      const sender = i === 4 || i === 8 ? AGENCIES.district : i === 5 || i === 7 ? AGENCIES.province : AGENCIES.commune;
      expect(env.to).toEqual([sender]);
      expect(m.subject).toBe(f.topo.inboxSubject(sender));
    }
  });

  it('counts it once as received and settled early, paused time excluded, the same as the pure report', async () => {
    const period = { from: '2026-03-01', to: '2026-03-31' };
    f.clock.set(vn('2026-04-20 08:00')); // after the period: asOf defaults to its last millisecond
    const report = (await f.uc.dossierReport.execute({ ...period, agency: AGENCIES.commune })) as DossierReport;
    expect(report).toMatchObject({
      received: 1,
      settled: { total: 1, early: 1, onTime: 0, late: 0 },
      onTimeRate: 1,
      inProgress: 0,
      overdueNow: 0,
      settlementWorkingDays: { mean: 11, p90: 11 },
    });
    const view = await f.uc.getDossier.execute(code);
    const pure = computeReport([view], { from: new Date(report.period.from), to: new Date(report.period.to) }, { agency: AGENCIES.commune });
    expect(report).toEqual(pure);
    // as it stood during the supplement request: in progress, paused, not overdue
    for (const asOf of ['2026-03-02T05:00:00.000Z', '2026-03-10T05:00:00.000Z', '2026-03-13T05:00:00.000Z', '2026-04-20T05:00:00.000Z']) {
      const at = (await f.uc.dossierReport.execute({ ...period, agency: AGENCIES.commune, asOf })) as DossierReport;
      expect(at).toEqual(
        computeReport([view], { from: new Date(report.period.from), to: new Date(report.period.to) }, { agency: AGENCIES.commune, asOf: new Date(asOf) }),
      );
    }
    const during = (await f.uc.dossierReport.execute({ ...period, asOf: '2026-03-10T05:00:00.000Z' })) as DossierReport;
    expect(during.inProgress).toBe(1);
  });
});
