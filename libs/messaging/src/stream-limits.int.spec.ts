import { randomBytes } from 'node:crypto';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { LtError, topology, type Topology } from '@lt/contracts';
import type { StreamLimits } from '@lt/platform';
import { connectNats, type NatsConnection } from './connection';
import { DEV_STREAM_LIMITS, streamLimitHit } from './stream-limits';
import { destroyTopology, ensureTopology } from './streams';

const KIB = 1024;
const DAY_MS = 86_400_000;

function tinyLimits(over: Partial<StreamLimits> = {}): StreamLimits {
  return {
    submit: { maxBytes: 4 * KIB, maxAgeMs: 0, maxMsgsPerSubject: 5 },
    inbox: { maxBytes: 4 * KIB, maxAgeMs: DAY_MS },
    events: { maxBytes: 4 * KIB, maxAgeMs: DAY_MS },
    deadLetter: { maxBytes: 4 * KIB, maxAgeMs: DAY_MS },
    ...over,
  };
}

async function publishError(js: JetStreamClient, subject: string, data: Uint8Array): Promise<unknown> {
  try {
    await js.publish(subject, data);
    return null;
  } catch (err) {
    return err;
  }
}

describe('stream limits on a real NATS server', () => {
  let nc: NatsConnection;
  let jsm: JetStreamManager;
  let js: JetStreamClient;
  const made: Topology[] = [];
  const fresh = () => {
    const t = topology(`t${randomBytes(4).toString('hex')}`);
    made.push(t);
    return t;
  };

  beforeAll(async () => {
    nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'stream-limits-int');
    jsm = await jetstreamManager(nc);
    js = jetstream(nc);
  });
  afterAll(async () => {
    for (const t of made) await destroyTopology(nc, t);
    await nc.drain();
  });

  it('a full stream refuses the new publish and keeps every stored message (discard new)', async () => {
    const topo = fresh();
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits() });
    const subject = topo.inboxSubject('000.00.01.H41');
    let stored = 0;
    let refused: unknown = null;
    while (!refused) {
      refused = await publishError(js, subject, new Uint8Array(500).fill(stored));
      if (!refused) stored++;
    }
    expect(streamLimitHit(refused)).toBe('bytes');
    const info = await jsm.streams.info(topo.streams.inbox);
    expect(info.config.discard).toBe('new');
    // nothing was deleted to make room: the first message is still there, and all of them
    expect(info.state.messages).toBe(stored);
    expect(info.state.first_seq).toBe(1);
    expect((await jsm.streams.getMessage(topo.streams.inbox, { seq: 1 }))!.data[0]).toBe(0);
  });

  it("caps one agency's backlog in the submit stream without refusing the others", async () => {
    const topo = fresh();
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits() });
    const flooder = topo.submitSubject('000.00.01.H41');
    for (let i = 0; i < 5; i++) await js.publish(flooder, new Uint8Array(10));
    const err = await publishError(js, flooder, new Uint8Array(10));
    expect(streamLimitHit(err)).toBe('messages-per-subject');
    await expect(js.publish(topo.submitSubject('000.00.02.H41'), new Uint8Array(10))).resolves.toMatchObject({ seq: 6 });
    const info = await jsm.streams.info(topo.streams.submit);
    expect(info.state.messages).toBe(6);
    expect(info.config).toMatchObject({ max_msgs_per_subject: 5, discard_new_per_subject: true, discard: 'new', max_age: 0 });
  });

  it('updates the limits of existing streams idempotently and never below what they hold', async () => {
    const topo = fresh();
    // a stream as older versions made it: no limits, discard old
    await jsm.streams.add({ name: topo.streams.deadLetter, subjects: [topo.deadLetterWildcard], storage: 'memory' as never, discard: 'old' as never });
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits() });
    let info = await jsm.streams.info(topo.streams.deadLetter);
    expect(info.config).toMatchObject({ discard: 'new', max_bytes: 4 * KIB, max_age: DAY_MS * 1e6 });

    // the same limits again change nothing, and send no update request at all
    const updates = nc.subscribe('$JS.API.STREAM.UPDATE.*');
    const updated: string[] = [];
    void (async () => {
      for await (const m of updates) if (m.subject.includes(`.${topo.ns.toUpperCase()}_`)) updated.push(m.subject);
    })();
    await nc.flush();
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits() });
    await nc.flush();
    expect(updated).toEqual([]);
    // (the subscription does see updates: a changed limit is one)
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits({ events: { maxBytes: 8 * KIB, maxAgeMs: DAY_MS } }) });
    await nc.flush();
    updates.unsubscribe();
    expect(updated).toEqual([`$JS.API.STREAM.UPDATE.${topo.streams.events}`]);
    expect((await jsm.streams.info(topo.streams.deadLetter)).config).toEqual(info.config);

    // lowered below what the stream holds: kept at the stored amount, nothing deleted
    for (let i = 0; i < 6; i++) await js.publish(topo.deadLetterSubject('submit'), new Uint8Array(400));
    const held = (await jsm.streams.info(topo.streams.deadLetter)).state;
    const notes: string[] = [];
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits({ deadLetter: { maxBytes: 1 * KIB, maxAgeMs: DAY_MS } }), onNote: (n) => notes.push(n) });
    info = await jsm.streams.info(topo.streams.deadLetter);
    expect(info.state.messages).toBe(6);
    expect(info.state.first_seq).toBe(held.first_seq);
    expect(info.config.max_bytes).toBe(held.bytes);
    expect(notes).toEqual([expect.stringContaining(`${topo.streams.deadLetter}: max_bytes 1024 is below`)]);

    // a lowered backlog cap below one agency's backlog: kept at that backlog
    for (let i = 0; i < 4; i++) await js.publish(topo.submitSubject('000.00.01.H41'), new Uint8Array(10));
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits({ submit: { maxBytes: 4 * KIB, maxAgeMs: 0, maxMsgsPerSubject: 2 } }) });
    info = await jsm.streams.info(topo.streams.submit);
    expect(info.state.messages).toBe(4);
    expect(info.config.max_msgs_per_subject).toBe(4);

    // raised: applied as configured
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits({ inbox: { maxBytes: 64 * KIB, maxAgeMs: 2 * DAY_MS } }) });
    expect((await jsm.streams.info(topo.streams.inbox)).config).toMatchObject({ max_bytes: 64 * KIB, max_age: 2 * DAY_MS * 1e6 });
  });

  it('without configured limits creates small ones and leaves those of existing streams alone', async () => {
    const topo = fresh();
    await ensureTopology(nc, topo, { storage: 'memory' });
    expect((await jsm.streams.info(topo.streams.inbox)).config).toMatchObject({ max_bytes: DEV_STREAM_LIMITS.memory.inbox.maxBytes, discard: 'new' });
    await ensureTopology(nc, topo, { storage: 'memory', limits: tinyLimits() });
    await ensureTopology(nc, topo, { storage: 'memory' });
    await ensureTopology(nc, topo, { storage: 'memory', inboxMaxAgeDays: 3 });
    expect((await jsm.streams.info(topo.streams.submit)).config.max_bytes).toBe(4 * KIB);
    expect((await jsm.streams.info(topo.streams.inbox)).config).toMatchObject({ max_bytes: 4 * KIB, max_age: 3 * DAY_MS * 1e6 });
  });

  it('names the settings to change when the server cannot reserve max_bytes', async () => {
    const topo = fresh();
    const huge = tinyLimits({ inbox: { maxBytes: 2 ** 50, maxAgeMs: DAY_MS } });
    const err = await ensureTopology(nc, topo, { storage: 'memory', limits: huge }).catch((e) => e);
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'UNAVAILABLE', details: { stream: topo.streams.inbox } });
    expect(err.message).toMatch(/LT_INBOX_MAX_MB/);
  });
});
