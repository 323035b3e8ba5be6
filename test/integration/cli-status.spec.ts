import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { topology } from '@lt/contracts';
import { connectNats, destroyTopology, ensureDurableConsumer, ensureTopology, inboxDurableName, type NatsConnection } from '@lt/messaging';
import { HUB_SERVICES, startObservability, trackConsumerBacklog, trackDeadLetterDepth, type Observability, type ReadinessCheck } from '@lt/observability';
import { runCli } from '../../apps/cli/src/testing/run-cli';
import type { StatusReport } from '../../apps/cli/src/commands/status';

/**
 * `lienthong status` against a real NATS: one stand-in process per hub service answers the status
 * request (startObservability, as each service's main does), the router's with a metrics port
 * serving its consumer lag and the dead-letter depth. The CLI lists them, the streams, the
 * consumers and the dead letters, and exits 1 when a service is missing or not ready.
 */
jest.setTimeout(60_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const topo = topology(`c${randomBytes(4).toString('hex')}`);
const dataDir = mkdtempSync(join(tmpdir(), 'lt-cli-status-'));
const A = '000.00.01.H41';
const log = pino({ level: 'silent' });
const saved = { ns: process.env.LT_NAMESPACE, dir: process.env.LT_DATA_DIR, nats: process.env.NATS_URL, seed: process.env.LT_NATS_SEED_FILE };
const conns: NatsConnection[] = [];
const processes = new Map<string, Observability>();
const untrack: Array<() => void> = [];
let nc: NatsConnection;
let auditReady = true;
let routerPort: number;

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, ...args]);

beforeAll(async () => {
  process.env.LT_NAMESPACE = topo.ns;
  process.env.LT_DATA_DIR = dataDir;
  process.env.NATS_URL = NATS_URL;
  delete process.env.LT_NATS_SEED_FILE;
  nc = await connectNats(NATS_URL, 'cli-status-test');
  await ensureTopology(nc, topo, { storage: 'memory' });
  const js = jetstream(nc);
  // two submissions the router has not taken, one dead letter, three copies A has not read
  await ensureDurableConsumer(nc, { stream: topo.streams.submit, durable: topo.consumers.router });
  for (let i = 0; i < 2; i++) await js.publish(topo.submitSubject(A), 'submission');
  await js.publish(topo.deadLetterSubject('router'), 'poison');
  for (let i = 0; i < 3; i++) await js.publish(topo.inboxSubject(A), 'copy');
  await (
    await jetstreamManager(nc)
  ).consumers.add(topo.streams.inbox, { durable_name: inboxDurableName(A), filter_subject: topo.inboxSubject(A), ack_policy: AckPolicy.Explicit });

  routerPort = await freePort();
  for (const service of HUB_SERVICES) {
    const own = await connectNats(NATS_URL, `stand-in-${service}`);
    conns.push(own);
    const env = service === 'router' ? { LT_METRICS_PORT: String(routerPort), LT_METRICS_HOST: '127.0.0.1' } : {};
    const checks: Record<string, ReadinessCheck> =
      service === 'audit' ? { database: () => auditReady || Promise.reject(new Error('database unreachable')) } : {};
    processes.set(service, await startObservability({ service, instance: `${service}-1`, log, nc: own, ns: topo.ns, env, checks }));
  }
  // what the router's consumer runner and dead-letter metric register in its process
  untrack.push(
    trackConsumerBacklog(topo.streams.submit, topo.consumers.router, async () => {
      const info = await (await jetstreamManager(nc)).consumers.info(topo.streams.submit, topo.consumers.router);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    }),
    trackDeadLetterDepth(nc, topo),
  );
  await Promise.all(conns.map((c) => c.flush()));
});

afterAll(async () => {
  process.env.LT_NAMESPACE = saved.ns;
  process.env.LT_DATA_DIR = saved.dir;
  process.env.NATS_URL = saved.nats;
  if (saved.seed !== undefined) process.env.LT_NATS_SEED_FILE = saved.seed;
  for (const u of untrack) u();
  for (const p of processes.values()) await p.stop();
  for (const c of conns) await c.close();
  if (nc) {
    await destroyTopology(nc, topo).catch(() => undefined);
    await nc.close();
  }
  rmSync(dataDir, { recursive: true, force: true });
});

it('--json lists every service with its health, the streams, consumers and dead letters; the metrics URL serves consumer lag and dead-letter depth', async () => {
  const r = await cli('status', '--json');
  expect(r.err).toBe('');
  expect(r.code).toBe(0);
  const report = JSON.parse(r.out) as StatusReport;
  expect(report).toMatchObject({ ok: true, namespace: topo.ns, missing: [], notReady: [] });
  expect(report.instances.map((i) => `${i.service} ${i.live} ${i.ready}`)).toEqual([...HUB_SERVICES].sort().map((s) => `${s} true true`));
  const router = report.instances.find((i) => i.service === 'router')!;
  expect(router).toMatchObject({ instance: 'router-1', metricsUrl: `http://127.0.0.1:${routerPort}/metrics`, pid: process.pid, failing: [] });
  expect(router.metrics).toEqual(expect.arrayContaining(['lt_consumer_pending_messages', 'lt_dlq_messages', 'lt_service_info']));
  expect(report.instances.find((i) => i.service === 'audit')!.metricsUrl).toBeNull();

  expect(report.streams.map((s) => [s.name, s.messages, s.replicas])).toEqual([
    [topo.streams.submit, 2, 1],
    [topo.streams.inbox, 3, 1],
    [topo.streams.events, 0, 1],
    [topo.streams.deadLetter, 1, 1],
  ]);
  expect(report.streams.every((s) => (s.bytes ?? 0) >= 0 && s.error === undefined)).toBe(true);
  expect(report.consumers).toEqual([{ stream: topo.streams.submit, name: topo.consumers.router, pending: 2, ackPending: 0 }]);
  expect(report.agencyInboxes).toEqual({ consumers: 1, pending: 3, ackPending: 0, top: [{ agency: A, pending: 3, ackPending: 0, backlog: 3 }] });
  expect(report.deadLetter).toEqual({ stream: topo.streams.deadLetter, messages: 1 });

  const text = await (await fetch(router.metricsUrl!)).text();
  expect(text).toContain(`lt_consumer_pending_messages{stream="${topo.streams.submit}",consumer="${topo.consumers.router}"} 2`);
  expect(text).toContain(`lt_dlq_messages{stream="${topo.streams.deadLetter}"} 1`);
});

it('names a missing service and one with no ready process, with the failing check, and exits 1', async () => {
  await processes.get('attachments')!.stop();
  processes.delete('attachments');
  auditReady = false;
  try {
    const json = await cli('status', '--json');
    expect(json.code).toBe(1);
    const report = JSON.parse(json.out) as StatusReport;
    expect(report).toMatchObject({ ok: false, missing: ['attachments'], notReady: ['audit'] });
    expect(report.instances.find((i) => i.service === 'audit')).toMatchObject({
      live: true,
      ready: false,
      failing: [{ name: 'database', reason: 'database unreachable' }],
    });

    const human = await cli('status');
    expect(human.code).toBe(1);
    const lines = human.out.split('\n');
    // an aligned table: every column starts where its header does
    const header = lines[0]!;
    expect(header).toMatch(/^SERVICE +INSTANCE +LIVE +READY +VERSION +UPTIME +METRICS$/);
    const routerLine = lines.find((l) => l.startsWith('router '))!;
    expect(routerLine.indexOf(`http://127.0.0.1:${routerPort}`)).toBe(header.indexOf('METRICS'));
    expect(lines.find((l) => l.startsWith('audit '))!.indexOf('NOT READY')).toBe(header.indexOf('READY'));
    expect(human.out).toContain('audit audit-1: database: database unreachable');
    expect(human.out).toContain('MISSING: attachments (no process answered)');
    expect(human.out).toContain('NOT READY: audit (no process ready)');
    expect(human.out).toMatch(new RegExp(`${topo.streams.submit}/router +2 +0`));
    expect(human.out).toContain(`dead letters: 1 (${topo.streams.deadLetter})`);
  } finally {
    auditReady = true;
  }
});

it('says so when NATS cannot be reached', async () => {
  process.env.NATS_URL = 'nats://127.0.0.1:1';
  try {
    const r = await cli('status', '--json');
    expect(r.code).toBe(1);
    expect(JSON.parse(r.err)).toMatchObject({ error: { code: 'UNAVAILABLE' } });
  } finally {
    process.env.NATS_URL = NATS_URL;
  }
});
