import { randomBytes } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import pino from 'pino';
import { topology } from '@lt/contracts';
import { destroyTopology, ensureTopology } from '@lt/messaging';
import { hubDurables, startObservability } from './index';

/**
 * Every service's metrics URL shows the hub's queues, whoever runs the consumers: a gateway-like
 * process with no consumer of its own reports the lag of the router's and the audit's durables and
 * the dead-letter depth, read from a real JetStream.
 */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

describe('hub queue figures on every metrics URL', () => {
  const topo = topology(`q${randomBytes(4).toString('hex')}`);
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connect({ servers: NATS_URL, name: 'hub-queues-spec' });
    await ensureTopology(nc, topo, { storage: 'memory' });
    const jsm = await jetstreamManager(nc);
    for (const { stream, consumer } of hubDurables(topo)) await jsm.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.Explicit });
  });

  afterAll(async () => {
    await destroyTopology(nc, topo);
    await nc.drain();
  });

  it('reports each hub durable pending and the dead-letter depth, as the streams hold them', async () => {
    const js = jetstream(nc);
    for (let i = 0; i < 3; i++) await js.publish(topo.submitSubject('000.00.00.H41'), `s${i}`);
    await js.publish(topo.deadLetterSubject('x'), 'dead');
    const served = await startObservability({
      service: 'gateway',
      instance: 'g',
      log: pino({ level: 'silent' }),
      nc,
      ns: topo.ns,
      env: { LT_METRICS_PORT: String(await freePort()) },
    });
    try {
      const text = await (await fetch(`${served.url}/metrics`)).text();
      expect(text).toContain(`lt_consumer_pending_messages{stream="${topo.streams.submit}",consumer="router"} 3`);
      expect(text).toContain(`lt_consumer_pending_messages{stream="${topo.streams.events}",consumer="audit"} 0`);
      expect(text).toContain(`lt_consumer_pending_messages{stream="${topo.streams.inbox}",consumer="audit-inbox"} 0`);
      expect(text).toContain(`lt_dlq_messages{stream="${topo.streams.deadLetter}"} 1`);
    } finally {
      await served.stop();
    }
    // stopped: the figures leave this process's registry
    const text = await served.registry.metrics();
    expect(text).not.toContain(`consumer="router"`);
    expect(text).not.toContain(`lt_dlq_messages{`);
  });
});

async function freePort(): Promise<number> {
  const { createServer } = await import('node:net');
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}
