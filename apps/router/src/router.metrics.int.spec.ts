import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { startObservability, type Observability } from '@lt/observability';
import { createHarness, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

const H41 = '000.00.00.H41';
const G12 = '000.00.00.G12';

jest.setTimeout(60_000);

/** The router's metrics, as Prometheus reads them from LT_METRICS_PORT: real NATS, PostgreSQL and HTTP. */
describe('router metrics against real NATS and PostgreSQL', () => {
  let h: Harness;
  let obs: Observability;
  const agencies = new Map<string, TestAgency>();
  const sign = (from: string, env: Envelope) => Buffer.from(JSON.stringify(signEnvelope(env, agencies.get(from)!.signingKey, agencies.get(from)!.kid)));
  const scrape = async () => (await fetch(`${obs.url}/metrics`)).text();
  const sample = (text: string, name: string, labels = ''): number | undefined => {
    const line = text.split('\n').find((l) => l.startsWith(`${name}${labels} `));
    return line === undefined ? undefined : Number(line.slice(line.lastIndexOf(' ') + 1));
  };

  beforeAll(async () => {
    h = await createHarness();
    for (const code of [H41, G12]) agencies.set(code, testAgency({ code }));
    await h.putAgencies([...agencies.values()].map((a) => a.entry));
    obs = await startObservability({
      service: 'router',
      instance: 'metrics-test',
      log: h.log,
      nc: h.nc,
      ds: h.db.ds,
      env: { LT_METRICS_PORT: String(await freePort()) },
    });
    await h.startRouter();
  }, 60_000);

  afterAll(async () => {
    await obs?.stop();
    await h?.close();
  });

  it('counts a routed and a refused submission, times the routed one and reads its own consumer and the dead-letter stream', async () => {
    const before = await scrape();
    expect(sample(before, 'lt_router_submissions_total', '{outcome="routed",reason=""}')).toBeUndefined();

    const ok = documentEnvelope(H41, [G12]);
    await h.submit(H41, sign(H41, ok), ok.id);
    const unknown = documentEnvelope(H41, ['000.00.77.G12']);
    await h.submit(H41, sign(H41, unknown), unknown.id);
    await h.waitFor('both decided', async () => {
      const text = await scrape();
      return (
        sample(text, 'lt_router_submissions_total', '{outcome="routed",reason=""}') === 1 &&
        sample(text, 'lt_router_submissions_total', '{outcome="refused",reason="UNKNOWN_RECIPIENT"}') === 1
      );
    });

    const text = await scrape();
    expect(sample(text, 'lt_router_deliveries_total')).toBe(1);
    expect(sample(text, 'lt_router_routing_seconds_count')).toBe(1);
    const seconds = sample(text, 'lt_router_routing_seconds_sum')!;
    expect(seconds).toBeGreaterThanOrEqual(0);
    expect(seconds).toBeLessThan(20);
    expect(text).toMatch(/^lt_service_info\{service="router",instance="metrics-test",version="[^"]+"\} 1$/m);
    // read at scrape time from the consumer's info: both submissions are acked by now
    const consumer = `{stream="${h.topo.streams.submit}",consumer="${h.topo.consumers.router}"}`;
    expect(sample(text, 'lt_consumer_pending_messages', consumer)).toBe(0);
    expect(sample(text, 'lt_consumer_ack_pending', consumer)).toBe(0);
    expect(sample(text, 'lt_dlq_messages', `{stream="${h.topo.streams.deadLetter}"}`)).toBe(0);

    const ready = await fetch(`${obs.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { checks: Record<string, { ok: boolean }> };
    expect(body.checks).toMatchObject({
      nats: { ok: true },
      database: { ok: true },
      [`consumer ${h.topo.streams.submit}/${h.topo.consumers.router}`]: { ok: true },
    });
  });
});

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}
