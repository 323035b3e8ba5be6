/**
 * Registry CSV import: 10,000 agencies across the four tiers, through the import use case with
 * history rows, one event per agency on the events stream and one KV entry per agency, against a
 * raw multi-row INSERT baseline of the same rows measured in the same run. Numbers, not pass/fail.
 *   npm run bench:registry-import        (builds, then runs dist/bench/registry-import.bench.js)
 * Needs PostgreSQL (TEST_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres; a throwaway
 * lt_test_* database is created and dropped) and NATS (NATS_URL, default nats://127.0.0.1:4222; a
 * random namespace with file storage like production, deleted afterwards). BENCH_ROWS sets the row count.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { callerTokenHeaders, REGISTRY_RPC, topology } from '../libs/contracts/src';
import { createTestDatabase, insertMany, type TestDatabase } from '../libs/database/src';
import { syntheticDirectory, syntheticDirectoryCsv, syntheticTierCounts, type SyntheticAgency } from '@lt/directory';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, RpcClient, type NatsConnection } from '../libs/messaging/src';
import { issueLocalToken, loadOrCreateHubKey } from '../libs/platform/src';
import { createRegistryService, type ImportReport } from '../apps/registry/src';

const ROWS = Number(process.env.BENCH_ROWS ?? 10_000);
const ADMIN = { sub: 'bench', role: 'admin' };
const log = pino({ level: 'silent' });

/** 20 ministries with 5 units each; 63 provinces with 5 departments, 8 districts of 18 communes; cut to ROWS (parents first). */
function directory(): SyntheticAgency[] {
  const rows = syntheticDirectory({
    ministries: 20,
    unitsPerMinistry: 5,
    firstProvince: 10,
    provinces: 63,
    departmentsPerProvince: 5,
    districtsPerProvince: 8,
    communesPerDistrict: 18,
  });
  if (rows.length < ROWS) throw new Error(`the generator makes ${rows.length} rows; BENCH_ROWS ${ROWS} is too many`);
  // an address on each province, quoted in the CSV: the import parses and stores it too
  return rows.slice(0, ROWS).map((a) => (a.tier === 'province' && !a.parent ? { ...a, address: `Số ${a.code.slice(-2)}, đường Lê Lợi, "Trung tâm"` } : a));
}

async function countKeys(nc: NatsConnection, ns: string): Promise<number> {
  const kv = await openAgencyKv(nc, topology(ns));
  let n = 0;
  for await (const _ of await kv.keys()) n++;
  return n;
}

async function eventCount(nc: NatsConnection, ns: string): Promise<number> {
  const jsm = await jetstreamManager(nc);
  return (await jsm.streams.info(topology(ns).streams.events)).state.messages;
}

const secs = (ms: number) => `${(ms / 1000).toFixed(2)} s`;
const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en-US')} rows/s`;

/** A database, a namespace and a data folder with a token key (the registry verifies the callers of writes with it). */
async function withFreshHub<T>(nc: NatsConnection, fn: (db: TestDatabase, ns: string, dataDir: string) => Promise<T>): Promise<T> {
  const db = await createTestDatabase();
  const ns = `b${randomBytes(5).toString('hex')}`;
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-import-'));
  loadOrCreateHubKey(dataDir, 'token');
  await ensureTopology(nc, topology(ns), { storage: 'file' });
  try {
    return await fn(db, ns, dataDir);
  } finally {
    await destroyTopology(nc, topology(ns));
    await db.drop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const rows = directory();
  const csv = syntheticDirectoryCsv(rows, ['code', 'name', 'tier', 'parent_code', 'address']);
  const tiers = syntheticTierCounts(rows);
  console.log(`registry import bench: ${rows.length} agencies ${JSON.stringify(tiers)}, CSV ${(csv.length / 1024).toFixed(0)} KiB`);
  const nc = await connectNats(process.env.NATS_URL ?? 'nats://127.0.0.1:4222', 'registry-import-bench');
  try {
    // 1. baseline and the use case, in the same database
    await withFreshHub(nc, async (db, ns, dataDir) => {
      await db.ds.query('CREATE TABLE bench_agencies (LIKE agencies INCLUDING DEFAULTS)');
      const now = new Date().toISOString();
      const t0 = performance.now();
      await insertMany(db.ds, 'bench_agencies', ['code', 'name', 'tier', 'parent_code', 'address', 'valid_from', 'created_at', 'updated_at'], rows.map((r) => [r.code, r.name, r.tier, r.parent || null, r.address || null, now, now, now]));
      const baselineMs = performance.now() - t0;
      console.log(`  baseline: raw multi-row INSERT of the same rows (no checks, no history, no NATS): ${secs(baselineMs)} (${rate(rows.length, baselineMs)})`);

      const service = createRegistryService({ ds: db.ds, nc, ns, log, dataDir });
      await service.start({ serveRpc: false });
      const t1 = performance.now();
      const report: ImportReport = await service.useCases.importAgencies.importCsv(ADMIN, 'all-or-nothing', csv);
      const importMs = performance.now() - t1;
      const [keys, events] = await Promise.all([countKeys(nc, ns), eventCount(nc, ns)]);
      console.log(
        `  import use case (parse, validate, INSERT agencies + history, ${report.created} events, ${keys} KV entries): ${secs(importMs)} (${rate(rows.length, importMs)}); ` +
          `created ${report.created}, failed ${report.failed}, published ${report.published}; KV keys ${keys}, events ${events}`,
      );
      const t2 = performance.now();
      const again = await service.useCases.importAgencies.importCsv(ADMIN, 'partial', csv);
      console.log(`  re-import of the same file (all unchanged: ${again.unchanged}): ${secs(performance.now() - t2)}`);
      await service.stop();
      if (report.created !== rows.length || keys !== rows.length || events !== rows.length) throw new Error('the import did not reflect every row in KV and on the event stream');
    });

    // 2. the same file as the gateway sends it: request-reply session, 256 KiB chunks
    await withFreshHub(nc, async (db, ns, dataDir) => {
      const service = createRegistryService({ ds: db.ds, nc, ns, log, dataDir });
      await service.start();
      // each request carries an admin token, verified by the registry, as the gateway forwards the caller's
      const rpc = new RpcClient(nc, 60_000).withHeaders(callerTokenHeaders(issueLocalToken(dataDir, { sub: ADMIN.sub })));
      const subject = topology(ns).rpcSubject('registry', REGISTRY_RPC.importCsv);
      const t0 = performance.now();
      const { importId } = await rpc.call<{ importId: string }>(subject, { action: 'begin', mode: 'all-or-nothing' });
      for (let i = 0; i < csv.length; i += 256 * 1024) await rpc.call(subject, { action: 'chunk', importId, text: csv.slice(i, i + 256 * 1024) });
      const report = await rpc.call<ImportReport>(subject, { action: 'commit', importId });
      const ms = performance.now() - t0;
      const keys = await countKeys(nc, ns);
      console.log(`  over request-reply (begin, chunks, commit): ${secs(ms)} (${rate(rows.length, ms)}); created ${report.created}, KV keys ${keys}`);
      await service.stop();
    });
  } finally {
    await nc.drain();
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
