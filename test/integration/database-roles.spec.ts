/*
 * Each service runs under its own PostgreSQL role (libs/database/src/service-roles.ts): the same
 * flows as the services' own integration tests, with the DataSource logged in as the role that
 * `npm start` gives the service. A grant missing from SERVICE_DB_GRANTS fails here with
 * "permission denied".
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KV } from '@nats-io/kv';
import { Client } from 'pg';
import pino from 'pino';
import type { DataSource } from 'typeorm';
import { callerTokenHeaders, codeToSubjectTokens, REGISTRY_RPC, topology, uuidv7, type AgencyKvEntry, type Topology } from '@lt/contracts';
import {
  createTestDatabase,
  openDataSource,
  provisionServiceRoles,
  serviceDatabaseUrl,
  serviceRoleName,
  SERVICE_DB_ROLES,
  type ServiceDbRole,
  type TestDatabase,
} from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, JetStreamPublisher, openAgencyKv, RpcClient, type NatsConnection } from '@lt/messaging';
import { FixedClock, issueLocalToken, loadOrCreateHubKey, newEd25519KeyFile } from '@lt/platform';
import { createAuditService, type AuditService } from '../../apps/audit/src/index';
import { fakeJws, hubEvent, inboxHeaders, type CopySpec } from '../../apps/audit/src/testing/fixtures';
import { AGENCIES, DossierFixture, vn } from '../../apps/dossier/src/testing/dossier-fixture';
import { createRegistryService, type RegistryService } from '../../apps/registry/src/registry.service';
import { PostgresRoutingRegister } from '../../apps/router/src/adapters/postgres-register';

jest.setTimeout(90_000);
const log = pino({ level: 'silent' });
const PREFIX = `lt_t${randomBytes(4).toString('hex')}_`;
const passwords = Object.fromEntries(SERVICE_DB_ROLES.map((r) => [r, randomBytes(24).toString('base64url')])) as Record<ServiceDbRole, string>;

let db: TestDatabase;
let nc: NatsConnection;
let topo: Topology;
const roleSources: DataSource[] = [];
const databases: string[] = [];

/** Provisions the roles in `database` and opens the service's DataSource as its role. */
async function openAs(database: TestDatabase, role: ServiceDbRole): Promise<DataSource> {
  await provisionServiceRoles(database.url, { passwords, rolePrefix: PREFIX });
  if (!databases.includes(database.name)) databases.push(database.name);
  const ds = await openDataSource(serviceDatabaseUrl(database.url, role, passwords[role], PREFIX), { extra: { max: 4 } });
  roleSources.push(ds);
  const [{ who }] = await ds.query('SELECT current_user AS who');
  expect(who).toBe(serviceRoleName(role, PREFIX));
  return ds;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'db-roles-test');
  topo = topology(`t${randomBytes(5).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
});

afterAll(async () => {
  for (const ds of roleSources) if (ds.isInitialized) await ds.destroy();
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc?.drain();
  await db?.drop();
  // the roles hold privileges in every database they were provisioned in: those are dropped first
  const root = new Client({ connectionString: new URL('/postgres', db.url).toString() });
  await root.connect();
  try {
    for (const role of SERVICE_DB_ROLES) await root.query(`DROP ROLE IF EXISTS "${serviceRoleName(role, PREFIX)}"`);
  } finally {
    await root.end();
  }
});

describe('each service under its own PostgreSQL role', () => {
  it('the registry creates an agency, records its history and relays it to KV and events', async () => {
    const ds = await openAs(db, 'registry');
    let registry: RegistryService | undefined;
    // writes need an admin token of the data folder's token key
    const dataDir = mkdtempSync(join(tmpdir(), 'lt-db-roles-'));
    loadOrCreateHubKey(dataDir, 'token');
    try {
      registry = createRegistryService({ ds, nc, ns: topo.ns, log, dataDir, clock: new FixedClock(new Date('2026-01-01T00:00:00.000Z')) });
      await registry.start();
      const rpc = new RpcClient(nc).withHeaders(callerTokenHeaders(issueLocalToken(dataDir, { sub: 'db-roles-test' })));
      const call = <T>(method: string, payload: unknown) => rpc.call<T>(topo.rpcSubject('registry', method), payload, 30_000);
      await call(REGISTRY_RPC.create, { code: '000.00.00.H41', name: 'UBND tỉnh Nghệ An', tier: 'province' });
      await call(REGISTRY_RPC.create, { code: '000.00.05.H41', name: 'UBND huyện 05', tier: 'district', parentCode: '000.00.00.H41' });
      await call(REGISTRY_RPC.update, { code: '000.00.05.H41', name: 'UBND huyện 05 (mới)' });
      const kv: KV = await openAgencyKv(nc, topo);
      // the outbox relay (cursor row locked FOR UPDATE, then advanced) ran under the role too
      const entry = await waitFor('the KV mirror', async () => {
        const e = await kv.get(codeToSubjectTokens('000.00.05.H41'));
        const v = e && e.length > 0 ? (e.json() as AgencyKvEntry) : null;
        return v?.agency.name === 'UBND huyện 05 (mới)' ? v : null;
      });
      expect(entry.agency).toMatchObject({ parentCode: '000.00.00.H41', version: 2 });
      const changes: Array<{ change_type: string }> = await db.ds.query(`SELECT change_type FROM registry_changes ORDER BY seq`);
      expect(changes.map((c) => c.change_type)).toEqual(['registry.agency.created', 'registry.agency.created', 'registry.agency.updated']);
      const [{ published_seq }] = await db.ds.query(`SELECT published_seq::int FROM registry_outbox_cursor`);
      expect(published_seq).toBe(3);
    } finally {
      await registry?.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  });

  it('the router records envelope ids and document numbers, by the short statement and by the full one', async () => {
    const ds = await openAs(db, 'router');
    const register = new PostgresRoutingRegister(ds);
    const sender = '000.00.00.H41';
    const at = new Date('2026-11-22T08:00:00.000Z');
    const a = uuidv7();
    const b = uuidv7();
    const first = await register.record(
      [
        { id: a, sender, seq: 1, digest: 'a'.repeat(64) },
        { id: b, sender, seq: 2, digest: 'b'.repeat(64) },
      ],
      [{ envelopeId: a, sender, year: 2026, codeNumber: '1', codeNotation: 'UBND' }],
      at,
    );
    expect(first.numbers.get(a)).toEqual({ inserted: true, holder: null });
    // a redelivery of a and a new c: the short statement aborts, the full one decides
    const c = uuidv7();
    const again = await register.record(
      [
        { id: a, sender, seq: 1, digest: 'a'.repeat(64) },
        { id: c, sender, seq: 3, digest: 'c'.repeat(64) },
      ],
      [{ envelopeId: c, sender, year: 2026, codeNumber: '1', codeNotation: 'UBND' }],
      at,
    );
    expect(register.counts).toEqual({ fast: 1, full: 1 });
    expect(again.priors.get(a)).toEqual({ seq: 1, digest: 'a'.repeat(64) });
    expect(again.numbers.get(c)).toEqual({ inserted: false, holder: a });
    const [{ n }] = await db.ds.query(`SELECT count(*)::int AS n FROM router_envelopes`);
    expect(n).toBe(3);
  });

  it('the audit appends events and inbox copies, signs checkpoints, proves inclusion and sends receipts', async () => {
    const ds = await openAs(db, 'audit');
    const key = newEd25519KeyFile('hub-test');
    // streams of its own: the registry's events above stay out of this log
    const own = topology(`t${randomBytes(5).toString('hex')}`);
    await ensureTopology(nc, own, { storage: 'memory' });
    const publisher = new JetStreamPublisher(nc, own);
    let audit: AuditService | undefined;
    try {
      audit = createAuditService({
        nc,
        ds,
        ns: own.ns,
        log,
        checkpointKey: key,
        receiptKey: key,
        options: {
          checkpointEvery: 5,
          checkpointIntervalMs: 200,
          verifyIntervalMs: 0,
          standbyRetryMs: 200,
          receipts: true,
          receiptBatch: 4,
          receiptMaxItems: 7,
        },
      });
      await audit.start();
      expect(audit.isWriter).toBe(true);
      const A = '000.00.00.H41';
      const B = '000.00.05.H41';
      await publisher.publishEvent(hubEvent('registry.agency.created', { source: 'registry', agencies: [B], data: { agency: { code: B, tier: 'district' } } }));
      const docId = uuidv7();
      for (const to of [B, A]) {
        const spec: CopySpec = { envelopeId: to === B ? docId : uuidv7(), from: to === B ? A : B, to, copies: 1 };
        const data = fakeJws(spec);
        await publisher.publish(own.inboxSubject(spec.to), data, `${spec.envelopeId}:${spec.to}`, inboxHeaders(spec, data));
      }
      await waitFor('3 entries', async () => (await audit!.treeSize()) >= 3);
      await audit.cutCheckpoint();
      await audit.receiptsIdle();
      const cp = await audit.checkpoint();
      expect(cp.treeSize).toBe(3);
      expect((await audit.proveInclusion({ seq: 2 })).treeSize).toBe(3);
      expect((await audit.trace(docId)).found).toBe(true);
      const [{ sent_upto }] = await db.ds.query(`SELECT sent_upto::int FROM audit_receipt_cursor`);
      expect(sent_upto).toBe(3);
      // the month partition the writer created belongs to the admin, not to the audit role
      const owners: Array<{ owner: string }> = await db.ds.query(
        `SELECT DISTINCT pg_get_userbyid(c.relowner) AS owner FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid WHERE i.inhparent = 'audit_entries'::regclass`,
      );
      expect(owners).toEqual([{ owner: 'postgres' }]);
    } finally {
      await audit?.stop();
      await destroyTopology(nc, own).catch(() => undefined);
    }
  });

  it('the dossier service applies dossier messages, drains its outbox and scans deadlines', async () => {
    const f = await DossierFixture.create({ serviceDataSource: (database) => openAs(database, 'dossier') });
    try {
      const submitted = await f.submit(AGENCIES.commune, 'DEMO-HT-XNTTHN', vn('2026-03-02 09:00'));
      await f.transition(AGENCIES.commune, submitted.dossierCode, 2, vn('2026-03-02 09:30'));
      await f.transition(AGENCIES.commune, submitted.dossierCode, 4, vn('2026-03-02 10:00'));
      expect((await f.uc.getDossier.execute(submitted.dossierCode)).state).toBe(4);
      await f.uc.publishOutbox.drain();
      const [{ unpublished }] = await f.db.ds.query(`SELECT count(*)::int AS unpublished FROM dossier_events WHERE published_at IS NULL`);
      expect(unpublished).toBe(0);
      f.clock.set(vn('2026-03-20 09:00'));
      expect((await f.uc.scanOverdue.execute()).notices).toBeGreaterThan(0);
      expect((await f.uc.listDossiers.execute({ overdue: true })).items.map((d) => d.code)).toContain(submitted.dossierCode);
    } finally {
      await f.close();
    }
  });
});
