import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { topology } from '@lt/contracts';
import { connectNats, destroyTopology, ensureTopology } from '@lt/messaging';
import { ensureInboxConsumer } from './inbox-consumer';
jest.setTimeout(60000);
it('pull semantics', async () => {
  const nc = await connectNats('nats://127.0.0.1:4222', 'dbg');
  const topo = topology(`d${randomBytes(3).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  const code = '000.00.05.H41';
  const durable = await ensureInboxConsumer(nc, topo, code);
  const js = jetstream(nc);
  await js.publish(topo.inboxSubject(code), 'one');
  const c = await js.consumers.get(topo.streams.inbox, durable);
  let f = await c.fetch({ max_messages: 1, expires: 30000 });
  let first;
  for await (const m of f) { first = m; break; }
  console.log('first', first!.seq, first!.info.deliveryCount, (first as any).msg.reply);
  await f.close();
  first!.nak();
  await new Promise(r=>setTimeout(r,200));
  const t0 = Date.now();
  f = await c.fetch({ max_messages: 16, expires: 5000 });
  for await (const m of f) { console.log('second', m.seq, m.info.deliveryCount, Date.now() - t0, (m as any).msg.reply, m.redelivered); m.ack(); break; }
  console.log((await (await jetstreamManager(nc)).consumers.info(topo.streams.inbox, durable)).num_waiting);
  await destroyTopology(nc, topo); await nc.close();
});
