import { toVnLocalDate, type DossierReport, type DossierReportResult, type DossierState, type DossierStateCode } from '@lt/contracts';
import { computeReport } from '@lt/dossier-domain';
import { AGENCIES, DossierFixture, vn } from '../../testing/dossier-fixture';

/** Deterministic PRNG (mulberry32) so a failure is reproducible. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const HOUR = 3_600_000;
const PROCEDURES = ['DEMO-HT-KHAISINH', 'DEMO-HT-XNTTHN', 'DEMO-DD-GCN-LANDAU'];

/**
 * Random lifecycles through the real apply use case, then the SQL report is compared with the pure
 * computeReport of @lt/dossier-domain over the same dossiers, for several periods, filters and asOf.
 */
describe('dossier report: SQL aggregates agree with timeliness.computeReport', () => {
  let f: DossierFixture;
  const states: DossierState[] = [];

  async function lifecycle(rand: () => number, i: number): Promise<void> {
    const agency = [AGENCIES.commune, AGENCIES.otherCommune, AGENCIES.district][i % 3]!;
    const procedure = PROCEDURES[Math.floor(rand() * PROCEDURES.length)]!;
    let t = vn('2026-02-23 08:00').getTime() + Math.floor(rand() * 40) * 24 * HOUR + Math.floor(rand() * 9) * HOUR;
    const next = () => (t += (1 + Math.floor(rand() * 60)) * HOUR);
    const r = await f.submit(agency, procedure, new Date(t));
    const code = r.dossierCode;
    const move = async (to: DossierStateCode, extra: Record<string, unknown> = {}) => f.transition(agency, code, to, new Date(next()), extra);
    const roll = rand();
    if (roll < 0.08) return; // left in state 1
    if (roll < 0.16) return void (await move(3, { reason: 'Hồ sơ không hợp lệ' }));
    await move(2);
    if (rand() < 0.05) return void (await move(7));
    await move(4);
    while (rand() < 0.3) {
      const pause = ([5, 6, 8] as const)[Math.floor(rand() * 3)]!;
      await move(pause, pause === 6 ? {} : { reason: 'Tạm dừng' });
      if (rand() < 0.15) return; // still paused
      await move(4);
    }
    const end = rand();
    if (end < 0.15) return; // in progress
    if (end < 0.2) return void (await move(7));
    const at = next();
    const late = toVnLocalDate(new Date(at)) > toVnLocalDate(new Date((await f.uc.getDossier.execute(code)).dueAt));
    const apology = late ? { apology: { newDueAt: toVnLocalDate(new Date(at + 10 * 24 * HOUR)), reason: 'Xin lỗi vì chậm trễ' } } : {};
    await f.transition(agency, code, 9, new Date(at), apology);
    if (rand() < 0.5) await move(10);
  }

  beforeAll(async () => {
    f = await DossierFixture.create();
    const rand = rng(20260302);
    const seeds = Array.from({ length: 240 }, () => Math.floor(rand() * 2 ** 31));
    // dossiers in parallel, the steps of each in order
    for (let i = 0; i < seeds.length; i += 24) {
      await Promise.all(seeds.slice(i, i + 24).map((s, j) => lifecycle(rng(s), i + j)));
    }
    const codes: Array<{ code: string }> = await f.db.ds.query(`SELECT code FROM dossiers`);
    for (const { code } of codes) states.push(await f.uc.getDossier.execute(code));
    f.clock.set(vn('2027-06-01 12:00')); // after every period: asOf defaults to the period's last millisecond
  }, 120_000);
  afterAll(async () => {
    await f.close();
  });

  it('produced a varied population', () => {
    const byState = new Map<number, number>();
    for (const s of states) byState.set(s.state, (byState.get(s.state) ?? 0) + 1);
    for (const s of [1, 3, 4, 9, 10]) expect(byState.get(s) ?? 0).toBeGreaterThan(0);
    const classes = computeReport(states, { from: vn('2026-01-01 00:00'), to: vn('2027-01-01 00:00') }).settled;
    expect(classes.early).toBeGreaterThan(0);
    expect(classes.onTime).toBeGreaterThan(0);
    expect(classes.late).toBeGreaterThan(0);
  });

  const cases: Array<[string, Record<string, string>, { from: string; to: string; asOf?: string; agency?: string; tier?: 'commune' | 'district' }]> = [
    ['March, everyone', { from: '2026-03-01', to: '2026-03-31' }, { from: '2026-03-01T00:00:00+07:00', to: '2026-04-01T00:00:00+07:00' }],
    [
      'mid-March to mid-April as of 1 April noon',
      { from: '2026-03-15', to: '2026-04-15', asOf: '2026-04-01T05:00:00.000Z' },
      { from: '2026-03-15T00:00:00+07:00', to: '2026-04-16T00:00:00+07:00', asOf: '2026-04-01T05:00:00.000Z' },
    ],
    [
      'one commune, whole year',
      { from: '2026-01-01', to: '2026-12-31', agency: AGENCIES.commune },
      { from: '2026-01-01T00:00:00+07:00', to: '2027-01-01T00:00:00+07:00', agency: AGENCIES.commune },
    ],
    [
      'district tier, as of 10 March',
      { from: '2026-02-01', to: '2026-05-31', tier: 'district', asOf: '2026-03-10T03:00:00.000Z' },
      { from: '2026-02-01T00:00:00+07:00', to: '2026-06-01T00:00:00+07:00', tier: 'district', asOf: '2026-03-10T03:00:00.000Z' },
    ],
  ];

  it.each(cases)('%s', async (_name, query, expected) => {
    const sql = (await f.uc.dossierReport.execute(query)) as DossierReport;
    const pure = computeReport(
      states,
      { from: new Date(expected.from), to: new Date(expected.to) },
      {
        ...(expected.agency ? { agency: expected.agency } : {}),
        ...(expected.tier ? { tier: expected.tier } : {}),
        ...(expected.asOf ? { asOf: new Date(expected.asOf) } : {}),
      },
    );
    expect(sql.received).toBeGreaterThan(0);
    expect(sql).toEqual(pure);
  });

  it('groups by receiving agency and by tier with the same figures per group', async () => {
    const byAgency = (await f.uc.dossierReport.execute({ from: '2026-03-01', to: '2026-04-30', groupBy: 'agency' })) as Extract<
      DossierReportResult,
      { groups: unknown }
    >;
    expect(byAgency.groups.map((g) => g.key)).toEqual([AGENCIES.district, AGENCIES.commune, AGENCIES.otherCommune].sort());
    const period = { from: new Date(byAgency.period.from), to: new Date(byAgency.period.to) };
    for (const g of byAgency.groups) {
      const { key, ...report } = g;
      expect(report).toEqual(computeReport(states, period, { agency: key }));
    }
    const byTier = (await f.uc.dossierReport.execute({ from: '2026-03-01', to: '2026-04-30', groupBy: 'tier' })) as Extract<
      DossierReportResult,
      { groups: unknown }
    >;
    expect(byTier.groups.map((g) => g.key)).toEqual(['commune', 'district']);
    for (const g of byTier.groups) {
      const { key, ...report } = g;
      expect(report).toEqual(computeReport(states, period, { tier: key as 'commune' | 'district' }));
    }
  });

  it('refuses a malformed query with VALIDATION_FAILED naming the field', async () => {
    await expect(f.uc.dossierReport.execute({ from: '2026-13-01' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'from' } });
    await expect(f.uc.dossierReport.execute({ from: '2026-03-10', to: '2026-03-01' })).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
      details: { field: 'to' },
    });
    await expect(f.uc.dossierReport.execute({ tier: 'village' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'tier' } });
  });
});
