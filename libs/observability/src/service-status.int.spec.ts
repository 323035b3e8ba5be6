import { randomBytes } from 'node:crypto';
import { createServer } from 'node:net';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { collectServiceStatus, startObservability, summarizeServices, type Observability } from './index';

/**
 * The status request over a real NATS: processes started with startObservability answer
 * `<ns>.status` each (no queue group), and collectServiceStatus gathers every answer.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const log = pino({ level: 'silent' });

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('service status over NATS', () => {
  const ns = `s${randomBytes(4).toString('hex')}`;
  const conns: NatsConnection[] = [];
  const started: Observability[] = [];
  let asker: NatsConnection;
  let port: number;
  const conn = async (name: string) => {
    const nc = await connect({ servers: NATS_URL, name });
    conns.push(nc);
    return nc;
  };

  beforeAll(async () => {
    asker = await conn('status-asker');
    port = await freePort();
    // a ready router with a metrics port, a router whose database check fails (no metrics port), an audit with a hung check
    started.push(
      await startObservability({
        service: 'router',
        instance: 'r-1',
        log,
        nc: await conn('r-1'),
        ns,
        env: { LT_METRICS_PORT: String(port), LT_METRICS_HOST: '127.0.0.1' },
      }),
    );
    started.push(
      await startObservability({
        service: 'router',
        instance: 'r-2',
        log,
        nc: await conn('r-2'),
        ns,
        env: {},
        checks: {
          database: () => {
            throw new Error('connect ECONNREFUSED 127.0.0.1:5432');
          },
        },
      }),
    );
    started.push(
      await startObservability({
        service: 'audit',
        instance: 'a-1',
        log,
        nc: await conn('a-1'),
        ns,
        env: {},
        checks: { hung: () => new Promise<boolean>(() => undefined) },
      }),
    );
    await Promise.all(conns.map((c) => c.flush()));
  });

  afterAll(async () => {
    for (const o of started) await o.stop();
    for (const c of conns) await c.close();
  });

  it('gets one answer per process, ready or not, with the failing checks and the metrics URL', async () => {
    const answers = await collectServiceStatus(asker, ns, 1_500);
    expect(answers.map((a) => `${a.service}/${a.instance}`)).toEqual(['audit/a-1', 'router/r-1', 'router/r-2']);
    const [a1, r1, r2] = answers;
    expect(r1).toMatchObject({
      live: true,
      ready: { ready: true, checks: { nats: { ok: true } } },
      metricsUrl: `http://127.0.0.1:${port}/metrics`,
      pid: process.pid,
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
    });
    expect(r1!.metrics).toContain('lt_service_info');
    expect(Date.parse(r1!.startedAt)).toBeLessThanOrEqual(Date.now());
    expect(r2).toMatchObject({
      live: true,
      metricsUrl: null,
      ready: { ready: false, checks: { nats: { ok: true }, database: { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:5432' } } },
    });
    // a hung check makes the process not ready, not missing
    expect(a1!.ready).toEqual({ ready: false, checks: { nats: { ok: true }, hung: { ok: false, reason: 'no answer within 500 ms' } } });

    const summary = summarizeServices(answers, ['router', 'audit', 'dossier']);
    expect(summary.router).toMatchObject({ live: true, ready: true });
    expect(summary.audit).toMatchObject({ live: true, ready: false });
    expect(summary.dossier).toMatchObject({ live: false, ready: false });

    // the URL it lists serves Prometheus text
    const res = await fetch(r1!.metricsUrl!);
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('lt_service_info{service="router",instance="r-1"');
  });

  it('a stopped process no longer answers; another namespace gets no answer', async () => {
    await started[1]!.stop();
    expect((await collectServiceStatus(asker, ns, 1_000)).map((a) => a.instance)).toEqual(['a-1', 'r-1']);
    expect(await collectServiceStatus(asker, `${ns}x`, 500)).toEqual([]);
  });
});
