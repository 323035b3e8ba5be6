/**
 * `npm run bench`: the whole hub (registry, router, audit as built child processes) on the real
 * NATS and PostgreSQL, in a namespace and database of its own, against raw JetStream and raw
 * PostgreSQL measured in the same run. Numbers, not pass/fail (it exits 0 when targets are
 * missed, 1 only when the run itself fails). See bench/README.md for what is measured and how.
 *
 *   npm run bench                        # build, then a full run (about 3-4 minutes)
 *   BENCH_QUICK=1 node dist/bench/run.js # about a minute, for smoke testing
 *
 * Knobs: BENCH_DOCS, BENCH_RATE, BENCH_SECONDS, BENCH_BROADCASTS, BENCH_SENDERS, BENCH_WINDOW,
 * BENCH_PG_ROWS, BENCH_AUDIT=0, BENCH_INBOX_CONSUMERS=0, BENCH_ATTACHMENTS=0, BENCH_ATT_MB,
 * BENCH_ATT_BIG_MB (0 skips the big run), BENCH_CONNECTOR=0, BENCH_CONN_DOCS, BENCH_CONN_INFLIGHT,
 * BENCH_CONN_ROUNDS, BENCH_CONN_ATT_MB (0 skips the big run), BENCH_TIMEOUT_S, BENCH_RESULTS;
 * NATS_URL / DATABASE_URL as for npm start; LT_ROUTER_* / LT_AUDIT_* reach the services.
 * Progress goes to stderr, the summary to stdout, everything to bench/results/latest.json.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import type { LienThongClient } from '@lt/sdk';
import type { NatsConnection } from '@lt/messaging';
import { attachmentServiceEnv, attachmentStreams, runAttachmentsBench, type AttachmentsResults } from './suite/attachments';
import { rawJetStream, rawPostgres } from './suite/baselines';
import { loadBenchConfig, type BenchConfig } from './suite/config';
import { runConnectorBench, type ConnectorResults } from './suite/connector';
import { benchDirectory, connectSenders, createInboxConsumers, importDirectory, registerSenders, type Sender } from './suite/directory';
import { BenchHub, repoRoot } from './suite/hub';
import { InboxWatcher } from './suite/inbox-watch';
import { findProcesses, natsServerPort, processArgs, type TrackedProcess } from './suite/procstat';
import { say } from './suite/progress';
import { combineBaselines, renderSummary, ratiosOf, targetsOf, writeResults, type BenchResults, type MachineInfo } from './suite/report';
import { renderClusterSummary, runClusterBench } from './suite/cluster';
import { broadcast, hubOnlyThroughput, openLoop, prepareDocuments, sdkThroughput, warmUp, type BenchContext } from './suite/scenarios';

function gitInfo(root: string): BenchResults['git'] {
  const git = (args: string[]) =>
    execFileSync('git', ['--no-optional-locks', ...args], { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  try {
    const commit = git(['rev-parse', 'HEAD']);
    let dirty: boolean | null = null;
    try {
      dirty = git(['status', '--porcelain', '--untracked-files=no']).length > 0;
    } catch {
      dirty = null;
    }
    return { commit, dirty };
  } catch {
    return { commit: null, dirty: null };
  }
}

/** The nats-server process on this machine serving the bench's URL (shared with whatever else uses that server). */
function natsServerPids(natsUrl: string): number[] {
  let u: URL;
  try {
    u = new URL(natsUrl.split(',')[0]!);
  } catch {
    return [];
  }
  if (!['127.0.0.1', 'localhost', '::1', '[::1]'].includes(u.hostname)) return [];
  const port = u.port || '4222';
  return findProcesses('nats-server').filter((pid) => natsServerPort(processArgs(pid)) === port);
}

function passThroughEnv(prefixes: string[]): Record<string, string> {
  return Object.fromEntries(
    Object.entries(process.env).filter(([k, v]) => v !== undefined && prefixes.some((p) => k.startsWith(p))) as Array<[string, string]>,
  );
}

/**
 * Issue 12, after the document scenarios (so they run on an idle hub): the built attachments
 * service as a child process like the others, a fresh one per run so its peak RSS is that run's;
 * sender and receiver are processes of their own. Files go to the hub's data folder (removed at
 * cleanup), the buckets are deleted with the namespace.
 */
async function attachmentRuns(hub: BenchHub, cfg: BenchConfig): Promise<AttachmentsResults> {
  for (const stream of attachmentStreams(hub.ns)) hub.trackStream(stream);
  return runAttachmentsBench({
    natsUrl: hub.natsUrl,
    ns: hub.ns,
    workDir: mkdtempSync(join(hub.dataDir, 'attachments-')),
    sizeMb: cfg.attMb,
    bigMb: cfg.attBigMb,
    startService: async () => {
      const svc = await hub.start('attachments', attachmentServiceEnv(cfg.attBigMb));
      return { pid: svc.child.pid!, stop: () => hub.stop('attachments') };
    },
    log: say,
  });
}

/**
 * Issue 13, last (after the attachment runs): the built connector as processes of their own, the
 * SDK client of the same sender in this process. Senders 1 and 2 send and receive; sender 3 is
 * the throughput recipient, whose inbox no connector reads.
 */
async function connectorRuns(hub: BenchHub, cfg: BenchConfig, senders: Sender[], sdk: LienThongClient): Promise<ConnectorResults> {
  for (const stream of attachmentStreams(hub.ns)) hub.trackStream(stream);
  return runConnectorBench({
    natsUrl: hub.natsUrl,
    ns: hub.ns,
    topo: hub.topo,
    dataDir: hub.dataDir,
    workDir: mkdtempSync(join(hub.dataDir, 'connector-')),
    sender: senders[1]!,
    sdk,
    receiver: senders[2]!,
    recipient: senders[3]!.code,
    nc: hub.nc,
    docs: cfg.connDocs,
    inFlight: cfg.connInFlight,
    rounds: cfg.connRounds,
    attMb: cfg.connAttMb,
    startAttachments: async () => {
      const svc = await hub.start('attachments', attachmentServiceEnv(cfg.connAttMb));
      return { pid: svc.child.pid!, stop: () => hub.stop('attachments') };
    },
    log: say,
  });
}

async function main(): Promise<number> {
  const cfg: BenchConfig = loadBenchConfig();
  const startedAt = new Date();
  const loadavgStart = loadavg();
  const root = repoRoot();
  const resultsPath = cfg.resultsPath ?? join(root, 'bench', 'results', 'latest.json');
  const hub = new BenchHub({ natsUrl: cfg.natsUrl, databaseUrl: cfg.databaseUrl });
  const clients: LienThongClient[] = [];
  const connections: NatsConnection[] = [];
  let watcher: InboxWatcher | undefined;
  const warnings: string[] = [];
  let cleaning: Promise<void> | undefined;
  /** Once, whoever asks first (normal end, failure, Ctrl-C): clients, connections, services, namespace, database. */
  const cleanup = () =>
    (cleaning ??= (async () => {
      say('cleaning up: stopping services, deleting the bench streams, bucket and database');
      await watcher?.stop().catch(() => undefined);
      await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
      await Promise.all(connections.map((c) => c.drain().catch(() => undefined)));
      await hub.cleanup();
    })());
  let interrupted = false;
  const onSignal = (signal: NodeJS.Signals) => {
    interrupted = true;
    say(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // a bug must not leave services running and the namespace behind
  process.on('uncaughtException', (err) => {
    say(`FAILED (uncaught): ${err.stack ?? String(err)}`);
    void cleanup().finally(() => process.exit(1));
  });
  // Seen a few times under heavy load: a TimeoutError rejected inside the NATS client library
  // with nobody listening (no async trace: connections use noAsyncTraces). It is recorded, not
  // fatal: a real stall still fails the scenario through its own timeout.
  process.on('unhandledRejection', (err) => {
    const text = `unhandled rejection: ${(err as Error)?.stack ?? String(err)}`;
    warnings.push(text.slice(0, 2_000));
    say(`warning: ${text.split('\n')[0]}`);
  });
  process.once('exit', () => hub.killServicesNow());

  try {
    say(
      `${cfg.quick ? 'QUICK run' : 'full run'}: namespace ${hub.ns}, database ${hub.dbName}, data ${hub.dataDir}; load average ${loadavgStart.map((l) => l.toFixed(2)).join(' ')}`,
    );
    await hub.setup();
    const services = cfg.audit ? (['registry', 'router', 'audit'] as const) : (['registry', 'router'] as const);
    await Promise.all(services.map((s) => hub.start(s)));
    say(`services ready: ${services.join(', ')}`);

    const dir = benchDirectory(cfg.communes);
    const t0 = performance.now();
    await importDirectory(hub, dir);
    say(`imported ${dir.agencies.length} agencies through agency.import in ${((performance.now() - t0) / 1000).toFixed(1)} s (${JSON.stringify(dir.tiers)})`);
    const senders = await registerSenders(hub, dir, cfg.senders);
    say(`registered Ed25519 keys of ${senders.length} senders through key.add`);
    if (cfg.inboxConsumers) {
      const t1 = performance.now();
      await createInboxConsumers(
        hub.nc,
        hub.topo,
        dir.agencies.map((a) => a.code),
      );
      say(`created ${dir.agencies.length} durable inbox consumers in ${((performance.now() - t1) / 1000).toFixed(1)} s`);
    }

    const agencyNc = await hub.connect('lienthong-bench-agencies');
    const watchNc = await hub.connect('lienthong-bench-inbox-watch');
    connections.push(agencyNc, watchNc);
    clients.push(...(await connectSenders(agencyNc, hub.ns, senders)));
    say(`${clients.length} SDK clients connected (directory loaded from KV by each)`);
    watcher = await InboxWatcher.start(watchNc, hub.topo);

    let pgPids: number[] = [];
    const natsPids = natsServerPids(hub.natsUrl);
    const processes: TrackedProcess[] = [
      ...services.map((name) => ({ name, pids: () => hub.pidOf(name) })),
      { name: 'bench (agencies, inbox watcher)', pids: () => [process.pid] },
      { name: 'nats-server (shared)', pids: () => natsPids, waitOf: 'all-threads' },
      { name: 'postgres (bench db backends)', pids: () => pgPids },
    ];
    const ctx: BenchContext = {
      cfg,
      hub,
      dir,
      senders,
      clients: new Map(clients.map((c) => [c.agencyCode, c])),
      agencyNc,
      watcher,
      processes,
      refreshProcesses: async () => {
        pgPids = await hub.databaseBackendPids();
      },
    };

    await warmUp(ctx);
    const prepared = prepareDocuments(ctx, cfg.docs, 1);
    say(`signed ${cfg.docs} documents of ${Math.round(prepared.meanBytes)} bytes at ${Math.round(prepared.signPerSec)}/s (one thread)`);
    // raw JetStream right before and right after the hub on the same payloads: load from other
    // work on the machine drifts, the mean of the two brackets the hub's measurement
    const jsBefore = await rawJetStream(hub, agencyNc, prepared.payloads, cfg.window, processes);
    const pgBaseline = await rawPostgres(hub, cfg.pgRows);
    const hubOnly = await hubOnlyThroughput(ctx, prepared);
    const jsAfter = await rawJetStream(hub, agencyNc, prepared.payloads, cfg.window, processes);
    const jsBaseline = combineBaselines([jsBefore, jsAfter]);
    prepared.payloads.length = 0;
    const sdk = await sdkThroughput(ctx, cfg.docs, 2);
    const bcast = await broadcast(ctx);
    const ol = await openLoop(ctx, 3);
    const attachments = cfg.attachments ? await attachmentRuns(hub, cfg) : null;
    const connector = cfg.connector ? await connectorRuns(hub, cfg, senders, clients[1]!) : null;

    const [pgVersion] = (await hub.ds.query('SHOW server_version')) as Array<{ server_version: string }>;
    const machine: MachineInfo = {
      os: `${platform()} ${release()}`,
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 1024 ** 3,
      loadavgStart,
      loadavgEnd: loadavg(),
      node: process.version,
      natsServer: hub.nc.info?.version ?? 'unknown',
      postgres: `PostgreSQL ${pgVersion?.server_version ?? '?'}`,
    };
    const finishedAt = new Date();
    const { natsUrl: _n, databaseUrl: _d, resultsPath: _r, ...settings } = cfg;
    void _n;
    void _d;
    void _r;
    const partial = {
      baselines: { jetstream: jsBaseline, postgres: pgBaseline },
      scenarios: { hubOnly, sdk, broadcast: bcast, openLoop: ol },
      attachments,
      connector,
    };
    const ratios = ratiosOf(partial);
    const results: BenchResults = {
      version: 1,
      startedAt: startedAt.toISOString(),
      finishedAt: finishedAt.toISOString(),
      durationSeconds: (finishedAt.getTime() - startedAt.getTime()) / 1000,
      git: gitInfo(root),
      machine,
      settings: { ...settings, routerEnv: passThroughEnv(['LT_ROUTER_']), auditEnv: passThroughEnv(['LT_AUDIT_', 'LT_RECEIPT']) },
      directory: {
        agencies: dir.agencies.length,
        tiers: dir.tiers,
        senders: senders.length,
        inboxConsumers: cfg.inboxConsumers ? dir.agencies.length : 0,
        broadcastCommunes: bcast.result.copiesEach,
      },
      payload: { meanBytes: prepared.meanBytes, signPerSecOneThread: prepared.signPerSec },
      ...partial,
      ratios,
      targets: targetsOf({ scenarios: partial.scenarios, ratios, attachments, connector }),
      warnings,
    };
    writeResults(resultsPath, results);
    process.stdout.write(`${renderSummary(results, resultsPath)}\n`);
    return 0;
  } catch (err) {
    // after Ctrl-C the scenario in hand fails on the draining connection: not worth a stack trace
    if (!interrupted) say(`FAILED: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

/**
 * `--cluster`: only the hub-only case and raw JetStream, at R1 on one server and at R3 on a
 * three-node cluster (bench/suite/cluster.ts); results in bench/results/cluster-latest.json.
 */
async function clusterMain(): Promise<number> {
  // 100 communes in the broadcast district unless BENCH_COMMUNES says otherwise: every agency has an
  // inbox consumer, and 1,243 three-replica consumers are more than a 2-core machine sets up quickly
  const cfg = loadBenchConfig({ BENCH_COMMUNES: '100', ...process.env });
  const resultsPath = cfg.resultsPath ?? join(repoRoot(), 'bench', 'results', 'cluster-latest.json');
  const stopping = { hooks: [] as Array<() => void> };
  const killAll = () => {
    for (const h of [...stopping.hooks].reverse()) h();
  };
  process.once('exit', killAll);
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping`);
    killAll();
    process.exit(130);
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.on('unhandledRejection', (err) => say(`warning: unhandled rejection: ${(err as Error)?.stack?.split('\n')[0] ?? String(err)}`));
  try {
    const results = await runClusterBench(cfg, stopping);
    const machine = {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
      memoryGiB: totalmem() / 1024 ** 3,
      node: process.version,
      loadavgEnd: loadavg(),
    };
    mkdirSync(dirname(resultsPath), { recursive: true });
    writeFileSync(resultsPath, `${JSON.stringify({ ...results, machine, git: gitInfo(repoRoot()) }, null, 2)}\n`);
    process.stdout.write(renderClusterSummary(results, resultsPath));
    return 0;
  } catch (err) {
    say(`FAILED: ${(err as Error).stack ?? String(err)}`);
    return 1;
  }
}

(process.argv.slice(2).includes('--cluster') ? clusterMain() : main()).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
