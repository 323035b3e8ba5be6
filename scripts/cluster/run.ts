/**
 * `npm run test:cluster`: the hub on a three-node JetStream cluster with every stream and bucket
 * at three replicas, under a steady load of signed documents while one NATS node and one of two
 * routers are killed -9; then every copy must have reached its recipient's SDK exactly once and
 * the audit log must hold every delivery and verify. Exits 1 on any loss, duplicate or audit
 * failure. Everything runs from the build this file belongs to (dist/ after `npm run build`).
 *
 *   npm run test:cluster                                    # 20,000 documents at 250/s
 *   node dist/scripts/cluster/run.js --docs 2000 --rate 100 # a quick run
 *
 * Knobs (flag or variable): --docs CLUSTER_DOCS, --rate CLUSTER_RATE, --recipients
 * CLUSTER_RECIPIENTS, --senders CLUSTER_SENDERS, --nats-down-ms CLUSTER_NATS_DOWN_MS,
 * --router-down-ms CLUSTER_ROUTER_DOWN_MS, --settle-s CLUSTER_SETTLE_S, --database-url
 * CLUSTER_DATABASE_URL, --nats-server NATS_SERVER_BIN, --keep (CLUSTER_KEEP=1) keeps the temp folder.
 */
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Client } from 'pg';
import pino from 'pino';
import { verifyBundleLines } from '@lt/audit-log';
import {
  AUDIT_RPC,
  bundleLine,
  inboxCopyMsgId,
  LtError,
  topology,
  uuidv7,
  type BundleHeader,
  type CheckpointResponse,
  type DocumentBody,
  type ExportEntriesResponse,
  type Topology,
  type VerifyReport,
} from '@lt/contracts';
import { ensureDatabase, migrate } from '@lt/database';
import { importSyntheticDirectory, registerSyntheticKeys, syntheticDirectory } from '@lt/directory';
import { connectHub, renderNatsConfig, RpcClient, SeedStore, SERVICE_ROLES, setUpHub, type NatsConnection, type ServiceRole } from '@lt/messaging';
import { issueLocalToken, loadStreamSettings, type KeyFile } from '@lt/platform';
import { connect, type LienThongClient } from '@lt/sdk';
import { which } from '../lib/infra';
import { Supervisor } from '../lib/supervisor';
import { NatsCluster, streamLeader, waitForMetaLeader, type NatsNode } from './nats-cluster';
import { countDeliveries, parseClusterOptions, type ClusterRunOptions } from './options';

/** the build this file was compiled into (dist/ or any -d folder): scripts/cluster/run.js sits two levels below */
const BUILD_ROOT = resolve(__dirname, '..', '..');
const REPLICAS = '3';
const started = Date.now();
const say = (s: string) => process.stderr.write(`[cluster +${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${s}\n`);
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** 2 ministries and 2 provinces: 40 agencies, each an nkey user of the cluster and an SDK client. */
const DIRECTORY_SHAPE = { ministries: 2, unitsPerMinistry: 4, provinces: 2, departmentsPerProvince: 4, districtsPerProvince: 2, communesPerDistrict: 4 };
/** the hub services of the run, by process name; two routers share the durable `router` consumer */
const SERVICES: Array<{ name: string; role: ServiceRole; app: string }> = [
  { name: 'registry', role: 'registry', app: 'registry' },
  { name: 'router-1', role: 'router', app: 'router' },
  { name: 'router-2', role: 'router', app: 'router' },
  { name: 'audit', role: 'audit', app: 'audit' },
  { name: 'dossier', role: 'dossier', app: 'dossier' },
];

/** What the recipients' SDK clients handed over. */
class InboxTally {
  /** `<envelope id>:<recipient>` -> times handed over */
  readonly handedOver = new Map<string, number>();
  /** copies whose ack the server confirmed: handing one over again would break exactly-once */
  readonly ackConfirmed = new Set<string>();
  /** handed over again although its ack had been confirmed */
  readonly afterConfirmedAck: string[] = [];
  /** handed over again after an ack that failed (the node it went to was killed): at-least-once, the application was told */
  redeliveredAfterFailedAck = 0;
  receipts = 0;
  /** hub-signed copies other than receipts: refusals (status 02) and notices */
  readonly hubOther: string[] = [];
  readonly invalid: string[] = [];
  ackFailures = 0;
  loopErrors = 0;
}

interface SendStats {
  sent: number;
  retries: number;
  duplicateAcks: number;
  errors: string[];
  firstAt: number;
  lastAt: number;
}

interface Fault {
  what: string;
  atMs: number;
  backMs?: number;
}

/** Cleanup steps, run once in reverse order on every exit path; `atExit` is the synchronous last resort. */
class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<unknown> | void; atExit?: () => void }> = [];
  private running?: Promise<void>;

  add(what: string, run: () => Promise<unknown> | void, atExit?: () => void): void {
    this.steps.push({ what, run, atExit });
  }

  runAll(): Promise<void> {
    this.running ??= (async () => {
      for (const s of [...this.steps].reverse()) {
        try {
          await s.run();
        } catch (err) {
          say(`cleanup: ${s.what} failed: ${(err as Error).message}`);
        }
      }
      this.steps.length = 0;
    })();
    return this.running;
  }

  /** process 'exit': no awaiting any more */
  now(): void {
    for (const s of [...this.steps].reverse()) {
      try {
        s.atExit?.();
      } catch {
        // best effort at exit
      }
    }
  }
}

async function main(o: ClusterRunOptions, cleanup: Cleanup, aborted: () => boolean): Promise<boolean> {
  const bin = o.natsServer.includes('/') ? o.natsServer : which(o.natsServer, ['/usr/sbin', '/usr/local/sbin']);
  if (!bin || !existsSync(bin)) throw new Error(`no nats-server binary (${o.natsServer}); install it or set NATS_SERVER_BIN`);
  for (const s of SERVICES) {
    const script = join(BUILD_ROOT, 'apps', s.app, 'src', 'main.js');
    if (!existsSync(script)) throw new Error(`${script} is missing: build first (npm run test:cluster does)`);
  }
  const dir = mkdtempSync(join(tmpdir(), 'lt-cluster-'));
  cleanup.add(`removing ${dir}`, () => {
    if (o.keep) say(`kept ${dir} (--keep)`);
    else rmSync(dir, { recursive: true, force: true });
  });
  const ns = `cluster${randomBytes(3).toString('hex')}`;
  const topo = topology(ns);
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir, { recursive: true });
  const logFile = join(dir, 'services.log');
  const seeds = new SeedStore(join(dir, 'seeds'));
  const agencies = syntheticDirectory(DIRECTORY_SHAPE);
  say(
    `${o.docs} documents at ${o.rate}/s, ${o.recipients} recipient(s) each, ${o.senders} senders, ${agencies.length} agencies; namespace ${ns}, folder ${dir}`,
  );

  // --- NATS: three nodes, users and permissions from the repository's generator
  const accounts = renderNatsConfig({
    topo,
    services: SERVICE_ROLES.map((role) => ({ user: `service-${role}`, role, nkey: seeds.service(role).publicKey })),
    agencies: agencies.map((a) => ({ code: a.code, nkey: seeds.agency(a.code).publicKey })),
    accountsOnly: true,
    header: ['written by scripts/cluster/run.ts: the users `npm start` makes, included by every node'],
  });
  const cluster = await NatsCluster.launch({ dir: join(dir, 'nats'), accounts, bin });
  cleanup.add(
    'stopping the nats-servers',
    () => cluster.stop(),
    () => cluster.killNow(),
  );
  say(`nats-server cluster up: ${cluster.nodes.map((n) => `${n.node.name} ${n.url} (routes :${n.node.clusterPort}, pid ${n.pid})`).join(', ')}`);
  const nc = await connectHub({ natsUrl: cluster.url, natsSeedFile: seeds.servicePath('operator') }, 'lienthong-cluster-operator');
  cleanup.add('closing the operator connection', () => nc.close());
  await waitForMetaLeader(nc);
  say('JetStream meta leader elected');

  // --- PostgreSQL: a fresh database, migrated as `lienthong migrate` does
  const db = new URL(o.databaseUrl);
  const dbName = `lt_cluster_${randomBytes(5).toString('hex')}`;
  db.pathname = `/${dbName}`;
  const dbUrl = db.toString();
  await ensureDatabase(dbUrl);
  cleanup.add(`dropping database ${dbName}`, () => dropDatabase(o.databaseUrl, dbName));
  const applied = await migrate(dbUrl);
  say(`database ${dbName}: ${applied.length} migrations applied`);

  // --- the hub: streams and buckets at R3, hub keys, as `npm start` and `lienthong hub init` do
  const streamEnv = { ...process.env, LT_STREAM_REPLICAS: REPLICAS };
  await setUpHub(nc, topo, dataDir, loadStreamSettings(streamEnv), say);
  const jsm = await jetstreamManager(nc, { timeout: 30_000 });
  for (const s of [...Object.values(topo.streams), `KV_${topo.kvAgencies}`]) {
    const info = await jsm.streams.info(s);
    if (info.config.num_replicas !== 3) throw new Error(`stream ${s} has ${info.config.num_replicas} replicas, expected 3`);
  }

  const supervisor = new Supervisor(
    SERVICES.map((s) => ({ name: s.name, script: join(BUILD_ROOT, 'apps', s.app, 'src', 'main.js'), env: { LT_NATS_SEED_FILE: seeds.servicePath(s.role) } })),
    {
      ...streamEnv,
      NATS_URL: cluster.url,
      DATABASE_URL: dbUrl,
      LT_NAMESPACE: ns,
      LT_DATA_DIR: dataDir,
      LOG_LEVEL: 'info',
      LT_METRICS_PORT: '0',
      // the run sends above one agency's normal rate: the limiter must not refuse (a refusal would be a loss)
      LT_ROUTER_SUBMIT_RATE: process.env.LT_ROUTER_SUBMIT_RATE || '1000000',
      LT_ROUTER_SUBMIT_BURST: process.env.LT_ROUTER_SUBMIT_BURST || '10000000',
    },
    { output: (name, line) => appendFileSync(logFile, `${name} | ${line}\n`) },
  );
  cleanup.add(
    'stopping the services',
    () => supervisor.stopAll(),
    () => {
      for (const s of SERVICES) {
        const pid = supervisor.pid(s.name);
        if (pid) process.kill(pid, 'SIGKILL');
      }
    },
  );
  supervisor.startAll();
  await Promise.all(SERVICES.map((s) => supervisor.ready(s.name, 120_000)));
  say(`services ready (${SERVICES.map((s) => `${s.name} pid ${supervisor.pid(s.name)}`).join(', ')}); logs in ${logFile}`);

  // --- the directory and keys, through the registry as the gateway does
  const token = issueLocalToken(dataDir, { sub: 'cluster-test' });
  await importSyntheticDirectory(nc, topo, agencies, token);
  const codes = agencies.map((a) => a.code);
  const keys = await registerSyntheticKeys(nc, topo, codes, { callerToken: issueLocalToken(dataDir, { sub: 'cluster-test' }), parallel: 8 });
  say(`registered ${agencies.length} agencies and their Ed25519 keys`);

  // --- one SDK client per agency, each on its own connection with its own nkey
  const clients = await connectAgencies(cluster.url, ns, codes, keys, seeds, join(dir, 'sdk'));
  cleanup.add('closing the SDK clients', () => Promise.all([...clients.values()].map((c) => c.close().catch(() => undefined))));
  const senders = codes.slice(0, o.senders);
  const pool = codes.filter((c) => !senders.includes(c));
  if (o.recipients > pool.length) throw new Error(`--recipients ${o.recipients}: only ${pool.length} agencies receive`);
  say(`${clients.size} SDK clients connected; ${senders.length} send, ${pool.length} receive`);

  const tally = new InboxTally();
  let readersStopped = false;
  const readers = [...clients.values()].map((c) => readInbox(c, tally, () => readersStopped || aborted()));
  cleanup.add('stopping the inbox readers', async () => {
    readersStopped = true;
    await Promise.race([Promise.all(readers), sleep(10_000)]);
  });

  // --- the documents: ids made up front, so a retried send keeps its id (JetStream's dedup)
  const plan = Array.from({ length: o.docs }, (_, i) => ({
    id: uuidv7(),
    from: senders[i % senders.length]!,
    to: Array.from({ length: o.recipients }, (_, k) => pool[(i * o.recipients + k) % pool.length]!),
  }));
  const expected = new Set(plan.flatMap((d) => d.to.map((r) => inboxCopyMsgId(d.id, r))));
  const windowMs = (o.docs * 1000) / o.rate;
  const faults: Fault[] = [];
  const stats: SendStats = { sent: 0, retries: 0, duplicateAcks: 0, errors: [], firstAt: 0, lastAt: 0 };
  const t0 = Date.now();
  const progress = setInterval(() => {
    const up = cluster.nodes.filter((n) => n.running).length;
    const routers = ['router-1', 'router-2'].filter((r) => supervisor.pid(r)).length;
    const t = (Date.now() - t0) / 1000;
    say(
      `t+${t.toFixed(0)}s sent ${stats.sent}/${o.docs} (${(stats.sent / Math.max(t, 0.001)).toFixed(0)}/s, retries ${stats.retries}) | handed over ${tally.handedOver.size}/${expected.size} | nats ${up}/3 up, routers ${routers}/2`,
    );
  }, 5_000);
  cleanup.add('progress', () => clearInterval(progress));

  const chaos = runChaos(cluster, supervisor, nc, topo, o, windowMs, t0, faults, aborted);
  chaos.catch(() => undefined); // awaited below; a send failure must not leave it unhandled
  await sendPaced(clients, plan, o.rate, stats, aborted);
  say(
    `all ${stats.sent} documents accepted by the hub in ${((stats.lastAt - t0) / 1000).toFixed(1)} s (${stats.retries} retried sends, ${stats.duplicateAcks} duplicate PubAcks)`,
  );
  await chaos;

  // --- every copy handed over, exactly once
  const deadline = Date.now() + o.settleMs;
  let lastCopyAt = Date.now();
  for (let seen = -1; Date.now() < deadline && !aborted(); await sleep(500)) {
    const handed = [...expected].filter((k) => tally.handedOver.has(k)).length;
    if (handed !== seen) {
      seen = handed;
      lastCopyAt = Date.now();
    }
    if (handed === expected.size) break;
  }
  const deliveredIn = lastCopyAt - t0;
  await sleep(3_000); // a late duplicate would show up here
  clearInterval(progress);
  const count = countDeliveries(expected, tally.handedOver);
  const stored = await countStoredCopies(nc, topo, expected);

  // --- the audit log: one entry per delivery, and it verifies
  const audit = await auditChecks(nc, topo, dbUrl, expected, o.settleMs);
  readersStopped = true;

  const docsPerSec = o.docs / (deliveredIn / 1000);
  const report = {
    documents: o.docs,
    copies: expected.size,
    handedOver: count.delivered,
    lost: count.lost.length,
    duplicated: tally.afterConfirmedAck.length + stored.duplicated,
    handedOverAgainAfterConfirmedAck: tally.afterConfirmedAck.length,
    redeliveredAfterFailedAck: tally.redeliveredAfterFailedAck,
    ackFailures: tally.ackFailures,
    inboxReadRestarts: tally.loopErrors,
    unexpected: count.unexpected.length,
    storedInInbox: stored,
    refusalsOrNotices: tally.hubOther.length,
    receiptsRead: tally.receipts,
    invalidCopies: tally.invalid.length,
    sendRetries: stats.retries,
    duplicatePubAcks: stats.duplicateAcks,
    sendErrorsSeen: stats.errors,
    rateAsked: o.rate,
    sendSeconds: +((stats.lastAt - t0) / 1000).toFixed(1),
    lastCopySeconds: +(deliveredIn / 1000).toFixed(1),
    docsPerSecond: +docsPerSec.toFixed(1),
    copiesPerSecond: +(expected.size / (deliveredIn / 1000)).toFixed(1),
    faults,
    audit,
    elapsedSeconds: +((Date.now() - started) / 1000).toFixed(1),
  };
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
  const problems: string[] = [];
  if (count.lost.length) problems.push(`${count.lost.length} copies lost (e.g. ${count.lost.slice(0, 3).join(', ')})`);
  // a copy whose ack failed comes back (at-least-once, and the application saw the failure); one whose ack was confirmed must not
  if (tally.afterConfirmedAck.length)
    problems.push(
      `${tally.afterConfirmedAck.length} copies handed over again after their ack was confirmed (e.g. ${tally.afterConfirmedAck.slice(0, 3).join(', ')})`,
    );
  if (count.duplicated.length > tally.afterConfirmedAck.length + tally.redeliveredAfterFailedAck)
    problems.push(`copies handed over more than once without explanation: ${JSON.stringify(count.duplicated.slice(0, 3))}`);
  if (count.unexpected.length) problems.push(`${count.unexpected.length} copies nobody sent`);
  if (stored.duplicated || stored.missing) problems.push(`inbox stream: ${stored.missing} copies missing, ${stored.duplicated} stored twice`);
  if (tally.hubOther.length) problems.push(`${tally.hubOther.length} refusals or notices (e.g. ${tally.hubOther.slice(0, 2).join('; ')})`);
  if (tally.invalid.length) problems.push(`${tally.invalid.length} copies failed the SDK's checks (e.g. ${tally.invalid.slice(0, 2).join('; ')})`);
  if (audit.missingDeliveries) problems.push(`the audit log misses ${audit.missingDeliveries} deliveries`);
  if (!audit.serviceVerify.ok) problems.push(`the audit service's log.verify failed: ${JSON.stringify(audit.serviceVerify.firstProblem)}`);
  if (!audit.offlineVerify.ok) problems.push(`offline bundle verification failed: ${JSON.stringify(audit.offlineVerify.firstProblem)}`);
  const faultLine = faults
    .map((f) => `${f.what} at t+${(f.atMs / 1000).toFixed(1)}s${f.backMs !== undefined ? `, back at t+${(f.backMs / 1000).toFixed(1)}s` : ''}`)
    .join('; ');
  process.stdout.write(
    [
      '',
      `documents ${o.docs}, copies ${expected.size}: lost ${count.lost.length}, duplicated ${report.duplicated} (stored twice ${stored.duplicated}, handed over again after a confirmed ack ${tally.afterConfirmedAck.length}); redelivered after a failed ack ${tally.redeliveredAfterFailedAck} (${tally.ackFailures} acks failed)`,
      `sent in ${report.sendSeconds} s, last copy at ${report.lastCopySeconds} s: ${report.docsPerSecond} docs/s (${report.copiesPerSecond} copies/s) at R${REPLICAS}`,
      `faults: ${faultLine}`,
      `audit: tree size ${audit.treeSize}, ${audit.recordedDeliveries}/${expected.size} deliveries recorded; log.verify ${audit.serviceVerify.ok ? 'ok' : 'FAILED'} (${audit.serviceVerify.entriesChecked} entries), offline bundle verify ${audit.offlineVerify.ok ? 'ok' : 'FAILED'} (${audit.offlineVerify.entriesChecked} entries, ${audit.offlineVerify.checkpointsChecked} checkpoints)`,
      problems.length ? `FAILED:\n  ${problems.join('\n  ')}` : 'PASSED',
      `elapsed ${report.elapsedSeconds} s`,
      '',
    ].join('\n'),
  );
  return problems.length === 0;
}

async function connectAgencies(
  natsUrl: string,
  ns: string,
  codes: readonly string[],
  keys: ReadonlyMap<string, KeyFile>,
  seeds: SeedStore,
  stateDir: string,
): Promise<Map<string, LienThongClient>> {
  const logger = pino({ name: 'lt-sdk', level: 'error' }, pino.destination(2));
  const out = new Map<string, LienThongClient>();
  for (let i = 0; i < codes.length; i += 8) {
    await Promise.all(
      codes.slice(i, i + 8).map(async (code) => {
        const key = keys.get(code)!;
        out.set(
          code,
          await connect({
            natsUrl,
            seedFile: seeds.agencyPath(code),
            ns,
            agencyCode: code,
            privateJwk: key.privateJwk,
            keyId: key.keyId,
            alg: key.alg,
            // the run counts document copies: no status 01 traffic on top
            autoArrived: false,
            publishTimeoutMs: 5_000,
            directoryTimeoutMs: 60_000,
            stateDir,
            logger: logger.child({ agency: code }),
          }),
        );
      }),
    );
  }
  return out;
}

/** Reads one agency's inbox as an agency system would (follow, ack each), counting what the SDK hands over. */
async function readInbox(client: LienThongClient, tally: InboxTally, stopped: () => boolean): Promise<void> {
  client.onInvalid((i) => tally.invalid.push(`${client.agencyCode} seq ${i.seq}: ${i.error.code} ${i.error.message}`));
  while (!stopped()) {
    try {
      for await (const m of client.inbox({ follow: true, batch: 128, expiresMs: 2_000 })) {
        if (m.hubSigned) {
          if (m.kind === 'receipt') tally.receipts++;
          else tally.hubOther.push(`${m.kind} ${m.id} to ${client.agencyCode}: ${JSON.stringify(m.envelope.body).slice(0, 160)}`);
        } else if (m.kind === 'document') {
          const key = inboxCopyMsgId(m.id, client.agencyCode);
          const times = (tally.handedOver.get(key) ?? 0) + 1;
          tally.handedOver.set(key, times);
          if (times > 1) {
            if (tally.ackConfirmed.has(key)) tally.afterConfirmedAck.push(`${key} (seq ${m.seq}, delivery ${m.deliveryCount})`);
            else tally.redeliveredAfterFailedAck++;
          }
        }
        try {
          await m.ack();
          if (m.kind === 'document' && !m.hubSigned) tally.ackConfirmed.add(inboxCopyMsgId(m.id, client.agencyCode));
        } catch {
          tally.ackFailures++;
        }
        if (stopped()) break;
      }
    } catch {
      // a pull cut by the node's death: the SDK's reader is started again
      tally.loopErrors++;
      if (!stopped()) await sleep(500);
    }
    if (!stopped()) await sleep(100);
  }
}

/** Sends the plan at a steady rate, up to 512 sends in flight; a send that fails for a transient reason is retried with the same id. */
async function sendPaced(
  clients: ReadonlyMap<string, LienThongClient>,
  plan: ReadonlyArray<{ id: string; from: string; to: string[] }>,
  rate: number,
  stats: SendStats,
  aborted: () => boolean,
): Promise<void> {
  const inFlight = new Set<Promise<void>>();
  const t0 = Date.now();
  stats.firstAt = t0;
  const sendOne = async (i: number): Promise<void> => {
    const d = plan[i]!;
    const body: DocumentBody = {
      code: { codeNumber: String(i + 1), codeNotation: 'UBND-VP' },
      subject: `Văn bản kiểm thử cụm số ${i + 1}`,
      otherInfo: { priority: 0 },
    };
    for (let backoff = 200; ; backoff = Math.min(backoff * 2, 2_000)) {
      try {
        const r = await clients.get(d.from)!.sendDocument({ id: d.id, to: d.to, body });
        if (r.duplicate) stats.duplicateAcks++;
        stats.sent++;
        stats.lastAt = Date.now();
        return;
      } catch (err) {
        if (aborted() || !(err instanceof LtError) || !['TIMEOUT', 'UNAVAILABLE', 'HUB_FULL'].includes(err.code)) throw err;
        stats.retries++;
        if (stats.errors.length < 3) stats.errors.push(`${err.code}: ${err.message}`.slice(0, 200));
        await sleep(backoff);
      }
    }
  };
  for (let i = 0; i < plan.length; i++) {
    if (aborted()) throw new Error(`sending aborted after ${stats.sent} of ${plan.length}`);
    const wait = t0 + (i * 1000) / rate - Date.now();
    if (wait > 2) await sleep(wait);
    while (inFlight.size >= 512) await Promise.race(inFlight);
    const p = sendOne(i).finally(() => inFlight.delete(p));
    inFlight.add(p);
  }
  await Promise.all(inFlight);
}

/**
 * At 30 % of the send window: kill -9 the node leading the submit stream (its RAFT group must
 * elect another leader while documents arrive), start it again on its store after natsDownMs.
 * At 60 %: kill -9 router-1; router-2 routes alone until router-1 is back after routerDownMs.
 */
async function runChaos(
  cluster: NatsCluster,
  supervisor: Supervisor,
  nc: NatsConnection,
  topo: Topology,
  o: ClusterRunOptions,
  windowMs: number,
  t0: number,
  faults: Fault[],
  aborted: () => boolean,
): Promise<void> {
  const at = (ms: number) => sleep(Math.max(0, t0 + ms - Date.now()));
  const natsStep = (async () => {
    await at(0.3 * windowMs);
    if (aborted()) return;
    const leaders = new Map<string, string[]>();
    for (const s of [...Object.values(topo.streams), `KV_${topo.kvAgencies}`]) {
      const leader = await streamLeader(nc, s).catch(() => undefined);
      if (leader) leaders.set(leader, [...(leaders.get(leader) ?? []), s]);
    }
    const submitLeader = [...leaders].find(([, streams]) => streams.includes(topo.streams.submit))?.[0];
    const victim: NatsNode = submitLeader ? cluster.node(submitLeader) : cluster.nodes[0]!;
    const fault: Fault = {
      what: `kill -9 ${victim.node.name} (pid ${victim.pid}; leader of ${(leaders.get(victim.node.name) ?? []).join(', ') || 'nothing'}), restart after ${o.natsDownMs} ms`,
      atMs: 0,
    };
    await victim.kill9();
    fault.atMs = Date.now() - t0;
    faults.push(fault);
    say(`FAULT ${fault.what}`);
    await sleep(o.natsDownMs);
    await victim.start();
    fault.backMs = Date.now() - t0;
    say(`${victim.node.name} is back (pid ${victim.pid})`);
  })();
  const routerStep = (async () => {
    await at(0.6 * windowMs);
    if (aborted()) return;
    const pid = supervisor.kill9('router-1', o.routerDownMs);
    const fault: Fault = { what: `kill -9 router-1 (pid ${pid}), router-2 routes alone, router-1 restarted after ${o.routerDownMs} ms`, atMs: Date.now() - t0 };
    faults.push(fault);
    say(`FAULT ${fault.what}`);
    await sleep(o.routerDownMs);
    await supervisor.ready('router-1', 120_000);
    fault.backMs = Date.now() - t0;
    say(`router-1 is back (pid ${supervisor.pid('router-1')})`);
  })();
  await Promise.all([natsStep, routerStep]);
}

/** Document copies stored in the inbox stream, by message id: none missing, none stored twice. */
async function countStoredCopies(
  nc: NatsConnection,
  topo: Topology,
  expected: ReadonlySet<string>,
): Promise<{ read: number; missing: number; duplicated: number }> {
  const jsm = await jetstreamManager(nc, { timeout: 30_000 });
  const last = (await jsm.streams.info(topo.streams.inbox)).state.last_seq;
  const seen = new Map<string, number>();
  let read = 0;
  const consumer = await jetstream(nc, { timeout: 30_000 }).consumers.get(topo.streams.inbox);
  const messages = await consumer.consume({ max_messages: 2_000 });
  for await (const m of messages) {
    read++;
    const id = m.headers?.get('Nats-Msg-Id') ?? '';
    if (expected.has(id)) seen.set(id, (seen.get(id) ?? 0) + 1);
    if (m.seq >= last || m.info.pending === 0) break;
  }
  await messages.close();
  let duplicated = 0;
  for (const n of seen.values()) if (n > 1) duplicated++;
  return { read, missing: expected.size - seen.size, duplicated };
}

interface AuditFigures {
  treeSize: number;
  recordedDeliveries: number;
  missingDeliveries: number;
  checkpointSize: number;
  serviceVerify: VerifyReport;
  offlineVerify: { ok: boolean; entriesChecked: number; checkpointsChecked: number; firstProblem: unknown; keyFromBundle: boolean };
}

/**
 * Waits for the audit to drain its consumers and sign a checkpoint over the whole log, then
 * checks that every delivery has its entry, asks the audit service to verify the stored log
 * (`lienthong audit verify --server`) and verifies an exported bundle offline with the pinned
 * key (`lienthong audit verify <bundle> --vkey`).
 */
async function auditChecks(nc: NatsConnection, topo: Topology, dbUrl: string, expected: ReadonlySet<string>, settleMs: number): Promise<AuditFigures> {
  const pg = new Client({ connectionString: dbUrl, application_name: 'lienthong-cluster-test' });
  await pg.connect();
  try {
    const rpc = new RpcClient(nc, 600_000);
    const jsm = await jetstreamManager(nc, { timeout: 30_000 });
    const deadline = Date.now() + settleMs;
    let treeSize = 0;
    let checkpoint: CheckpointResponse | undefined;
    for (;;) {
      let pending = 0;
      for (const [stream, durable] of [
        [topo.streams.events, topo.consumers.audit],
        [topo.streams.inbox, topo.consumers.auditInbox],
        [topo.streams.submit, topo.consumers.router],
      ] as const) {
        const i = await jsm.consumers.info(stream, durable);
        pending += i.num_pending + i.num_ack_pending;
      }
      const { rows } = await pg.query<{ size: string }>('SELECT coalesce(max(seq) + 1, 0)::bigint AS size FROM audit_hashes');
      treeSize = Number(rows[0]?.size ?? 0);
      checkpoint = await rpc.call<CheckpointResponse>(topo.rpcSubject('audit', AUDIT_RPC.checkpoint), {}, 30_000).catch(() => undefined);
      if (pending === 0 && checkpoint && checkpoint.treeSize >= treeSize && treeSize > 0) break;
      if (Date.now() > deadline)
        throw new Error(`the audit did not catch up within ${settleMs} ms (pending ${pending}, tree ${treeSize}, checkpoint ${checkpoint?.treeSize})`);
      await sleep(1_000);
    }
    const { rows: ids } = await pg.query<{ entry_id: string }>('SELECT entry_id FROM audit_entry_ids');
    const recorded = new Set(ids.map((r) => r.entry_id));
    let missing = 0;
    for (const k of expected) if (!recorded.has(k)) missing++;
    say(`audit caught up: tree size ${treeSize}, checkpoint at ${checkpoint.treeSize}; verifying`);
    const serviceVerify = await rpc.call<VerifyReport>(topo.rpcSubject('audit', AUDIT_RPC.verify), {});
    const header = await rpc.call<BundleHeader>(topo.rpcSubject('audit', AUDIT_RPC.exportBegin), {});
    async function* lines(): AsyncGenerator<string> {
      yield JSON.stringify(header);
      for (let from: number | null = header.startSize; from !== null && from < header.endSize;) {
        const page: ExportEntriesResponse = await rpc.call<ExportEntriesResponse>(topo.rpcSubject('audit', AUDIT_RPC.exportEntries), {
          fromSeq: from,
          toSeq: header.endSize,
          limit: 5_000,
        });
        for (const e of page.entries) yield bundleLine(e);
        from = page.nextSeq;
      }
    }
    const offline = await verifyBundleLines(lines(), { vkey: checkpoint.vkeys ?? checkpoint.vkey });
    return {
      treeSize,
      recordedDeliveries: expected.size - missing,
      missingDeliveries: missing,
      checkpointSize: checkpoint.treeSize,
      serviceVerify,
      offlineVerify: {
        ok: offline.ok,
        entriesChecked: offline.entriesChecked,
        checkpointsChecked: offline.checkpointsChecked,
        firstProblem: offline.firstProblem,
        keyFromBundle: offline.keyFromBundle,
      },
    };
  } finally {
    await pg.end();
  }
}

async function dropDatabase(adminUrl: string, name: string): Promise<void> {
  const c = new Client({ connectionString: adminUrl, application_name: 'lienthong-cluster-test' });
  await c.connect();
  try {
    await c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
  } finally {
    await c.end();
  }
}

const cleanup = new Cleanup();
let interrupted = false;
process.once('exit', () => cleanup.now());
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    interrupted = true;
    say(`${signal}: cleaning up`);
    void cleanup.runAll().finally(() => process.exit(130));
  });
}
// seen under load: a timeout rejected inside the NATS client with nobody listening; a real stall fails the run by its own deadline
process.on('unhandledRejection', (err) => say(`warning: unhandled rejection: ${(err as Error)?.message ?? String(err)}`));
let options: ClusterRunOptions;
try {
  options = parseClusterOptions(process.argv.slice(2), process.env);
} catch (err) {
  process.stderr.write(`test:cluster: ${(err as Error).message}\n`);
  process.exit(2);
}
main(options, cleanup, () => interrupted)
  .catch((err: unknown) => {
    if (!interrupted) say(`FAILED: ${(err as Error)?.stack ?? String(err)}`);
    return false;
  })
  .then(async (ok) => {
    if (interrupted) return;
    await cleanup.runAll();
    say(ok ? 'cleaned up; passed' : 'cleaned up; FAILED');
    process.exit(ok ? 0 : 1);
  });
