import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient, type JsMsg } from '@nats-io/jetstream';
import type { DataSource } from 'typeorm';
import { Command } from 'commander';
import { Client } from 'pg';
import { codeToSubjectTokens, HEADERS, LtError, HUB_KID_PREFIX, topology, type Envelope, type FlattenedJws } from '@lt/contracts';
import { importPublicKey, signEnvelope } from '@lt/crypto';
import { createTestDatabase, openDataSource, serviceRoleName, SERVICE_DB_ROLES, type TestDatabase } from '@lt/database';
import { connectNats, ensureTopology, namespaceStreams, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { createLogger, ensureHubKeys, loadHubKey, loadHubPublicKeys, loadOrCreateDatabaseSecrets, rotateHubKey } from '@lt/platform';
import { createAuditService, type AuditService } from '../../apps/audit/src';
import { createRouterService, type RouterService } from '../../apps/router/src';
import { documentEnvelope, testAgency, type TestAgency } from '../../apps/router/src/testing/fixtures';
import { runRestore } from '../../apps/cli/src/backup/backup';
import { registerBackupCommands } from '../../apps/cli/src/commands/backup';
import { CliContext, type GlobalOptions } from '../../apps/cli/src/context';

/*
 * Backup while documents flow, wipe everything, restore, and check what the runbook promises:
 * every document accepted before the backup is in each recipient's inbox exactly once, the audit
 * log verifies, and the keys are back. Real NATS (file streams: memory streams cannot be
 * snapshotted) and PostgreSQL; its own namespace, database, role prefix and data folder.
 */

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const A = '000.00.00.H41';
const B = '000.00.00.G12';
const C = '000.00.30.H41';
const NOBODY = '000.00.99.H41';
const log = createLogger('backup-restore-test', process.env.TEST_LOG_LEVEL ?? 'silent');
jest.setTimeout(90_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await sleep(100);
  }
}

async function readAll(js: JetStreamClient, stream: string, filter: string): Promise<JsMsg[]> {
  const consumer = await js.consumers.get(stream, { filter_subjects: filter });
  const pending = (await consumer.info()).num_pending;
  const out: JsMsg[] = [];
  while (out.length < pending) {
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: pending - out.length, expires: 2_000 })) {
      out.push(m);
      got++;
    }
    if (got === 0) break;
  }
  return out;
}

/**
 * The backup verbs as `lienthong` runs them (global options, CliContext, LtError to one line on
 * stderr), in-process with stdout and stderr captured. Only this command group is registered, so
 * the test does not depend on the other groups.
 */
async function cli(argv: string[], env: Record<string, string>): Promise<{ code: number; out: string; err: string }> {
  const saved = { ...process.env };
  Object.assign(process.env, env);
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s: string | Uint8Array) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s: string | Uint8Array) => ((err += String(s)), true));
  try {
    const program = new Command('lienthong').option('--json').option('--data-dir <dir>').exitOverride();
    registerBackupCommands(program, () => new CliContext(program.opts<GlobalOptions>()));
    await program.parseAsync(['node', 'lienthong', ...argv]);
    return { code: 0, out, err };
  } catch (x) {
    if (!(x instanceof LtError)) throw x;
    process.stderr.write(JSON.stringify({ error: x.toJSON() }) + '\n');
    return { code: 1, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
    process.env = saved;
  }
}

describe('lienthong backup and restore', () => {
  const ns = `b${randomBytes(4).toString('hex')}`;
  const topo = topology(ns);
  const rolePrefix = `${ns}_`;
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-backup-data-'));
  const backupRoot = mkdtempSync(join(tmpdir(), 'lt-backup-'));
  const backupDir = join(backupRoot, 'hub-backup');
  let nc: NatsConnection;
  let js: JetStreamClient;
  let db: TestDatabase;
  let ds: DataSource | undefined;
  const accepted: string[] = [];
  const agencies = new Map<string, TestAgency>();
  let router: RouterService | undefined;
  let audit: AuditService | undefined;

  const env = () => ({ NATS_URL, LT_NAMESPACE: ns, DATABASE_URL: db.url });

  const startServices = async (source: DataSource) => {
    const keys = { envelope: loadHubKey(dataDir, 'envelope'), checkpoint: loadHubKey(dataDir, 'checkpoint') };
    // a short ack wait: what the router held unacked in the snapshot comes back after it
    router = createRouterService({ nc, ds: source, ns, log, hubKey: keys.envelope, options: { ackWaitMs: 2_000 } });
    await router.start();
    audit = createAuditService({
      nc,
      ds: source,
      ns,
      log,
      checkpointKey: keys.checkpoint,
      receiptKey: keys.envelope,
      options: { checkpointEvery: 25, checkpointIntervalMs: 200, verifyIntervalMs: 0, standbyRetryMs: 200, receipts: true },
    });
    await audit.start();
  };
  const stopServices = async () => {
    await router?.stop();
    await audit?.stop();
    router = undefined;
    audit = undefined;
  };

  /** signed bytes of every document sent, by envelope id (to send one again) */
  const sent = new Map<string, Buffer>();
  const publish = async (id: string): Promise<void> => {
    await js.publish(topo.submitSubject(A), sent.get(id)!, { msgID: id });
  };
  const send = async (to: string[]): Promise<string> => {
    const env = documentEnvelope(A, to);
    const a = agencies.get(A)!;
    sent.set(env.id, Buffer.from(JSON.stringify(signEnvelope(env, a.signingKey, a.kid))));
    await publish(env.id);
    return env.id;
  };
  const inboxIds = async (code: string) =>
    (await readAll(js, topo.streams.inbox, topo.inboxSubject(code))).map((m) => m.headers?.get(HEADERS.envelopeId) ?? '');

  beforeAll(async () => {
    nc = await connectNats(NATS_URL, 'backup-restore-int');
    js = jetstream(nc);
    await ensureTopology(nc, topo);
    db = await createTestDatabase();
    ensureHubKeys(dataDir);
    // a retired key must come back too
    rotateHubKey(dataDir, 'token');
    loadOrCreateDatabaseSecrets(dataDir, SERVICE_DB_ROLES);
    writeFileSync(join(dataDir, 'placeholder.txt'), 'not backed up');
    const seeds = join(dataDir, 'nats-seeds');
    mkdirSync(seeds, { recursive: true });
    writeFileSync(join(seeds, 'service-router.nk'), `SU${randomBytes(28).toString('hex').toUpperCase()}\n`, { mode: 0o600 });
    for (const spec of [{ code: A }, { code: B, tier: 'central' as const }, { code: C, tier: 'district' as const, parentCode: A }])
      agencies.set(spec.code, testAgency(spec));
    const kv = await openAgencyKv(nc, topo);
    for (const a of agencies.values()) await kv.put(codeToSubjectTokens(a.code), JSON.stringify(a.entry));
    await startServices(db.ds);
  });

  afterAll(async () => {
    await stopServices().catch(() => undefined);
    const jsm = await jetstreamManager(nc);
    for (const s of namespaceStreams(topo)) await jsm.streams.delete(s).catch(() => undefined);
    await nc.drain();
    await ds?.destroy().catch(() => undefined);
    await db.drop().catch(() => undefined);
    const root = new Client({ connectionString: db.url.replace(/\/[^/?]*(\?|$)/, '/postgres$1') });
    await root.connect();
    // the restored database has the name of the dropped one: drop it before its roles
    await root.query(`DROP DATABASE IF EXISTS "${db.name}" WITH (FORCE)`);
    for (const r of SERVICE_DB_ROLES) await root.query(`DROP ROLE IF EXISTS "${serviceRoleName(r, rolePrefix)}"`);
    await root.end();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(backupRoot, { recursive: true, force: true });
  });

  it('restores a hub backed up under traffic: each accepted document once per recipient, the audit log verifies, the keys are back', async () => {
    // traffic before: 15 documents to B and C, and one refused (the hub signs the refusal)
    const before: string[] = [];
    for (let i = 0; i < 15; i++) before.push(await send([B, C]));
    const refused = await send([NOBODY]);
    const refusalOf = async () => (await readAll(js, topo.streams.inbox, topo.inboxSubject(A))).find((m) => m.headers?.get(HEADERS.responseFor) === refused);
    await waitFor('the first documents routed and the refusal sent', async () => (await inboxIds(C)).length >= 15 && (await refusalOf()) !== undefined);

    // documents keep coming while the backup runs
    accepted.push(...before);
    let sending = true;
    const sender = (async () => {
      while (sending) {
        accepted.push(await send([B, C]));
        await sleep(15);
      }
    })();
    await sleep(150);
    const acceptedBeforeBackup = [...accepted];
    const backup = await cli(['--json', '--data-dir', dataDir, 'backup', backupDir], env()).finally(() => (sending = false));
    await sender;
    expect(backup.err).toContain('"step":"stream"');
    expect(backup.code).toBe(0);
    const result = JSON.parse(backup.out) as { streams: Array<{ name: string; messages: number }>; absentStreams: string[]; dataFiles: number };
    expect(result.streams.map((s) => s.name)).toEqual([
      topo.streams.submit,
      topo.streams.inbox,
      topo.streams.events,
      topo.streams.deadLetter,
      `KV_${topo.kvAgencies}`,
      `KV_${topo.kvTokenRevocations}`,
    ]);
    // no attachments service ran: its buckets are reported absent, not failed
    expect(result.absentStreams).toEqual([`KV_${ns}-attachments-index`, `OBJ_${ns}-attachments`]);
    expect(accepted.length).toBeGreaterThan(acceptedBeforeBackup.length);

    // private files: folders 0700, files 0600
    expect(statSync(backupDir).mode & 0o777).toBe(0o700);
    const manifest = JSON.parse(readFileSync(join(backupDir, 'manifest.json'), 'utf8')) as {
      parts: Array<{ path: string; sha256: string }>;
      dataFiles: string[];
      namespace: string;
    };
    expect(manifest.namespace).toBe(ns);
    for (const p of [...manifest.parts.map((x) => x.path), 'manifest.json']) expect(statSync(join(backupDir, p)).mode & 0o777).toBe(0o600);
    expect(statSync(join(backupDir, 'data', 'keys', 'hub', 'retired')).mode & 0o777).toBe(0o700);
    expect(manifest.dataFiles).toEqual(
      expect.arrayContaining([
        'keys/hub/token.json',
        'keys/hub/envelope.json',
        'keys/hub/checkpoint.json',
        'nats-seeds/service-router.nk',
        'secrets/postgres.json',
      ]),
    );
    expect(manifest.dataFiles.filter((f) => f.startsWith('keys/hub/retired/'))).toHaveLength(1);
    expect(manifest.dataFiles).not.toContain('placeholder.txt');

    // the hub is not empty: restore refuses, naming what is there
    const refusedRestore = await cli(['--json', '--data-dir', dataDir, 'restore', backupDir, '--role-prefix', rolePrefix], env());
    expect(refusedRestore.code).toBe(1);
    expect(JSON.parse(refusedRestore.err.trim().split('\n').pop()!)).toMatchObject({
      error: { code: 'RESTORE_TARGET_NOT_EMPTY', details: { streams: expect.arrayContaining([topo.streams.inbox]), databaseTables: expect.any(Number) } },
    });

    const keyFiles = Object.fromEntries(manifest.dataFiles.map((f) => [f, readFileSync(join(dataDir, ...f.split('/')))]));
    const refusalBefore = (await refusalOf())!;

    // wipe: services stopped, streams deleted, database dropped, data folder removed
    await stopServices();
    const jsm = await jetstreamManager(nc);
    for (const s of namespaceStreams(topo)) await jsm.streams.delete(s).catch(() => undefined);
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });

    // a changed file is refused before anything is restored, and named
    const victim = join(backupDir, 'streams', `${topo.streams.inbox}.snapshot`);
    const original = readFileSync(victim);
    const changed = Buffer.from(original);
    changed[changed.length >> 1] ^= 0xff;
    writeFileSync(victim, changed);
    await expect(
      runRestore({ dir: backupDir, dataDir, ns, databaseUrl: db.url, connect: () => connectNats(NATS_URL, 'restore-test'), rolePrefix }),
    ).rejects.toMatchObject({
      code: 'BACKUP_CORRUPT',
      details: { file: `streams/${topo.streams.inbox}.snapshot` },
    });
    expect(existsSync(dataDir)).toBe(false);
    writeFileSync(victim, original);

    const restored = await runRestore({ dir: backupDir, dataDir, ns, databaseUrl: db.url, connect: () => connectNats(NATS_URL, 'restore-test'), rolePrefix });
    expect(restored.streams.map((s) => s.name)).toEqual(result.streams.map((s) => s.name));
    expect(restored.database.roles).toEqual(SERVICE_DB_ROLES.map((r) => serviceRoleName(r, rolePrefix)));
    // keys and credentials: byte for byte, 0600
    for (const [f, bytes] of Object.entries(keyFiles)) {
      expect(readFileSync(join(dataDir, ...f.split('/'))).equals(bytes)).toBe(true);
      expect(statSync(join(dataDir, ...f.split('/'))).mode & 0o777).toBe(0o600);
    }
    expect(readdirSync(join(dataDir, 'secrets', 'database-urls')).sort()).toEqual(SERVICE_DB_ROLES.map((r) => `${r}.env`).sort());

    // the hub runs again on the restored parts and routes what was still waiting
    ds = await openDataSource(db.url);
    await startServices(ds);
    await waitFor('the restored submit stream drained', async () => (await jsm.streams.info(topo.streams.submit)).state.messages === 0);
    const audited = async () => {
      for (const [stream, durable] of [
        [topo.streams.inbox, topo.consumers.auditInbox],
        [topo.streams.events, topo.consumers.audit],
      ] as const) {
        const i = await jsm.consumers.info(stream, durable);
        if (i.num_pending > 0 || i.num_ack_pending > 0) return false;
      }
      return true;
    };
    await waitFor('the audit caught up', audited);

    // every document accepted before the backup: in each recipient's inbox exactly once; one
    // accepted while it ran: there at most once, and never when restore reported it lost
    const lost = new Set(restored.lostDuringBackup.map((l) => l.envelopeId));
    expect(restored.lostDuringBackup.every((l) => l.sender === A)).toBe(true);
    for (const id of acceptedBeforeBackup) expect(lost.has(id)).toBe(false);
    const counted = async (code: string) => {
      const counts = new Map<string, number>();
      for (const id of await inboxIds(code)) counts.set(id, (counts.get(id) ?? 0) + 1);
      return counts;
    };
    for (const code of [B, C]) {
      const counts = await counted(code);
      for (const id of acceptedBeforeBackup) expect([code, id, counts.get(id)]).toEqual([code, id, 1]);
      for (const id of accepted) expect([code, id, counts.get(id) ?? 0]).toEqual([code, id, lost.has(id) ? 0 : expect.any(Number)]);
      // and nothing twice, whatever was in flight
      expect([...counts.values()].filter((x) => x > 1)).toEqual([]);
    }

    // the audit log: an entry for every copy, tree and checkpoints verify
    const auditedCopies = async () => {
      const ids = [...(await inboxIds(B)).map((id) => `${id}:${B}`), ...(await inboxIds(C)).map((id) => `${id}:${C}`)];
      const [{ n }] = (await ds!.query('SELECT count(*)::int AS n FROM audit_entry_ids WHERE entry_id = ANY($1::text[])', [ids])) as Array<{ n: number }>;
      return { copies: ids.length, audited: n };
    };
    const audit1 = await auditedCopies();
    expect(audit1.audited).toBe(audit1.copies);
    await waitFor('a checkpoint over the whole log', async () => (await audit!.verify()).toSeq === (await audit!.treeSize()) && (await audit!.treeSize()) > 0);
    const report = await audit!.verify();
    expect(report).toMatchObject({ ok: true, firstProblem: null });
    expect(report.checkpointsChecked).toBeGreaterThan(0);

    // a lost document sent again under its id is routed (not ignored as a replay), once
    const again = restored.lostDuringBackup[0];
    if (again) {
      await publish(again.envelopeId);
      await waitFor('the lost document routed', async () => (await counted(B)).get(again.envelopeId) === 1 && (await counted(C)).get(again.envelopeId) === 1);
      await waitFor('the audit caught up again', audited);
      const audit2 = await auditedCopies();
      expect(audit2).toEqual({ copies: audit1.copies + 2, audited: audit1.copies + 2 });
      expect((await audit!.verify()).ok).toBe(true);
    }

    // a document the hub signed before the backup verifies with the restored keys
    const refusalAfter = (await refusalOf())!;
    expect(Buffer.from(refusalAfter.data).equals(Buffer.from(refusalBefore.data))).toBe(true);
    const jws = JSON.parse(Buffer.from(refusalAfter.data).toString()) as FlattenedJws;
    const header = JSON.parse(Buffer.from(jws.protected, 'base64url').toString()) as { kid: string; alg: string };
    const hubKey = loadHubPublicKeys(dataDir, 'envelope').find((k) => `${HUB_KID_PREFIX}${k.keyId}` === header.kid)!;
    expect(hubKey).toBeDefined();
    const verifyKey = importPublicKey(hubKey.publicJwk, hubKey.alg);
    expect(verifyKey.verify(Buffer.from(`${jws.protected}.${jws.payload}`, 'latin1'), Buffer.from(jws.signature, 'base64url'))).toBe(true);
    expect((JSON.parse(Buffer.from(jws.payload, 'base64url').toString()) as Envelope).kind).toBe('status');
  });
});
