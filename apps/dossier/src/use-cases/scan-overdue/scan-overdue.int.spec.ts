import { createPublicKey, verify } from 'node:crypto';
import { DOSSIER_CODE_HEADER, HEADERS, validateDossierHubBody, type DossierOverdueNoticeBody, type Envelope, type FlattenedJws } from '@lt/contracts';
import { AGENCIES, DossierFixture, vn } from '../../testing/dossier-fixture';

const SHORT = 'DEMO-HT-XNTTHN'; // 3 working days: received Monday 2 March 2026, due Thursday 5 March

describe('overdue scanner (FixedClock, real PostgreSQL and NATS)', () => {
  let f: DossierFixture;
  let transferred: string;
  let pausedInTime: string;
  let pausedLate: string;

  async function inProgress(at: string): Promise<string> {
    const r = await f.submit(AGENCIES.commune, SHORT, vn(`2026-03-02 ${at}`));
    await f.transition(AGENCIES.commune, r.dossierCode, 2, vn(`2026-03-02 ${at}`));
    await f.transition(AGENCIES.commune, r.dossierCode, 4, vn(`2026-03-02 ${at}`));
    return r.dossierCode;
  }

  function noticesIn(copies: Awaited<ReturnType<DossierFixture['readStream']>>) {
    const hubPublic = createPublicKey({ key: f.hubKey.publicJwk as never, format: 'jwk' });
    return copies
      .filter((m) => m.headers[HEADERS.hubSigned] === '1')
      .map((m) => {
        const jws = m.json<FlattenedJws>();
        expect(verify(null, Buffer.from(`${jws.protected}.${jws.payload}`, 'latin1'), hubPublic, Buffer.from(jws.signature, 'base64url'))).toBe(true);
        const env = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as Envelope;
        return {
          subject: m.subject,
          headers: m.headers,
          env,
          body: (env.body as { action: string }).action === 'overdue-notice' ? (validateDossierHubBody(env.body) as DossierOverdueNoticeBody) : null,
        };
      })
      .filter((n) => n.body !== null);
  }

  beforeAll(async () => {
    f = await DossierFixture.create();
    transferred = await inProgress('09:00');
    await f.transfer(AGENCIES.commune, transferred, AGENCIES.district, vn('2026-03-02 10:00'), { stepWorkingDays: 1 }); // step due Tuesday 3 March
    pausedInTime = await inProgress('09:10');
    await f.transition(AGENCIES.commune, pausedInTime, 5, vn('2026-03-03 09:00'), { reason: 'Thiếu giấy tờ' }); // paused before its due day
    pausedLate = await inProgress('09:20');
    await f.transition(AGENCIES.commune, pausedLate, 8, vn('2026-03-06 09:00'), { reason: 'Tạm dừng' }); // paused after its due day
  }, 60_000);
  afterAll(async () => {
    await f.close();
  });

  it('finds nothing while every deadline is ahead', async () => {
    f.clock.set(vn('2026-03-03 20:00'));
    expect(await f.uc.scanOverdue.execute()).toEqual({ checked: 0, notices: 0 });
  });

  it('notifies a missed transfer-step deadline to the step agency and its parent, once', async () => {
    f.clock.set(vn('2026-03-04 09:00'));
    expect((await f.uc.scanOverdue.execute()).notices).toBe(1);
    expect((await f.uc.scanOverdue.execute()).notices).toBe(0);
    const events = await f.events('dossier.overdue');
    expect(events).toHaveLength(1);
    expect(events[0]!.data).toMatchObject({
      dossierCode: transferred,
      scope: 'step',
      stepIndex: 0,
      responsible: AGENCIES.district,
      notify: [AGENCIES.district, AGENCIES.province],
    });
    expect(events[0]!.agencies).toEqual([AGENCIES.district, AGENCIES.province]);
  });

  it('notifies the missed legal deadline to the holder and its parent; a pause begun in time protects a dossier, one begun late does not', async () => {
    f.clock.set(vn('2026-03-09 09:00'));
    const r = await f.uc.scanOverdue.execute();
    expect(r.notices).toBe(2);
    const overdue = (await f.events('dossier.overdue')).map((e) => e.data);
    expect(overdue).toHaveLength(3);
    expect(overdue.find((d) => d.dossierCode === transferred && d.scope === 'dossier')).toMatchObject({
      responsible: AGENCIES.district,
      notify: [AGENCIES.district, AGENCIES.province],
      dueAt: vn('2026-03-05 23:59').toISOString().replace('00.000Z', '59.999Z'),
    });
    expect(overdue.find((d) => d.dossierCode === pausedLate)).toMatchObject({
      scope: 'dossier',
      responsible: AGENCIES.commune,
      notify: [AGENCIES.commune, AGENCIES.district],
    });
    expect(overdue.some((d) => d.dossierCode === pausedInTime)).toBe(false);
    expect((await f.uc.scanOverdue.execute()).notices).toBe(0);
  });

  it('puts a hub-signed notice in the inbox of each agency notified', async () => {
    const notices = noticesIn(await f.readStream(f.topo.streams.inbox));
    expect(notices).toHaveLength(6); // 3 missed deadlines x (agency + parent)
    for (const n of notices) {
      expect(n.subject).toBe(f.topo.inboxSubject(n.headers[HEADERS.to]!));
      expect(n.headers[HEADERS.msgId]).toBe(`${n.env.id}:${n.headers[HEADERS.to]}`);
      expect(n.headers[HEADERS.kid]).toBe('hub#hub-test');
      expect(n.headers[DOSSIER_CODE_HEADER]).toBe(n.body!.dossierCode);
      expect(n.env.to).toContain(n.headers[HEADERS.to]);
    }
    const toProvince = notices.filter((n) => n.subject === f.topo.inboxSubject(AGENCIES.province));
    expect(toProvince.map((n) => n.body!.scope).sort()).toEqual(['dossier', 'step']);
  });

  it('lists the dossiers overdue now and flags them in the dossier view', async () => {
    const page = await f.uc.listDossiers.execute({ overdue: true });
    expect(page.items.map((d) => d.code).sort()).toEqual([transferred, pausedLate].sort());
    expect((await f.uc.getDossier.execute(pausedInTime)).overdue).toBe(false);
    expect((await f.uc.getDossier.execute(transferred)).overdue).toBe(true);
  });

  it('watches the new deadline once a pause pushes it back', async () => {
    // resumed on Tuesday 10 March: 5 paused working days (4..10 March) push the 5 March deadline to 12 March
    await f.transition(AGENCIES.commune, pausedInTime, 4, vn('2026-03-10 09:00'));
    f.clock.set(vn('2026-03-12 18:00'));
    expect((await f.uc.scanOverdue.execute()).notices).toBe(0);
    f.clock.set(vn('2026-03-13 08:00'));
    expect((await f.uc.scanOverdue.execute()).notices).toBe(1);
    const last = (await f.events('dossier.overdue')).map((e) => e.data).find((d) => d.dossierCode === pausedInTime);
    expect(last).toMatchObject({ dueAt: vn('2026-03-12 23:59').toISOString().replace('00.000Z', '59.999Z') });
  });
});
