import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { LtError, topology } from '@lt/contracts';
import { connectNats, type NatsConnection } from './connection';
import { destroyTopology, ensureTopology } from './streams';
import { RpcClient, RpcServer } from './rpc';
import { DurableConsumerRunner, type JsMsg } from './durable-consumer';
import { JetStreamPublisher } from './publisher';

const log = pino({ level: 'silent' });

describe('messaging on a real NATS server', () => {
  const topo = topology(`t${randomBytes(4).toString('hex')}`);
  let nc: NatsConnection;

  beforeAll(async () => {
    nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'messaging-int');
    await ensureTopology(nc, topo, { storage: 'memory' });
  });
  afterAll(async () => {
    await destroyTopology(nc, topo);
    await nc.drain();
  });

  it('ensureTopology is idempotent', async () => {
    await expect(ensureTopology(nc, topo, { storage: 'memory' })).resolves.toBeUndefined();
  });

  it('carries results and stable error codes across request-reply', async () => {
    const server = new RpcServer(nc, log, 'q');
    server.serve(topo.rpcSubject('registry', 'echo'), (p) => ({ echoed: p }));
    server.serve(topo.rpcSubject('registry', 'fail'), () => {
      throw new LtError('UNKNOWN_AGENCY', 'no agency 000.00.01.H99', { code: '000.00.01.H99' });
    });
    const client = new RpcClient(nc, 2000);
    await expect(client.call(topo.rpcSubject('registry', 'echo'), { a: 1 })).resolves.toEqual({ echoed: { a: 1 } });
    const err = await client.call(topo.rpcSubject('registry', 'fail'), {}).catch((e) => e);
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'UNKNOWN_AGENCY', details: { code: '000.00.01.H99' } });
    const none = await client.call(topo.rpcSubject('audit', 'nobody'), {}).catch((e) => e);
    expect(none).toMatchObject({ code: 'UNAVAILABLE' });
    await server.close();
  });

  it('dedups publishes by message id and hands batches to the consumer until all are acked', async () => {
    const pub = new JetStreamPublisher(nc, topo);
    const subject = topo.inboxSubject('000.00.01.H41');
    const first = await pub.publish(subject, 'x', 'same-id');
    const second = await pub.publish(subject, 'x', 'same-id');
    expect(first.duplicate).toBe(false);
    expect(second.duplicate).toBe(true);
    await Promise.all(Array.from({ length: 199 }, (_, i) => pub.publish(subject, `m${i}`, `id-${i}`)));

    const seen = new Map<string, number>();
    let failOnce = true;
    let batches = 0;
    const runner = new DurableConsumerRunner(
      nc,
      { stream: topo.streams.inbox, durable: 'test-consumer', maxBatch: 50, retryDelayMs: 50 },
      async (batch: JsMsg[]) => {
        batches++;
        if (failOnce) {
          failOnce = false;
          throw new Error('transient');
        }
        for (const m of batch) {
          const body = new TextDecoder().decode(m.data);
          seen.set(body, (seen.get(body) ?? 0) + 1);
          await m.ackAck();
        }
      },
      log,
    );
    await runner.start();
    const until = Date.now() + 15_000;
    while (seen.size < 200 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await runner.stop();
    expect(seen.size).toBe(200);
    expect([...seen.values()].every((n) => n === 1)).toBe(true);
    expect(batches).toBeGreaterThan(1);
  });

  it('with lingerMs, a batch that is not full waits for more messages before it is handed over', async () => {
    const pub = new JetStreamPublisher(nc, topo);
    const subject = topo.inboxSubject('000.00.02.H41');
    const sizes: number[] = [];
    const runner = new DurableConsumerRunner(
      nc,
      { stream: topo.streams.inbox, durable: 'linger-consumer', filterSubject: subject, maxBatch: 100, lingerMs: 1_000 },
      async (batch: JsMsg[]) => {
        sizes.push(batch.length);
        for (const m of batch) m.ack();
      },
      log,
    );
    await runner.start();
    // one at a time, each PubAck awaited: without the linger the first would go alone
    for (let i = 0; i < 5; i++) await pub.publish(subject, `l${i}`, `linger-${i}`);
    const until = Date.now() + 15_000;
    while (sizes.reduce((a, b) => a + b, 0) < 5 && Date.now() < until) await new Promise((r) => setTimeout(r, 50));
    await runner.stop();
    expect(sizes).toEqual([5]);
  });
});
