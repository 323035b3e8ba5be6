import { DOSSIER_CODE_HEADER } from '@lt/contracts';
import { dossiers, type LienThongClient } from '@lt/sdk';
import type { KeyFile } from '@lt/platform';
import { HubHarness } from '../support/hub-harness';
import { agencyClient, receive, registerKey, seedDemoDirectory } from '../support/agencies';

/**
 * Issue 4/5 through the real processes: a dossier envelope goes agency -> router -> dossier
 * service (lifecycle check, code issued) -> router delivery; illegal steps come back as 02.
 */
const COMMUNE = '000.01.31.H41';
const DISTRICT = '000.00.31.H41';

describe('inter-level dossiers through router and dossier service', () => {
  const hub = new HubHarness();
  const clients = new Map<string, LienThongClient>();
  const keys = new Map<string, KeyFile>();

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    await seedDemoDirectory(hub);
    for (const code of [COMMUNE, DISTRICT]) keys.set(code, await registerKey(hub, code));
    await hub.start('dossier');
    await hub.start('router');
    for (const [code, key] of keys) clients.set(code, await agencyClient(hub, code, key));
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.close().catch(() => undefined);
    await hub.teardown();
  });

  it('registers a dossier with a hub-issued code, moves it through its states, transfers it to the district, and refuses an illegal step', async () => {
    const desk = dossiers(clients.get(COMMUNE)!);
    const applicant = {
      ownerFullName: 'Nguyễn Văn A',
      ownerIdNumber: '040090001234',
      ownerAddress: 'Xóm 3, xã Nghi Phong',
      parcelNumber: '125',
      mapSheetNumber: '12',
      parcelAddress: 'Xóm 3, xã Nghi Phong',
      areaM2: 250,
      landUsePurpose: 'ONT',
    };
    const submitted = await desk.submit({ procedureCode: 'DEMO-DD-GCN-LANDAU', applicant }, { wait: true });
    const code = submitted.outcome!.dossierCode;
    expect(code).toMatch(/^000\.01\.31\.H41-\d{6}-0001$/);
    expect(submitted.outcome).toMatchObject({ state: 1, holder: COMMUNE });

    const accepted = await desk.transition({ dossierCode: code, procedureCode: 'DEMO-DD-GCN-LANDAU', toState: 2 }, { wait: true });
    expect(accepted.outcome!.state).toBe(2);
    await desk.transition({ dossierCode: code, procedureCode: 'DEMO-DD-GCN-LANDAU', toState: 4 }, { wait: true });

    const moved = await desk.transfer({ dossierCode: code, procedureCode: 'DEMO-DD-GCN-LANDAU', toAgency: DISTRICT, stepWorkingDays: 20 }, { wait: true });
    expect(moved.outcome).toMatchObject({ holder: DISTRICT, state: 4 });
    const [copy] = await receive(clients.get(DISTRICT)!, 1, 20_000, (m) => m.kind === 'dossier' && m.id === moved.sent.id);
    expect(copy!.headers[DOSSIER_CODE_HEADER]).toBe(code);

    // the commune no longer holds it, and 4 -> 10 is not a transition at all
    const illegal = await desk.transition({ dossierCode: code, procedureCode: 'DEMO-DD-GCN-LANDAU', toState: 10 }, { wait: true }).catch((e) => e);
    expect(illegal).toMatchObject({ code: 'ILLEGAL_TRANSITION' });

    const unknownProcedure = await desk.submit({ procedureCode: 'DEMO-KHONG-CO', applicant: {} }, { wait: true }).catch((e) => e);
    expect(unknownProcedure).toMatchObject({ code: 'UNKNOWN_PROCEDURE' });

    const view = await hub.http<{ code: string; holder: string; state: number }>('GET', `/v1/dossiers/${code}`, { token: hub.token('auditor') });
    expect(view.status).toBe(200);
    expect(view.body).toMatchObject({ code, holder: DISTRICT, state: 4 });
  });
});
