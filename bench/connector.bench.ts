/**
 * `npm run bench:connector`: the agency connector (issue 13) against the SDK on the same hub in
 * the same run, without the rest of `npm run bench` (which runs the same measurement,
 * bench/suite/connector.ts, as its step 8). The hub is the built registry and router (and the
 * audit, unless BENCH_AUDIT=0) as child processes on the real NATS and PostgreSQL, in a namespace
 * and database of its own; each connector is the built connector as a process of its own.
 *
 *   1. documents: BENCH_CONN_DOCS (default 3000) through `POST /v1/outbox` against as many through
 *      the SDK's sendDocument, BENCH_CONN_INFLIGHT (default 32) in flight on both sides,
 *      BENCH_CONN_ROUNDS alternating rounds (default 3), medians compared (target >= 50%);
 *   2. memory: a BENCH_CONN_ATT_MB file (default 1024; 0 skips it) as a multipart part to the
 *      sending connector, downloaded through the receiving one, SHA-256 compared (a mismatch
 *      fails the run), peak RSS of both connectors (target <= 256 MB).
 *
 * BENCH_CONNECTOR_NODE_ARGS reach the connectors' node (e.g. `--cpu-prof --cpu-prof-dir=/tmp/p`).
 * Results to stdout and bench/results/connector.json (BENCH_RESULTS: another folder).
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pino from 'pino';
import { connect, type LienThongClient } from '@lt/sdk';
import type { NatsConnection } from '@lt/messaging';
import { attachmentServiceEnv, attachmentStreams } from './suite/attachments';
import { PUBLISH_TIMEOUT_MS } from './suite/baselines';
import { loadBenchConfig } from './suite/config';
import { connectorTargets, renderConnector, runConnectorBench } from './suite/connector';
import { benchDirectory, importDirectory, registerSenders } from './suite/directory';
import { BenchHub, repoRoot } from './suite/hub';
import { say } from './suite/progress';

async function main(): Promise<number> {
  const cfg = loadBenchConfig();
  const hub = new BenchHub({ natsUrl: cfg.natsUrl, databaseUrl: cfg.databaseUrl });
  let client: LienThongClient | undefined;
  let agencyNc: NatsConnection | undefined;
  let cleaning: Promise<void> | undefined;
  const cleanup = () =>
    (cleaning ??= (async () => {
      await client?.close().catch(() => undefined);
      await agencyNc?.drain().catch(() => undefined);
      await hub.cleanup();
    })());
  const onSignal = (signal: NodeJS.Signals) => {
    say(`${signal}: stopping`);
    void cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => hub.killServicesNow());
  try {
    say(`connector bench: namespace ${hub.ns}, database ${hub.dbName}`);
    await hub.setup();
    const services = cfg.audit ? (['registry', 'router', 'audit'] as const) : (['registry', 'router'] as const);
    await Promise.all(services.map((s) => hub.start(s)));
    const dir = benchDirectory(1);
    await importDirectory(hub, dir);
    // [broadcaster, sender, receiver, recipient]: the first is registerSenders' own choice
    const [, sender, receiver, recipient] = await registerSenders(hub, dir, 4);
    say(
      `services ready: ${services.join(', ')}; ${dir.agencies.length} agencies; sender ${sender!.code}, receiver ${receiver!.code}, recipient ${recipient!.code}`,
    );
    agencyNc = await hub.connect('lienthong-bench-agencies');
    client = await connect({
      nc: agencyNc,
      ns: hub.ns,
      agencyCode: sender!.code,
      privateJwk: sender!.key.privateJwk,
      keyId: sender!.key.keyId,
      alg: sender!.key.alg,
      ensureInbox: false,
      autoArrived: false,
      publishTimeoutMs: PUBLISH_TIMEOUT_MS,
      logger: pino({ level: 'warn' }, pino.destination(2)),
    });
    for (const stream of attachmentStreams(hub.ns)) hub.trackStream(stream);
    const results = await runConnectorBench({
      natsUrl: hub.natsUrl,
      ns: hub.ns,
      topo: hub.topo,
      dataDir: hub.dataDir,
      workDir: mkdtempSync(join(hub.dataDir, 'connector-')),
      sender: sender!,
      sdk: client,
      receiver: receiver!,
      recipient: recipient!.code,
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
    hub.assertAlive();
    process.stdout.write(`${renderConnector(results).join('\n')}\n`);
    for (const t of connectorTargets(results)) process.stdout.write(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.target}\n`);
    const out = process.env.BENCH_RESULTS ?? join(repoRoot(), 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(
      join(out, 'connector.json'),
      `${JSON.stringify({ at: new Date().toISOString(), settings: { docs: cfg.connDocs, inFlight: cfg.connInFlight, rounds: cfg.connRounds, attMb: cfg.connAttMb }, ...results }, null, 2)}\n`,
    );
    return 0;
  } catch (err) {
    say(`FAILED: ${(err as Error).stack ?? String(err)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
