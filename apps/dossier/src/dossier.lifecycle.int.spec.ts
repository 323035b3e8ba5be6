import { PostgresDossierRepository } from './adapters/postgres-dossier.repository';
import { createDossierService } from './index';
import { AGENCIES, DossierFixture, vn } from './testing/dossier-fixture';

const SHORT = 'DEMO-HT-XNTTHN'; // 3 working days: received Monday 2 March 2026, due Thursday 5 March

async function until(what: string, check: () => Promise<boolean>): Promise<void> {
  for (let i = 0; i < 500; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`gave up waiting for ${what}`);
}

describe('dossier service lifecycle (the Nest module booted as main.ts boots it)', () => {
  let f: DossierFixture;

  beforeAll(async () => {
    f = await DossierFixture.create(); // no timers: this instance only sets the scene
  }, 60_000);
  afterAll(async () => {
    await f.close();
  });

  it('relays what a crash left unpublished and scans for missed deadlines on its timers, then stops them', async () => {
    const { dossierCode } = await f.submit(AGENCIES.commune, SHORT, vn('2026-03-02 09:00'));
    await f.transition(AGENCIES.commune, dossierCode, 2, vn('2026-03-02 09:10'));
    await f.transition(AGENCIES.commune, dossierCode, 4, vn('2026-03-02 09:20'));
    // as if the process died between the commit and the publish
    await f.db.ds.query('UPDATE dossier_events SET published_at = NULL');
    const repo = new PostgresDossierRepository(f.db.ds);
    expect((await repo.unpublishedApplied(10)).length).toBe(3);
    f.clock.set(vn('2026-03-09 09:00'));

    const timed = createDossierService({ nc: f.nc, ds: f.db.ds, ns: f.topo.ns, log: f.log, hubKey: f.hubKey, callers: f.callers, clock: f.clock, outboxIntervalMs: 20, scanIntervalMs: 20 });
    expect(() => timed.useCases).toThrow(/not started/);
    await timed.start();
    try {
      await until('the outbox relay', async () => (await repo.unpublishedApplied(10)).length === 0);
      await until('the overdue scanner', async () => (await f.events('dossier.overdue')).length > 0);
      expect((await f.events('dossier.overdue')).map((e) => e.data)).toEqual([
        expect.objectContaining({ dossierCode, scope: 'dossier', responsible: AGENCIES.commune }),
      ]);
    } finally {
      await timed.stop();
    }
    // the instances stay usable in-process after stop (nothing left to relay or notify)
    await expect(timed.useCases.publishOutbox.drain()).resolves.toBe(0);
    await expect(timed.useCases.scanOverdue.execute()).resolves.toEqual({ checked: 0, notices: 0 });
  });
});
