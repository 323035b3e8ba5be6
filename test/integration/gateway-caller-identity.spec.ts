import pino from 'pino';
import type { DossierPage, ImportResult } from '@lt/contracts';
import { CallerVerifier } from '@lt/messaging';
import { loadOrCreateHubKey, rotateHubKey } from '@lt/platform';
import { createDossierService, type DossierService } from '../../apps/dossier/src/index';
import { createRegistryService, type RegistryService } from '../../apps/registry/src/registry.service';
import { GatewayFixture, until } from '../support/gateway-fixture';

/**
 * The gateway hands the registry and the dossier service the caller's own bearer token
 * (Lt-Caller-Token), and they act on what that token says: the registry records its sub as who
 * wrote and refuses a payload naming an actor; the dossier service scopes an agency's reads by the
 * token. A rotated token key is taken up by the services without a restart. Forged callers sent
 * straight over NATS: apps/registry/src/registry.int.spec.ts, apps/dossier/src/rpc/dossier.controller.int.spec.ts.
 */
jest.setTimeout(60_000);

const log = pino({ level: 'silent' });
const H41 = '000.00.00.H41';

interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

let f: GatewayFixture;
let registry: RegistryService;
let dossier: DossierService;

async function actors(code: string): Promise<Array<{ actor: string; actor_role: string }>> {
  return f.db.ds.query(`SELECT actor, actor_role FROM registry_changes WHERE agency_code = $1 ORDER BY seq`, [code]);
}

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'gateway-caller-identity' });
  registry = createRegistryService({ ds: f.db.ds, nc: f.nc, ns: f.topo.ns, log, dataDir: f.dataDir });
  dossier = createDossierService({
    nc: f.nc,
    ds: f.db.ds,
    ns: f.topo.ns,
    log,
    hubKey: loadOrCreateHubKey(f.dataDir, 'envelope'),
    callers: CallerVerifier.fromDataDir(f.dataDir),
    scanIntervalMs: 0,
    outboxIntervalMs: 0,
  });
  await registry.start();
  await dossier.start();
  await f.startGateway();
});

afterAll(async () => {
  await dossier?.stop();
  await registry?.stop();
  await f?.close();
});

describe('the caller, from the gateway to the services', () => {
  it('records the sub of the admin token as who wrote, for single writes and streamed imports', async () => {
    const created = await f.request('POST', '/v1/agencies', {
      token: f.token('admin', { sub: 'alice' }),
      body: { code: H41, name: 'UBND tỉnh Nghệ An', tier: 'province' },
    });
    expect(created.status).toBe(201);
    const csv = 'code,name,tier,parent_code\n000.00.30.H41,UBND thành phố Vinh,district,000.00.00.H41\n';
    const imported = await f.request<ImportResult>('POST', '/v1/agencies/import', {
      token: f.token('admin', { sub: 'bob' }),
      body: csv,
      contentType: 'text/csv',
    });
    expect([imported.status, imported.body.created]).toEqual([201, 1]);
    expect(await actors(H41)).toEqual([{ actor: 'alice', actor_role: 'admin' }]);
    expect(await actors('000.00.30.H41')).toEqual([{ actor: 'bob', actor_role: 'admin' }]);
  });

  it('refuses a body that names an actor (422) and writes nothing', async () => {
    const r = await f.request<ErrorReply>('PATCH', `/v1/agencies/${H41}`, {
      token: f.token('admin', { sub: 'alice' }),
      body: { name: 'x', actor: { sub: 'mallory', role: 'admin' } },
    });
    expect([r.status, r.body.error.code, r.body.error.details?.field]).toEqual([422, 'VALIDATION_FAILED', 'actor']);
    expect(await actors(H41)).toHaveLength(1);
  });

  it('scopes dossier reads by the agency of the token the gateway forwards', async () => {
    const own = await f.get<DossierPage>('/v1/dossiers', f.token(`agency:${H41}`));
    expect([own.status, own.body.items]).toEqual([200, []]);
    // the dossier service, not the gateway, refuses another agency's list: it read the agency from the token
    const other = await f.get<ErrorReply>('/v1/dossiers?agency=000.00.30.H41', f.token(`agency:${H41}`));
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect(other.body.error.message).toContain(H41);
    expect((await f.get('/v1/dossiers?agency=000.00.30.H41', f.token('auditor'))).status).toBe(200);
  });

  it('takes up a rotated token key in the services without restarting them', async () => {
    rotateHubKey(f.dataDir, 'token');
    // the gateway reads its token key at start; the registry and the dossier service on a key id they do not know
    const base = await f.startGateway();
    const write = () =>
      f.request<ErrorReply>('PATCH', `/v1/agencies/${H41}`, { base, token: f.token('admin', { sub: 'carol' }), body: { name: 'UBND tỉnh Nghệ An (mới)' } });
    await until('the registry to accept the new token key', async () => (await write()).status === 200);
    expect((await actors(H41)).at(-1)).toEqual({ actor: 'carol', actor_role: 'admin' });
    await until('the dossier service to accept the new token key', async () => (await f.get('/v1/dossiers', f.token('auditor'), base)).status === 200);
  });
});
