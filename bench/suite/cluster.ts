import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectNats, type NatsConnection } from '@lt/messaging';
import type { LienThongClient } from '@lt/sdk';
import { which } from '../../scripts/lib/infra';
import { NatsCluster, NatsNode, waitForMetaLeader } from '../../scripts/cluster/nats-cluster';
import { rawJetStream } from './baselines';
import type { BenchConfig } from './config';
import { benchDirectory, connectSenders, createInboxConsumers, importDirectory, registerSenders } from './directory';
import { BenchHub } from './hub';
import { InboxWatcher } from './inbox-watch';
import type { TrackedProcess } from './procstat';
import { say } from './progress';
import { combineBaselines, type JetStreamBaselines } from './report';
import { hubOnlyThroughput, prepareDocuments, warmUp, type BenchContext, type Measured, type ThroughputResult } from './scenarios';

/**
 * `npm run bench -- --cluster`: the hub-only throughput case (a) and raw JetStream publishes on
 * the same payloads, first on one nats-server with every stream at R1, then on a three-node
 * cluster with every stream at R3, in the same run and on the same machine. Both servers are
 * private (temp folders, free ports), so the two runs differ only in replication. The shared
 * PostgreSQL is used as by the plain bench (a database of its own per run).
 */

export interface ClusterLeg {
  replicas: number;
  nodes: number;
  hubOnly: Measured<ThroughputResult>;
  /** raw JetStream right before and right after the hub, averaged */
  jetstream: JetStreamBaselines;
}

export interface ClusterBenchResults {
  startedAt: string;
  durationSeconds: number;
  docs: number;
  directory: { agencies: number; senders: number; inboxConsumers: number };
  r1: ClusterLeg;
  r3: ClusterLeg;
  ratios: {
    /** hub R3 docs/s / hub R1 docs/s */
    hubR3OverR1: number;
    /** hub R3 docs/s / raw JetStream publish R3 msgs/s */
    hubR3OverRawR3: number;
    /** hub R1 docs/s / raw JetStream publish R1 msgs/s */
    hubR1OverRawR1: number;
    /** raw publish R3 / raw publish R1: what replication costs JetStream itself */
    rawR3OverR1: number;
  };
}

/** Servers of one leg: a single node for R1, three for R3. */
interface LegServers {
  url: string;
  pids(): number[];
  stop(): Promise<void>;
  killNow(): void;
}

async function startServers(replicas: number, dir: string, bin: string): Promise<LegServers> {
  if (replicas === 1) {
    const node = await NatsNode.standalone({ dir, bin });
    return { url: node.url, pids: () => (node.pid ? [node.pid] : []), stop: () => node.stop(), killNow: () => node.killNow() };
  }
  const cluster = await NatsCluster.launch({ dir, bin, name: 'lt-bench' });
  return {
    url: cluster.url,
    pids: () => cluster.nodes.flatMap((n) => (n.pid ? [n.pid] : [])),
    stop: () => cluster.stop(),
    killNow: () => cluster.killNow(),
  };
}

/** One leg: its own servers, hub (namespace, database, services) and SDK clients; all stopped and removed at the end. */
async function runLeg(
  cfg: BenchConfig,
  replicas: number,
  bin: string,
  stopping: { hooks: Array<() => void> },
): Promise<ClusterLeg & { agencies: number; senders: number; consumers: number }> {
  const dir = mkdtempSync(join(tmpdir(), `lt-bench-r${replicas}-`));
  const servers = await startServers(replicas, join(dir, 'nats'), bin);
  const kill = () => servers.killNow();
  stopping.hooks.push(kill);
  const hub = new BenchHub({ natsUrl: servers.url, databaseUrl: cfg.databaseUrl, replicas: replicas > 1 ? replicas : undefined });
  stopping.hooks.push(() => hub.killServicesNow());
  const clients: LienThongClient[] = [];
  const connections: NatsConnection[] = [];
  let watcher: InboxWatcher | undefined;
  try {
    say(`R${replicas}: ${replicas === 1 ? 'one nats-server' : 'three nats-servers'} at ${servers.url}; namespace ${hub.ns}`);
    if (replicas > 1) {
      const probe = await connectNats(servers.url, 'lienthong-bench-probe');
      await waitForMetaLeader(probe);
      await probe.close();
    }
    await hub.setup();
    const services = cfg.audit ? (['registry', 'router', 'audit'] as const) : (['registry', 'router'] as const);
    await Promise.all(services.map((s) => hub.start(s)));
    const benchDir = benchDirectory(cfg.communes);
    await importDirectory(hub, benchDir);
    const senders = await registerSenders(hub, benchDir, cfg.senders);
    if (cfg.inboxConsumers)
      await createInboxConsumers(
        hub.nc,
        hub.topo,
        benchDir.agencies.map((a) => a.code),
      );
    say(
      `R${replicas}: ${benchDir.agencies.length} agencies, ${senders.length} senders${cfg.inboxConsumers ? ', one inbox consumer each' : ''}; services ${services.join(', ')}`,
    );
    const agencyNc = await hub.connect('lienthong-bench-agencies');
    const watchNc = await hub.connect('lienthong-bench-inbox-watch');
    connections.push(agencyNc, watchNc);
    clients.push(...(await connectSenders(agencyNc, hub.ns, senders)));
    watcher = await InboxWatcher.start(watchNc, hub.topo);
    let pgPids: number[] = [];
    const processes: TrackedProcess[] = [
      ...services.map((name) => ({ name, pids: () => hub.pidOf(name) })),
      { name: 'bench (agencies, inbox watcher)', pids: () => [process.pid] },
      { name: `nats-server x${replicas === 1 ? 1 : 3}`, pids: () => servers.pids(), waitOf: 'all-threads' as const },
      { name: 'postgres (bench db backends)', pids: () => pgPids },
    ];
    const ctx: BenchContext = {
      cfg,
      hub,
      dir: benchDir,
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
    const before = await rawJetStream(hub, agencyNc, prepared.payloads, cfg.window, processes, replicas);
    const hubOnly = await hubOnlyThroughput(ctx, prepared);
    const after = await rawJetStream(hub, agencyNc, prepared.payloads, cfg.window, processes, replicas);
    const jetstream = combineBaselines([before, after]);
    say(
      `R${replicas}: hub only ${hubOnly.result.docsPerSec.toFixed(0)} docs/s; raw JetStream publish ${jetstream.publishPerSec.toFixed(0)} msgs/s (${before.publishPerSec.toFixed(0)} before, ${after.publishPerSec.toFixed(0)} after)`,
    );
    return {
      replicas,
      nodes: replicas === 1 ? 1 : 3,
      hubOnly,
      jetstream,
      agencies: benchDir.agencies.length,
      senders: senders.length,
      consumers: cfg.inboxConsumers ? benchDir.agencies.length : 0,
    };
  } finally {
    await watcher?.stop().catch(() => undefined);
    await Promise.all(clients.map((c) => c.close().catch(() => undefined)));
    await Promise.all(connections.map((c) => c.drain().catch(() => undefined)));
    await hub.cleanup();
    await servers.stop();
    stopping.hooks.splice(stopping.hooks.indexOf(kill), 1);
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function runClusterBench(cfg: BenchConfig, stopping: { hooks: Array<() => void> }): Promise<ClusterBenchResults> {
  const bin = process.env.NATS_SERVER_BIN ?? which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
  if (!bin) throw new Error('--cluster needs the nats-server binary (sudo apt-get install -y nats-server, or NATS_SERVER_BIN)');
  const startedAt = new Date();
  const r1 = await runLeg(cfg, 1, bin, stopping);
  const r3 = await runLeg(cfg, 3, bin, stopping);
  const round = (x: number) => Math.round(x * 1000) / 1000;
  return {
    startedAt: startedAt.toISOString(),
    durationSeconds: (Date.now() - startedAt.getTime()) / 1000,
    docs: cfg.docs,
    directory: { agencies: r1.agencies, senders: r1.senders, inboxConsumers: r1.consumers },
    r1,
    r3,
    ratios: {
      hubR3OverR1: round(r3.hubOnly.result.docsPerSec / r1.hubOnly.result.docsPerSec),
      hubR3OverRawR3: round(r3.hubOnly.result.docsPerSec / r3.jetstream.publishPerSec),
      hubR1OverRawR1: round(r1.hubOnly.result.docsPerSec / r1.jetstream.publishPerSec),
      rawR3OverR1: round(r3.jetstream.publishPerSec / r1.jetstream.publishPerSec),
    },
  };
}

/** The summary printed at the end of `npm run bench -- --cluster`. */
export function renderClusterSummary(r: ClusterBenchResults, resultsPath: string): string {
  const f = (x: number) => Math.round(x).toLocaleString('en-US');
  const cpu = (leg: ClusterLeg) =>
    leg.hubOnly.usage
      .filter((u) => u.measured && u.cpuPercent >= 1)
      .map((u) => `${u.name} ${u.cpuPercent.toFixed(0)}%`)
      .join(', ');
  return [
    '',
    `cluster bench: ${r.docs.toLocaleString('en-US')} single-recipient documents, ${r.directory.agencies} agencies (${r.directory.inboxConsumers} inbox consumers), ${r.directory.senders} senders; ${r.durationSeconds.toFixed(0)} s`,
    '',
    '| | R1 (one server) | R3 (three-node cluster) | R3 / R1 |',
    '|---|---|---|---|',
    `| (a) hub only, docs/s | ${f(r.r1.hubOnly.result.docsPerSec)} | ${f(r.r3.hubOnly.result.docsPerSec)} | ${r.ratios.hubR3OverR1.toFixed(2)} |`,
    `| raw JetStream publish, msgs/s | ${f(r.r1.jetstream.publishPerSec)} | ${f(r.r3.jetstream.publishPerSec)} | ${r.ratios.rawR3OverR1.toFixed(2)} |`,
    `| raw JetStream consume, msgs/s | ${f(r.r1.jetstream.consumePerSec)} | ${f(r.r3.jetstream.consumePerSec)} | ${(r.r3.jetstream.consumePerSec / r.r1.jetstream.consumePerSec).toFixed(2)} |`,
    `| hub / raw publish | ${r.ratios.hubR1OverRawR1.toFixed(2)} | ${r.ratios.hubR3OverRawR3.toFixed(2)} | |`,
    '',
    `CPU during (a) at R1 (% of one core): ${cpu(r.r1)}`,
    `CPU during (a) at R3 (% of one core): ${cpu(r.r3)}`,
    `results: ${resultsPath}`,
    '',
  ].join('\n');
}
