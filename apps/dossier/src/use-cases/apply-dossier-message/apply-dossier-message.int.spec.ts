import { LtError, type ApplyDossierResult } from '@lt/contracts';
import { AGENCIES, DossierFixture, applicantFor, vn } from '../../testing/dossier-fixture';

const SHORT = 'DEMO-HT-XNTTHN'; // 3 working days
const LAND = 'DEMO-DD-GCN-LANDAU'; // 30 working days, district and province steps

async function refusal(p: Promise<unknown>): Promise<LtError> {
  const e = await p.then(
    () => {
      throw new Error('expected a refusal, the apply succeeded');
    },
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LtError);
  return e as LtError;
}

describe('dossier.apply (real PostgreSQL and NATS)', () => {
  let f: DossierFixture;

  beforeAll(async () => {
    f = await DossierFixture.create();
  });
  afterAll(async () => {
    await f.close();
  });

  async function row(code: string): Promise<Record<string, unknown>> {
    const rows = await f.db.ds.query(`SELECT d.*, x.doc FROM dossiers d JOIN dossier_documents x USING (code) WHERE code = $1`, [code]);
    return rows[0];
  }

  it('gives 1,000 concurrent submissions at one commune 1,000 distinct, consecutive codes 0001..1000', async () => {
    const at = vn('2026-03-09 08:00');
    const results = await Promise.all(Array.from({ length: 1000 }, (_, i) => f.submit(AGENCIES.otherCommune, SHORT, new Date(at.getTime() + i * 1000))));
    const codes = results.map((r) => r.dossierCode).sort();
    expect(new Set(codes).size).toBe(1000);
    expect(codes).toEqual(Array.from({ length: 1000 }, (_, i) => `${AGENCIES.otherCommune}-260309-${String(i + 1).padStart(4, '0')}`));
    const [counter] = await f.db.ds.query(`SELECT last_seq FROM dossier_code_counters WHERE agency_code = $1 AND day = '2026-03-09'`, [AGENCIES.otherCommune]);
    expect(counter.last_seq).toBe(1000);
    const [{ n }] = await f.db.ds.query(`SELECT count(*)::int AS n FROM dossiers WHERE receiving_agency = $1`, [AGENCIES.otherCommune]);
    expect(n).toBe(1000);
    // every applied submit left one history row, published (event + confirmation) after commit
    const [{ unpublished }] = await f.db.ds.query(`SELECT count(*)::int AS unpublished FROM dossier_events WHERE published_at IS NULL`);
    expect(unpublished).toBe(0);
  }, 120_000);

  it('gives a number back when the submitting transaction rolls back (gap-free)', async () => {
    // a 30-working-day deadline from late December 2027 needs the 2028 calendar, which is not configured
    const failing = f.submit(AGENCIES.commune, LAND, vn('2027-12-20 09:00'));
    expect((await refusal(failing)).details).toMatchObject({ reason: 'calendar_year_missing' });
    const ok = await f.submit(AGENCIES.commune, SHORT, vn('2027-12-20 10:00'));
    expect(ok.dossierCode).toBe(`${AGENCIES.commune}-271220-0001`);
  });

  it('registers a dossier: code of the receiving agency, legal deadline in working days, applicant limited to the procedure', async () => {
    const r = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-06 16:00')); // Friday
    expect(r).toMatchObject({
      action: 'submit',
      state: 1,
      stateName: 'newly_registered',
      receivingAgency: AGENCIES.commune,
      holder: AGENCIES.commune,
      deliverTo: [],
    });
    expect(r.dossierCode).toMatch(/^000\.12\.05\.H41-260306-\d{4}$/);
    // 3 working days after Friday 6 March: Mon 9, Tue 10, Wed 11 -> end of Wednesday, Vietnam time
    expect(r.dueAt).toBe(vn('2026-03-11 23:59').toISOString().replace('00.000Z', '59.999Z'));
    const stored = await row(r.dossierCode);
    expect(stored).toMatchObject({ receiving_tier: 'commune', state: 1, procedure_code: SHORT });
    // the applicant data is checked, never stored by the hub
    expect(JSON.stringify(stored.doc)).not.toContain('value of fullName');

    const extra = await refusal(f.submit(AGENCIES.commune, SHORT, vn('2026-03-06 16:00'), { applicant: { ...applicantFor(SHORT), religion: 'x' } }));
    expect(extra.code).toBe('VALIDATION_FAILED');
    expect(extra.message).toContain('religion');
  });

  it('registers for the addressed agency when a portal submits on its behalf, and delivers it there', async () => {
    const r = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-06 09:00'), { by: AGENCIES.portal });
    expect(r.dossierCode.startsWith(`${AGENCIES.commune}-260306-`)).toBe(true);
    expect(r.deliverTo).toEqual([AGENCIES.commune]);
  });

  it('refuses an unknown procedure with UNKNOWN_PROCEDURE and allocates no number', async () => {
    const before = await f.db.ds.query(`SELECT last_seq FROM dossier_code_counters WHERE agency_code = $1 AND day = '2026-03-10'`, [AGENCIES.commune]);
    const env = f.submitEnvelope(AGENCIES.commune, SHORT, vn('2026-03-10 09:00'));
    (env.body as { procedureCode: string }).procedureCode = 'DEMO-NO-SUCH';
    const e = await refusal(f.applyEnvelope(env, vn('2026-03-10 09:00')));
    expect(e.code).toBe('UNKNOWN_PROCEDURE');
    expect(e.details).toMatchObject({ procedureCode: 'DEMO-NO-SUCH' });
    const after = await f.db.ds.query(`SELECT last_seq FROM dossier_code_counters WHERE agency_code = $1 AND day = '2026-03-10'`, [AGENCIES.commune]);
    expect(after).toEqual(before);
    // a retried apply of the refused envelope gets the same refusal
    const again = await refusal(f.applyEnvelope(env, vn('2026-03-10 09:00')));
    expect(again.toJSON()).toEqual(e.toJSON());
  });

  it('refuses an illegal transition with ILLEGAL_TRANSITION and the current state, changing nothing', async () => {
    const r = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-02 09:00'));
    const before = await row(r.dossierCode);
    const e = await refusal(f.transition(AGENCIES.commune, r.dossierCode, 9, vn('2026-03-02 10:00')));
    expect(e.code).toBe('ILLEGAL_TRANSITION');
    expect(e.details).toMatchObject({ dossierCode: r.dossierCode, currentState: 1, currentStateName: 'newly_registered', attempted: 9 });
    expect(await row(r.dossierCode)).toEqual(before);
    const [{ n }] = await f.db.ds.query(`SELECT count(*)::int AS n FROM dossier_events WHERE dossier_code = $1`, [r.dossierCode]);
    expect(n).toBe(1);
  });

  it('refuses a state change by an agency that neither holds nor received the dossier (FORBIDDEN)', async () => {
    const r = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-02 09:00'));
    const e = await refusal(f.transition(AGENCIES.otherCommune, r.dossierCode, 2, vn('2026-03-02 10:00')));
    expect(e.code).toBe('FORBIDDEN');
  });

  it('refuses a transfer to a closed agency with AGENCY_CLOSED naming the successor, and an unknown dossier with UNKNOWN_DOSSIER', async () => {
    const r = await f.submit(AGENCIES.commune, LAND, vn('2026-03-02 09:00'));
    await f.transition(AGENCIES.commune, r.dossierCode, 2, vn('2026-03-02 09:10'));
    await f.transition(AGENCIES.commune, r.dossierCode, 4, vn('2026-03-02 09:20'));
    const before = await row(r.dossierCode);
    const e = await refusal(f.transfer(AGENCIES.commune, r.dossierCode, AGENCIES.closedDistrict, vn('2026-03-03 09:00')));
    expect(e.code).toBe('AGENCY_CLOSED');
    expect(e.details).toMatchObject({ agencyCode: AGENCIES.closedDistrict, successorCode: AGENCIES.district });
    expect(await row(r.dossierCode)).toEqual(before);

    const unknown = `${AGENCIES.commune}-260302-9999`;
    const body = { action: 'transition', dossierCode: unknown, procedureCode: SHORT, toState: 2 } as const;
    const u = await refusal(f.applyEnvelope(f.envelope(AGENCIES.commune, [AGENCIES.commune], body, vn('2026-03-02 10:00')), vn('2026-03-02 10:00')));
    expect(u.code).toBe('UNKNOWN_DOSSIER');
  });

  it('answers a retried apply with the same answer, sequentially and concurrently, applying it once', async () => {
    const env = f.submitEnvelope(AGENCIES.commune, SHORT, vn('2026-03-11 09:00'));
    const first = await f.applyEnvelope(env, vn('2026-03-11 09:00'));
    expect(await f.applyEnvelope(env, vn('2026-03-11 09:00'))).toEqual(first);

    const dup = f.submitEnvelope(AGENCIES.commune, SHORT, vn('2026-03-12 09:00'));
    const answers = await Promise.all(Array.from({ length: 8 }, () => f.applyEnvelope(dup, vn('2026-03-12 09:00'))));
    for (const a of answers) expect(a).toEqual(answers[0]);
    expect(answers[0]!.dossierCode).toBe(`${AGENCIES.commune}-260312-0001`);
    const [{ n }] = await f.db.ds.query(`SELECT count(*)::int AS n FROM dossiers WHERE code LIKE $1`, [`${AGENCIES.commune}-260312-%`]);
    expect(n).toBe(1);

    const t = f.transitionEnvelope(AGENCIES.commune, first.dossierCode, 2, vn('2026-03-11 10:00'));
    const results = await Promise.all(Array.from({ length: 5 }, () => f.applyEnvelope(t, vn('2026-03-11 10:00'))));
    for (const a of results) expect(a).toEqual(results[0]);
    expect((await row(first.dossierCode)).version).toBe(2);
  });

  describe('timeliness at settlement (3 working days, received Monday 2 March 2026, due Thursday 5 March)', () => {
    async function inProgress(): Promise<ApplyDossierResult> {
      const r = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-02 09:00'));
      await f.transition(AGENCIES.commune, r.dossierCode, 2, vn('2026-03-02 09:05'));
      await f.transition(AGENCIES.commune, r.dossierCode, 4, vn('2026-03-02 09:10'));
      return r;
    }

    it('counts a settlement before the due day as early', async () => {
      const r = await inProgress();
      await f.transition(AGENCIES.commune, r.dossierCode, 9, vn('2026-03-04 15:00'));
      expect((await row(r.dossierCode)).settled_class).toBe('early');
    });

    it('counts a settlement on the due day, at any hour, as on time', async () => {
      const r = await inProgress();
      await f.transition(AGENCIES.commune, r.dossierCode, 9, vn('2026-03-05 23:30'));
      const stored = await row(r.dossierCode);
      expect(stored.settled_class).toBe('on_time');
      expect(stored.settlement_working_days).toBe(3);
    });

    it('refuses a late settlement without an apology slip, and records the slip when it comes', async () => {
      const r = await inProgress();
      const e = await refusal(f.transition(AGENCIES.commune, r.dossierCode, 9, vn('2026-03-06 10:00')));
      expect(e.code).toBe('VALIDATION_FAILED');
      expect(e.details).toMatchObject({ field: 'apology' });
      expect((await row(r.dossierCode)).state).toBe(4);

      const apology = { newDueAt: '2026-03-10', reason: 'Chờ xác minh hồ sơ gốc', issuedAt: vn('2026-03-05 16:00').toISOString() };
      const settled = await f.transition(AGENCIES.commune, r.dossierCode, 9, vn('2026-03-06 10:30'), { apology });
      expect(settled.state).toBe(9);
      const stored = await row(r.dossierCode);
      expect(stored.settled_class).toBe('late');
      expect((stored.doc as { state: { apologies: unknown[] } }).state.apologies).toEqual([
        {
          issuedAt: apology.issuedAt,
          newDueAt: vn('2026-03-10 23:59').toISOString().replace('00.000Z', '59.999Z'),
          reason: apology.reason,
          by: AGENCIES.commune,
        },
      ]);
      const [event] = (await f.events('dossier.transitioned')).filter((ev) => ev.data.dossierCode === r.dossierCode && ev.data.toState === 9);
      expect(event!.data).toMatchObject({ settledClass: 'late', apology: { reason: apology.reason } });
    });
  });
});
