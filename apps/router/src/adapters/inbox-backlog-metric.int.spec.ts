import { randomBytes } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import { topology } from '@lt/contracts';
import { connectNats, destroyTopology, ensureTopology, inboxDurableName, type NatsConnection } from '@lt/messaging';
import { processRegistry } from '@lt/observability';
import { INBOX_BACKLOG_TOP, InboxBacklogMetric } from './inbox-backlog-metric';

/** lt_inbox_backlog_messages read from a real inbox stream's consumers. */
const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const topo = topology(`b${randomBytes(4).toString('hex')}`);
const code = (i: number) => `000.00.${String(i).padStart(2, '0')}.H41`;
let nc: NatsConnection;

async function series(): Promise<Record<string, number>> {
  const m = await processRegistry().getSingleMetric('lt_inbox_backlog_messages')!.get();
  return Object.fromEntries(m.values.map((v) => [String(v.labels.agency), v.value]));
}

beforeAll(async () => {
  nc = await connectNats(NATS_URL, 'inbox-backlog-test');
  await ensureTopology(nc, topo, { storage: 'memory' });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  // agencies 1..12 with i copies each (agency 1 has none left: its consumer starts after its copy)
  for (let i = 1; i <= 12; i++) {
    for (let n = 0; n < i; n++) await js.publish(topo.inboxSubject(code(i)), 'copy');
  }
  for (let i = 1; i <= 12; i++) {
    await jsm.consumers.add(topo.streams.inbox, {
      durable_name: inboxDurableName(code(i)),
      filter_subject: topo.inboxSubject(code(i)),
      ack_policy: AckPolicy.Explicit,
      ...(i === 1 ? { deliver_policy: 'new' as never } : {}),
    });
  }
  // not an agency inbox: the audit's consumer of the whole stream
  await jsm.consumers.add(topo.streams.inbox, { durable_name: 'audit-inbox', filter_subject: topo.inboxWildcard, ack_policy: AckPolicy.Explicit });
});

afterAll(async () => {
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc.close();
});

it('reports the ten largest agency backlogs, not the audit consumer, and nothing once unreadable', async () => {
  const metric = new InboxBacklogMetric(nc, topo, pino({ level: 'silent' }), 60_000);
  metric.start();
  await metric.refresh();
  const expected = Object.fromEntries(Array.from({ length: INBOX_BACKLOG_TOP }, (_, k) => [code(12 - k), 12 - k]));
  expect(await series()).toEqual(expected);

  // a pulled copy not yet acknowledged still counts
  const c = await jetstream(nc).consumers.get(topo.streams.inbox, inboxDurableName(code(3)));
  const m = await c.next({ expires: 2_000 });
  expect(m).not.toBeNull();
  await metric.refresh();
  expect((await series())[code(3)]).toBe(3);

  const broken = new InboxBacklogMetric(nc, topology(`${topo.ns}x`), pino({ level: 'silent' }), 60_000);
  await broken.refresh();
  expect(await series()).toEqual({});
  await metric.stop();
  await broken.stop();
});
