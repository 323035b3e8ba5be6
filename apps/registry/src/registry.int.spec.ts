import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { KV } from '@nats-io/kv';
import {
  callerTokenHeaders,
  codeToSubjectTokens,
  LtError,
  REGISTRY_RPC,
  topology,
  type AgencyKvEntry,
  type HubEvent,
  type Page,
  type Agency,
  type AgencyKey,
  type Topology,
} from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, RpcClient, type NatsConnection } from '@lt/messaging';
import { importPrivateKey, issueToken, type TokenRole } from '@lt/crypto';
import { FixedClock, issueLocalToken, loadOrCreateHubKey, newEd25519KeyFile, type KeyFile } from '@lt/platform';
import pino from 'pino';
import { PostgresAgencyRepository } from './adapters/postgres-agency.repository';
import type { AgencyWithKeys, RegistryChangeType } from './domain/agency';
import { importReplicaSubject } from './adapters/rpc-import-forwarder';
import { createRegistryService, type RegistryService } from './registry.service';
import { ADMIN, publicJwk, SEED_CSV } from './testing/registry-test-kit';
import type { ImportReport } from './use-cases/import-agencies/import-agencies.use-case';
import type { HistoryEntry } from './use-cases/agency-history/agency-history.use-case';

const silent = pino({ level: 'silent' });

let db: TestDatabase;
let nc: NatsConnection;
let topo: Topology;
let service: RegistryService;
let replica: RegistryService;
/** presents an admin token of the data folder's token key (sub ADMIN.sub), as the gateway forwards one */
let client: RpcClient;
let kv: KV;
let dataDir: string;
const clock = new FixedClock(new Date('2026-01-01T00:00:00.000Z'));

const call = <T>(method: string, payload: unknown) => client.call<T>(topo.rpcSubject('registry', method), payload, 30_000);
const fails = async (p: Promise<unknown>): Promise<LtError> => {
  try {
    await p;
  } catch (e) {
    return e as LtError;
  }
  throw new Error('expected the call to fail');
};

async function kvEntry(code: string): Promise<AgencyKvEntry | null> {
  const e = await kv.get(codeToSubjectTokens(code));
  return e && e.length > 0 ? (e.json() as AgencyKvEntry) : null;
}

async function allEvents(): Promise<Array<HubEvent<RegistryChangeType>>> {
  const jsm = await jetstreamManager(nc);
  const info = await jsm.streams.info(topo.streams.events);
  const out: Array<HubEvent<RegistryChangeType>> = [];
  for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
    const m = await jsm.streams.getMessage(topo.streams.events, { seq });
    if (m) out.push(m.json());
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'registry-int-test');
  topo = topology(`t${randomBytes(5).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  kv = await openAgencyKv(nc, topo);
  dataDir = mkdtempSync(join(tmpdir(), 'lt-registry-int-'));
  loadOrCreateHubKey(dataDir, 'token');
  service = createRegistryService({ ds: db.ds, nc, ns: topo.ns, log: silent, clock, dataDir });
  replica = createRegistryService({ ds: db.ds, nc, ns: topo.ns, log: silent, clock, dataDir });
  await service.start();
  await replica.start();
  client = new RpcClient(nc).withHeaders(callerTokenHeaders(issueLocalToken(dataDir, { sub: ADMIN.sub })));
  await call(REGISTRY_RPC.importCsv, { action: 'once', mode: 'all-or-nothing', csv: SEED_CSV });
  await call(REGISTRY_RPC.importCsv, { action: 'once', mode: 'all-or-nothing', csv: QUANG_NINH });
});

const QUANG_NINH = [
  'code,name,tier,parent_code',
  '000.00.00.H49,Ủy ban nhân dân tỉnh Quảng Ninh,province,',
  '000.00.20.H49,Ủy ban nhân dân thành phố Hạ Long,district,000.00.00.H49',
  '000.01.20.H49,Ủy ban nhân dân phường Bãi Cháy,commune,000.00.20.H49',
].join('\n');

afterAll(async () => {
  await replica?.stop();
  await service?.stop();
  if (nc) {
    await destroyTopology(nc, topo);
    await nc.drain();
  }
  await db?.drop();
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
});

describe('registry over request-reply, PostgreSQL and JetStream', () => {
  it('creates an agency, mirrors it into KV and publishes its event', async () => {
    const a = await call<AgencyWithKeys>(REGISTRY_RPC.create, {
      code: '000.00.03.H41',
      name: 'Sở Thông tin và Truyền thông tỉnh Nghệ An',
      tier: 'province',
      contact: { email: 'stttt@nghean.gov.vn', website: 'https://sotttt.nghean.gov.vn' },
    });
    expect(a).toMatchObject({ code: '000.00.03.H41', parentCode: '000.00.00.H41', status: 'active', version: 1, keys: [] });
    expect(await kvEntry('000.00.03.H41')).toEqual({
      agency: { code: '000.00.03.H41', name: a.name, tier: 'province', parentCode: '000.00.00.H41', status: 'active', successorCode: null, validFrom: a.validFrom, validTo: null, version: 1 },
      keys: [],
    });
    const rows: Array<{ event_id: string; actor: string; actor_role: string }> = await db.ds.query(
      `SELECT event_id, actor, actor_role FROM registry_changes WHERE agency_code = '000.00.03.H41'`,
    );
    expect(rows).toEqual([{ event_id: expect.any(String), actor: ADMIN.sub, actor_role: ADMIN.role }]);
    const event = (await allEvents()).find((e) => e.id === rows[0]!.event_id);
    expect(event).toMatchObject({ type: 'registry.agency.created', source: 'registry', agencies: ['000.00.03.H41'], data: { agency: { code: '000.00.03.H41' } } });
  });

  it('refuses a duplicate (409 DUPLICATE), an unknown parent and a tier mismatch with stable codes', async () => {
    const dup = await fails(call(REGISTRY_RPC.create, { code: '000.00.00.H41', name: 'x', tier: 'province' }));
    expect(dup).toMatchObject({ code: 'DUPLICATE', httpStatus: 409 });
    const unknown = await fails(call(REGISTRY_RPC.create, { code: '000.00.40.H41', name: 'x', tier: 'district', parentCode: '000.00.00.H99' }));
    expect(unknown.code).toBe('UNKNOWN_PARENT');
    const tier = await fails(call(REGISTRY_RPC.create, { code: '000.05.30.H41', name: 'x', tier: 'district', parentCode: '000.00.30.H41' }));
    expect(tier).toMatchObject({ code: 'TIER_MISMATCH', message: expect.stringMatching(/district.*province.*district/) });
    // who calls is the caller token: a payload that names an actor is refused, even beside a good token
    const withActor = await fails(call(REGISTRY_RPC.create, { actor: ADMIN, code: '000.00.09.H41', name: 'x', tier: 'province' }));
    expect(withActor).toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'actor' } });
    expect(await kvEntry('000.00.40.H41')).toBeNull();
  });

  it('closes: HAS_ACTIVE_CHILDREN without successor, with successor OK, cycles refused; KV keeps the successor', async () => {
    await call(REGISTRY_RPC.create, { code: '000.00.00.H14', name: 'Cao Bằng', tier: 'province' });
    const busy = await fails(call(REGISTRY_RPC.close, { code: '000.00.20.H49', reason: 'districts abolished' }));
    expect(busy).toMatchObject({ code: 'HAS_ACTIVE_CHILDREN' });
    clock.set(new Date('2026-07-01T00:00:00.000Z'));
    const closed = await call<AgencyWithKeys>(REGISTRY_RPC.close, { code: '000.00.20.H49', reason: 'districts abolished', successorCode: '000.00.00.H49' });
    expect(closed).toMatchObject({ status: 'closed', successorCode: '000.00.00.H49', validTo: '2026-07-01T00:00:00.000Z' });
    expect((await kvEntry('000.00.20.H49'))!.agency).toMatchObject({ status: 'closed', successorCode: '000.00.00.H49', validTo: '2026-07-01T00:00:00.000Z' });

    await call(REGISTRY_RPC.close, { code: '000.00.00.H14', reason: 'merged', successorCode: '000.00.03.H41' });
    const cycle = await fails(call(REGISTRY_RPC.close, { code: '000.00.03.H41', reason: 'merged', successorCode: '000.00.00.H14' }));
    expect(cycle.code).toBe('SUCCESSOR_CYCLE');
    const self = await fails(call(REGISTRY_RPC.close, { code: '000.00.02.H41', reason: 'x', successorCode: '000.00.02.H41' }));
    expect(self.code).toBe('SUCCESSOR_CYCLE');
    const leaf = await call<AgencyWithKeys>(REGISTRY_RPC.close, { code: '000.01.20.H49', reason: 'merged into ward' });
    expect(leaf.successorCode).toBeNull();
    const shown = await call<{ finalSuccessorCode: string | null }>(REGISTRY_RPC.get, { code: '000.00.00.H14' });
    expect(shown.finalSuccessorCode).toBe('000.00.03.H41');
  });

  it('adds and revokes keys; KV holds the agency with its active keys only', async () => {
    const k1 = await call<AgencyKey>(REGISTRY_RPC.addKey, { code: '000.00.00.H41', keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') });
    const k2 = await call<AgencyKey>(REGISTRY_RPC.addKey, { code: '000.00.00.H41', keyId: 'k2', alg: 'ES256', publicJwk: publicJwk('ES256') });
    expect(k1.kid).toBe('000.00.00.H41#k1');
    expect((await kvEntry('000.00.00.H41'))!.keys.map((k) => k.kid)).toEqual(['000.00.00.H41#k1', '000.00.00.H41#k2']);
    const dup = await fails(call(REGISTRY_RPC.addKey, { code: '000.00.00.H41', keyId: 'k1', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') }));
    expect(dup.code).toBe('DUPLICATE');
    const priv = await fails(call(REGISTRY_RPC.addKey, { code: '000.00.00.H41', keyId: 'k3', alg: 'EdDSA', publicJwk: { ...publicJwk('EdDSA'), d: 'x' } }));
    expect(priv.code).toBe('VALIDATION_FAILED');
    const revoked = await call<AgencyKey>(REGISTRY_RPC.revokeKey, { code: '000.00.00.H41', keyId: k1.kid, reason: 'rotated' });
    expect(revoked.revokedReason).toBe('rotated');
    const again = await fails(call(REGISTRY_RPC.revokeKey, { code: '000.00.00.H41', keyId: 'k1', reason: 'rotated' }));
    expect(again.code).toBe('KEY_REVOKED');
    const missing = await fails(call(REGISTRY_RPC.revokeKey, { code: '000.00.00.H41', keyId: 'k9', reason: 'x' }));
    expect(missing.code).toBe('UNKNOWN_KEY');
    const entry = (await kvEntry('000.00.00.H41'))!;
    // the revoked key stays mirrored with its revocation time, so routers can answer KEY_REVOKED
    expect(entry.keys).toEqual([
      expect.objectContaining({ kid: k1.kid, revokedAt: revoked.revokedAt }),
      expect.objectContaining({ kid: k2.kid, alg: 'ES256', revokedAt: null }),
    ]);
    expect(revoked.revokedAt).not.toBeNull();
    expect(entry.agency.version).toBe(4);
    expect(await call<AgencyKey[]>(REGISTRY_RPC.listKeys, { code: '000.00.00.H41' })).toHaveLength(2);
    const types = (await allEvents()).filter((e) => e.agencies[0] === '000.00.00.H41').map((e) => e.type);
    expect(types).toEqual(['registry.agency.created', 'registry.key.added', 'registry.key.added', 'registry.key.revoked']);
  });

  it('publishes exactly one event per history row, with the row event id', async () => {
    const rows: Array<{ event_id: string; change_type: string }> = await db.ds.query('SELECT event_id, change_type FROM registry_changes ORDER BY seq');
    const events = await allEvents();
    expect(events.map((e) => e.id).sort()).toEqual(rows.map((r) => r.event_id).sort());
    const published: Array<{ published_seq: string }> = await db.ds.query('SELECT published_seq FROM registry_outbox_cursor');
    const max: Array<{ max: string }> = await db.ds.query('SELECT max(seq) FROM registry_changes');
    expect(published[0]!.published_seq).toBe(max[0]!.max);
  });

  it('imports through a streamed session: partial applies valid rows, all-or-nothing none, errors per line', async () => {
    const csv = [
      'code,name,tier,parent_code,organization_in_charge,address,email,telephone,fax,website',
      '000.00.00.H27,Ủy ban nhân dân tỉnh Bắc Ninh,province,,"Văn phòng UBND tỉnh","Số 10, đường Phù Đổng Thiên Vương",vp@bacninh.gov.vn,0222 3822 569,,',
      '000.00.30.H27,"Thành phố Bắc Ninh, ""TP""",district,000.00.00.H27,,,,,,',
      '000.01.30.H27,Phường Vệ An,commune,000.00.30.H27,,,,,,',
      '000.02.30.H27,Phường Tiền An,commune,000.00.00.H28,,,,,,',
      '000.03.30.H27,Phường X,district,000.00.30.H27,,,,,,',
      '000.00.00.H27,Bắc Ninh lần hai,province,,,,,,,',
    ].join('\r\n');
    const run = async (mode: string) => {
      const { importId } = await call<{ importId: string }>(REGISTRY_RPC.importCsv, { action: 'begin', mode });
      let progress = { received: 0, errorsSoFar: 0 };
      for (let i = 0; i < csv.length; i += 40) {
        progress = await call(REGISTRY_RPC.importCsv, { action: 'chunk', importId, text: csv.slice(i, i + 40) });
      }
      expect(progress.received).toBeGreaterThanOrEqual(5);
      return call<ImportReport>(REGISTRY_RPC.importCsv, { action: 'commit', importId });
    };
    const all = await run('all-or-nothing');
    expect(all).toMatchObject({ mode: 'all-or-nothing', total: 6, created: 0, failed: 3, rolledBack: true });
    expect(await kvEntry('000.00.00.H27')).toBeNull();
    const partial = await run('partial');
    expect(partial).toMatchObject({ mode: 'partial', total: 6, created: 3, failed: 3, rolledBack: false, published: true });
    expect(partial.errors.map((e) => [e.line, e.code])).toEqual([
      [5, 'UNKNOWN_PARENT'],
      [6, 'TIER_MISMATCH'],
      [7, 'DUPLICATE'],
    ]);
    expect(partial.errors).toEqual(all.errors);
    const got = await call<AgencyWithKeys>(REGISTRY_RPC.get, { code: '000.00.00.H27' });
    expect(got.contact).toMatchObject({ organizationInCharge: 'Văn phòng UBND tỉnh', address: 'Số 10, đường Phù Đổng Thiên Vương', email: 'vp@bacninh.gov.vn', fax: null });
    expect((await call<AgencyWithKeys>(REGISTRY_RPC.get, { code: '000.00.30.H27' })).name).toBe('Thành phố Bắc Ninh, "TP"');
    expect((await kvEntry('000.01.30.H27'))!.agency).toMatchObject({ tier: 'commune', parentCode: '000.00.30.H27' });
  });

  it('keeps an import session usable whichever replica the queue group hands a chunk to', async () => {
    // the session lives on `replica`; chunks sent to the shared subject land on either replica and are forwarded
    const { importId } = replica.useCases.importAgencies.begin(ADMIN, 'partial');
    const lines = ['code,name,tier,parent_code', ...Array.from({ length: 12 }, (_, i) => `000.00.${String(60 + i)}.H41,Phòng ${i},province,000.00.00.H41`)];
    for (const line of lines) await call(REGISTRY_RPC.importCsv, { action: 'chunk', importId, text: `${line}\n` });
    const r = await call<ImportReport>(REGISTRY_RPC.importCsv, { action: 'commit', importId });
    expect(r).toMatchObject({ total: 12, created: 12, failed: 0 });
    const gone = await fails(call(REGISTRY_RPC.importCsv, { action: 'commit', importId }));
    expect(gone.code).toBe('NOT_FOUND');

    // each replica answers on its own import subject, named by the id its sessions carry
    const held = replica.useCases.importAgencies.begin(ADMIN, 'partial');
    const own = importReplicaSubject(topo, held.importId.split('_')[0]!);
    await expect(client.call(own, { action: 'abort', importId: held.importId })).resolves.toEqual({ aborted: true });
    const elsewhere = service.useCases.importAgencies.begin(ADMIN, 'partial');
    // a request arriving on a replica's own subject is never handed on: the other replica does not hold it
    await expect(client.call(own, { action: 'abort', importId: elsewhere.importId })).resolves.toEqual({ aborted: false });
    await expect(call(REGISTRY_RPC.importCsv, { action: 'abort', importId: elsewhere.importId })).resolves.toEqual({ aborted: true });
  });

  it('re-importing the seed changes nothing and publishes nothing', async () => {
    const before = (await allEvents()).length;
    const r = await call<ImportReport>(REGISTRY_RPC.importCsv, { action: 'once', mode: 'partial', csv: SEED_CSV });
    expect(r).toMatchObject({ created: 0, updated: 0, failed: 0, unchanged: 7 });
    expect((await allEvents()).length).toBe(before);
  });

  it('answers history at time T and refuses to rewrite history', async () => {
    clock.set(new Date('2026-08-01T00:00:00.000Z'));
    const editor = client.withHeaders(callerTokenHeaders(issueLocalToken(dataDir, { sub: 'editor' })));
    await editor.call(topo.rpcSubject('registry', REGISTRY_RPC.update), { code: '000.00.02.H41', name: 'Sở Nội vụ (mới)' });
    const before = await call<HistoryEntry>(REGISTRY_RPC.history, { code: '000.00.02.H41', at: '2026-07-31T23:59:59Z' });
    const after = await call<HistoryEntry>(REGISTRY_RPC.history, { code: '000.00.02.H41', at: '2026-08-01T00:00:00Z' });
    expect(before.snapshot.name).toBe('Sở Nội vụ tỉnh Nghệ An');
    expect(after).toMatchObject({ type: 'registry.agency.updated', actor: { sub: 'editor', role: 'admin' }, snapshot: { name: 'Sở Nội vụ (mới)', version: 2 } });
    const early = await fails(call(REGISTRY_RPC.history, { code: '000.00.02.H41', at: '2025-01-01T00:00:00Z' }));
    expect(early.code).toBe('UNKNOWN_AGENCY');
    const list = await call<Page<HistoryEntry>>(REGISTRY_RPC.history, { code: '000.00.02.H41' });
    expect(list.items.map((e) => e.type)).toEqual(['registry.agency.created', 'registry.agency.updated']);
    await expect(db.ds.query(`UPDATE registry_changes SET actor = 'x'`)).rejects.toThrow(/append-only/);
  });

  it('lists with filters and keyset pagination, and serves the tree', async () => {
    const codes: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page<Agency> = await call(REGISTRY_RPC.list, { limit: 4, ...(cursor ? { cursor } : {}) });
      codes.push(...page.items.map((a) => a.code));
      cursor = page.nextCursor;
    } while (cursor);
    const count: Array<{ n: number }> = await db.ds.query('SELECT count(*)::int AS n FROM agencies');
    expect(codes).toHaveLength(count[0]!.n);
    expect(codes).toEqual([...codes].sort());
    const closed = await call<Page<Agency>>(REGISTRY_RPC.list, { status: 'closed' });
    expect(closed.items.map((a) => a.code)).toEqual(['000.00.00.H14', '000.00.20.H49', '000.01.20.H49']);
    const search = await call<Page<Agency>>(REGISTRY_RPC.list, { q: 'VỆ AN' });
    expect(search.items.map((a) => a.code)).toEqual(['000.01.30.H27']);
    const pct = await call<Page<Agency>>(REGISTRY_RPC.list, { q: '%' });
    expect(pct.items).toEqual([]);
    const tree = await call<{ children: Array<{ code: string; children: Array<{ code: string }> }> }>(REGISTRY_RPC.children, { code: '000.00.00.H27', depth: 2 });
    expect(tree.children.map((c) => c.code)).toEqual(['000.00.30.H27']);
    expect(tree.children[0]!.children.map((c) => c.code)).toEqual(['000.01.30.H27']);
  });

  it('publishes a change committed but never published (crash between commit and publish) on the next pass', async () => {
    const repo = new PostgresAgencyRepository(db.ds);
    const eventId = '01900000-0000-7000-8000-000000000001';
    await repo.transaction(async (tx) => {
      const a = (await tx.findAgencies(['000.00.00.G12'])).get('000.00.00.G12')!;
      const next = { ...a, name: 'Bộ Tài chính (crash test)', version: a.version + 1 };
      await tx.updateAgencies([next]);
      await tx.appendChanges([{ eventId, type: 'registry.agency.updated', at: clock.now().toISOString(), agencyCode: a.code, keyId: null, actor: ADMIN, snapshot: { ...next, keys: [] } }]);
    });
    expect((await kvEntry('000.00.00.G12'))!.agency.name).toBe('Bộ Tài chính');
    await replica.relay.flush();
    expect((await kvEntry('000.00.00.G12'))!.agency.name).toBe('Bộ Tài chính (crash test)');
    expect((await allEvents()).filter((e) => e.id === eventId)).toHaveLength(1);
  });

  it('boots without request-reply for in-process callers (serveRpc: false) and stops cleanly', async () => {
    const local = createRegistryService({ ds: db.ds, nc, ns: topo.ns, log: silent, clock, dataDir, import: { instanceId: 'offline1' } });
    expect(() => local.useCases).toThrow(/not started/);
    await local.start({ serveRpc: false });
    try {
      expect((await local.useCases.getAgency.execute('000.00.00.H41')).code).toBe('000.00.00.H41');
      expect(local.useCases.importAgencies.begin(ADMIN, 'partial').importId).toMatch(/^offline1_/);
      await local.relay.flush();
      const unserved = await fails(client.call(importReplicaSubject(topo, 'offline1'), { action: 'abort', importId: 'offline1_x' }, 500));
      expect(unserved.code).toBe('UNAVAILABLE');
    } finally {
      await local.stop();
    }
    expect(() => local.relay).toThrow(/not started/);
  });
});

describe('registry writes: the caller is a verified token, never the payload', () => {
  const hubToken = () => loadOrCreateHubKey(dataDir, 'token');
  const signWith = (key: KeyFile, claims: { role: TokenRole; aud?: string; ttlSeconds?: number }, now?: number) =>
    issueToken({ sub: 'mallory', ...claims }, importPrivateKey(key.privateJwk, key.alg), key.keyId, now);
  const as = (token: string | null) => (token === null ? new RpcClient(nc) : new RpcClient(nc).withHeaders(callerTokenHeaders(token)));

  async function snapshot(): Promise<unknown> {
    const [counts] = await db.ds.query(
      `SELECT (SELECT count(*)::int FROM agencies) AS agencies, (SELECT count(*)::int FROM agency_keys) AS keys, (SELECT count(*)::int FROM registry_changes) AS changes`,
    );
    return { counts, events: (await allEvents()).length, kv: await kvEntry('000.00.00.G12') };
  }

  it('refuses a forged caller with UNAUTHENTICATED or FORBIDDEN and changes nothing', async () => {
    await service.relay.flush();
    const before = await snapshot();
    // a key that is not the hub's, even under the hub key's id
    const impostor = newEd25519KeyFile(hubToken().keyId);
    const elsewhere = newEd25519KeyFile('token-20260101-elsewhre');
    const unsigned = (() => {
      const [head, body] = signWith(hubToken(), { role: 'admin' }).split('.');
      const none = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url');
      return { stripped: `${head}.${body}.`, none: `${none}.${body}.` };
    })();
    const cases: Array<[string, string | null, string, string | undefined]> = [
      ['a body actor admin, no token', null, 'UNAUTHENTICATED', 'missing'],
      ['a token of another key under the hub key id', signWith(impostor, { role: 'admin' }), 'UNAUTHENTICATED', 'bad_signature'],
      ['a token of an unknown key', signWith(elsewhere, { role: 'admin' }), 'UNAUTHENTICATED', 'unknown_kid'],
      ['the hub token without its signature', unsigned.stripped, 'UNAUTHENTICATED', 'malformed'],
      ['an alg none token', unsigned.none, 'UNAUTHENTICATED', 'malformed'],
      ['a hub token for another audience', signWith(hubToken(), { role: 'admin', aud: 'lienthong-sdk' }), 'UNAUTHENTICATED', 'wrong_audience'],
      ['an expired hub token', signWith(hubToken(), { role: 'admin', ttlSeconds: 60 }, Date.now() - 120_000), 'UNAUTHENTICATED', 'expired'],
      ['an auditor token', signWith(hubToken(), { role: 'auditor' }), 'FORBIDDEN', undefined],
      ['an agency token', signWith(hubToken(), { role: 'agency:000.00.00.G12' }), 'FORBIDDEN', undefined],
    ];
    const writes: Array<[string, Record<string, unknown>]> = [
      [REGISTRY_RPC.create, { code: '000.00.77.H41', name: 'Forged', tier: 'province' }],
      [REGISTRY_RPC.update, { code: '000.00.00.G12', name: 'Forged' }],
      [REGISTRY_RPC.close, { code: '000.00.00.G12', reason: 'forged' }],
      [REGISTRY_RPC.addKey, { code: '000.00.00.G12', keyId: 'forged', alg: 'EdDSA', publicJwk: publicJwk('EdDSA') }],
      [REGISTRY_RPC.revokeKey, { code: '000.00.00.H41', keyId: 'k2', reason: 'forged' }],
      [REGISTRY_RPC.importCsv, { action: 'once', mode: 'partial', csv: 'code,name,tier,parent_code\n000.00.78.H41,Forged,province,' }],
      [REGISTRY_RPC.importCsv, { action: 'begin', mode: 'partial' }],
    ];
    for (const [what, token, code, reason] of cases) {
      for (const [method, payload] of writes) {
        const err = await fails(as(token).call(topo.rpcSubject('registry', method), { ...payload, actor: ADMIN }, 10_000));
        expect([what, method, err.code, err.details?.reason]).toEqual([what, method, code, reason]);
      }
    }
    // a session begun by an admin: its chunks, commit and abort need the token too, on either subject
    const { importId } = await call<{ importId: string }>(REGISTRY_RPC.importCsv, { action: 'begin', mode: 'partial' });
    const owner = importReplicaSubject(topo, importId.split('_')[0]!);
    for (const subject of [topo.rpcSubject('registry', REGISTRY_RPC.importCsv), owner]) {
      for (const action of ['chunk', 'commit', 'abort']) {
        const err = await fails(as(null).call(subject, { action, importId, text: 'code,name,tier,parent_code\n000.00.79.H41,Forged,province,\n' }, 10_000));
        expect([subject, action, err.code]).toEqual([subject, action, 'UNAUTHENTICATED']);
      }
    }
    await expect(call(REGISTRY_RPC.importCsv, { action: 'abort', importId })).resolves.toEqual({ aborted: true });

    await service.relay.flush();
    await replica.relay.flush();
    expect(await snapshot()).toEqual(before);
    // reads stay open to whoever NATS lets publish here
    await expect(as(null).call(topo.rpcSubject('registry', REGISTRY_RPC.get), { code: '000.00.00.G12' })).resolves.toMatchObject({ name: 'Bộ Tài chính (crash test)' });
  });
});
