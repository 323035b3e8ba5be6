import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import { ConfigError } from '@lt/platform';
import { addReadinessCheck, loadMetricsSettings, processCounter, startObservability, type Observability } from './index';

const log = pino({ level: 'silent' });
const env = (port: number) => ({ LT_METRICS_PORT: String(port), LT_METRICS_HOST: '127.0.0.1' });

async function get(url: string): Promise<{ status: number; type: string; body: string }> {
  const res = await fetch(url);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: await res.text() };
}

describe('startObservability (metrics server on a real port)', () => {
  const started: Observability[] = [];
  const start = async (o: Partial<Parameters<typeof startObservability>[0]> = {}) => {
    const obs = await startObservability({ service: 'router', instance: 'test-1', log, env: env(0), ...o });
    started.push(obs);
    return obs;
  };
  afterEach(async () => {
    for (const o of started.splice(0)) await o.stop();
  });

  it('reads LT_METRICS_PORT and LT_METRICS_HOST, off by default', () => {
    expect(loadMetricsSettings({})).toEqual({ port: 0, host: '127.0.0.1' });
    expect(loadMetricsSettings({ LT_METRICS_PORT: '9101', LT_METRICS_HOST: '0.0.0.0' })).toEqual({ port: 9101, host: '0.0.0.0' });
    expect(() => loadMetricsSettings({ LT_METRICS_PORT: 'abc' })).toThrow(/LT_METRICS_PORT/);
  });

  it('serves nothing without LT_METRICS_PORT (0 = off)', async () => {
    const obs = await startObservability({ service: 'router', log, env: {} });
    expect(obs.url).toBeUndefined();
    await obs.stop();
  });

  it('/metrics has lt_service_info, the process metrics and what the code counts', async () => {
    // port 0 is "off" for LT_METRICS_PORT: tests pick a free port themselves
    const port = await freePort();
    const obs = await start({ env: env(port) });
    expect(obs.url).toBe(`http://127.0.0.1:${port}`);
    processCounter({ name: 'lt_test_things_total', help: 'things', labelNames: ['kind'] }).inc({ kind: 'a' }, 3);
    const r = await get(`${obs.url}/metrics`);
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^text\/plain/);
    expect(r.body).toMatch(/^lt_service_info\{service="router",instance="test-1",version="\d+\.\d+\.\d+[^"]*"\} 1$/m);
    expect(r.body).toMatch(/^process_cpu_user_seconds_total \d/m);
    expect(r.body).toMatch(/^process_resident_memory_bytes \d/m);
    expect(r.body).toMatch(/^nodejs_eventloop_lag_seconds \d/m);
    expect(r.body).toContain('lt_test_things_total{kind="a"} 3');
    expect((await get(`${obs.url}/health/live`)).status).toBe(200);
    expect((await get(`${obs.url}/nope`)).status).toBe(404);
  });

  it('/health/ready is 503 naming the failing check while one fails, 200 once all pass', async () => {
    let databaseUp = false;
    let natsClosed = false;
    const obs = await start({
      env: env(await freePort()),
      nc: { isClosed: () => natsClosed },
      ds: { query: async () => (databaseUp ? [{ '?column?': 1 }] : Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))) },
    });
    let r = await get(`${obs.url}/health/ready`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body)).toEqual({
      ready: false,
      checks: { nats: { ok: true }, database: { ok: false, reason: 'connect ECONNREFUSED 127.0.0.1:5432' } },
    });

    databaseUp = true;
    let consumerPulling = false;
    const remove = addReadinessCheck('consumer S/c', () => consumerPulling);
    r = await get(`${obs.url}/health/ready`);
    expect(r.status).toBe(503);
    expect(JSON.parse(r.body).checks['consumer S/c']).toEqual({ ok: false, reason: 'not ready' });

    consumerPulling = true;
    r = await get(`${obs.url}/health/ready`);
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).ready).toBe(true);

    natsClosed = true;
    expect((await get(`${obs.url}/health/ready`)).status).toBe(503);
    natsClosed = false;
    remove();
    expect(JSON.parse((await get(`${obs.url}/health/ready`)).body).checks['consumer S/c']).toBeUndefined();
  });

  it('a port in use fails the start with a ConfigError naming LT_METRICS_PORT and the port', async () => {
    const other = await listenAnywhere();
    const port = (other.address() as AddressInfo).port;
    try {
      const err = await startObservability({ service: 'audit', log, env: env(port) }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toBe(
        `config LT_METRICS_PORT: port ${port} on 127.0.0.1 is already in use: give each service process its own port, or 0 for none`,
      );
    } finally {
      await new Promise((r) => other.close(r));
    }
  });
});

function listenAnywhere(): Promise<Server> {
  return new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = await listenAnywhere();
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
