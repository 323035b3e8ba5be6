import { HEADERS, type Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { connectNats, type JsMsg, type NatsConnection } from '@lt/messaging';
import type { CrashPoints } from './use-cases/route-submission/submission-processor';
import { createHarness, NATS_URL, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

const TOTAL = 2_000;
const CODES = ['000.00.00.H41', '000.00.00.H49', '000.00.00.G12', '000.00.18.G12', '000.00.00.K57'];

interface Workload {
  agencies: TestAgency[];
  /** every (envelope id, recipient) that must appear exactly once */
  expected: Set<string>;
  submissions: Array<{ from: string; id: string; bytes: Buffer }>;
}

function workload(): Workload {
  const agencies = CODES.map((code) => testAgency({ code }));
  const expected = new Set<string>();
  const submissions = Array.from({ length: TOTAL }, (_, i) => {
    const sender = agencies[i % agencies.length]!;
    const others = agencies.filter((a) => a !== sender);
    // one or two recipients each
    const to = i % 3 === 0 ? [others[i % others.length]!.code, others[(i + 1) % others.length]!.code] : [others[i % others.length]!.code];
    const env: Envelope = documentEnvelope(sender.code, to, { body: { code: { codeNumber: String(i), codeNotation: 'CRASH' }, subject: `document ${i}` } });
    for (const r of to) expected.add(`${env.id}:${r}`);
    return { from: sender.code, id: env.id, bytes: Buffer.from(JSON.stringify(signEnvelope(env, sender.signingKey, sender.kid))) };
  });
  return { agencies, expected, submissions };
}

async function publishAll(h: Harness, w: Workload): Promise<void> {
  for (let i = 0; i < w.submissions.length; i += 250) {
    await Promise.all(w.submissions.slice(i, i + 250).map((s) => h.submit(s.from, s.bytes, s.id)));
  }
}

/** Every inbox copy keyed by its message id, counted. */
async function inboxCounts(h: Harness): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const m of await h.readStream(h.topo.streams.inbox)) {
    const key = `${m.headers!.get(HEADERS.envelopeId)}:${m.headers!.get(HEADERS.to)}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  return counts;
}

async function expectExactlyOnce(h: Harness, w: Workload): Promise<void> {
  await h.waitFor('every copy', async () => (await inboxCounts(h)).size >= w.expected.size, 60_000);
  const counts = await inboxCounts(h);
  expect(counts.size).toBe(w.expected.size);
  expect([...counts.keys()].filter((k) => !w.expected.has(k))).toEqual([]);
  expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
  // a redelivery is not a replay, and nothing was refused or dead-lettered
  expect(await h.readEvents()).toEqual([]);
}

/**
 * A router whose connection drops at a crash point and never comes back: what a killed process
 * leaves behind (a committed register, maybe some publishes, no acks).
 */
async function crashingRouter(h: Harness, point: keyof CrashPoints, atBatch: number) {
  const nc: NatsConnection = await connectNats(NATS_URL, 'router-doomed');
  let batches = 0;
  let crashed!: () => void;
  const crashedP = new Promise<void>((r) => (crashed = r));
  let release!: (err: Error) => void;
  const frozen = new Promise<never>((_, reject) => (release = reject));
  frozen.catch(() => undefined);
  const hook = async (_batch: readonly JsMsg[]) => {
    if (++batches < atBatch) return;
    await nc.close();
    crashed();
    await frozen; // the process is dead: nothing after this point runs
  };
  const router = await h.startRouter({ nc, crashPoints: { [point]: hook }, options: { maxBatch: 100, ackWaitMs: 2_000 } });
  return {
    router,
    crashed: crashedP,
    async cleanup() {
      release(new Error('process was killed'));
      await router.stop().catch(() => undefined);
    },
  };
}

describe('router crash recovery: each document delivered exactly once', () => {
  let h: Harness;
  afterEach(async () => {
    await h?.close();
  });

  it.each([['afterRecord' as const], ['afterPublish' as const]])(
    'when the router dies %s in the middle of a batch',
    async (point) => {
      h = await createHarness();
      const w = workload();
      await h.putAgencies(w.agencies.map((a) => a.entry));
      const doomed = await crashingRouter(h, point, 3);
      await publishAll(h, w);
      await doomed.crashed;
      const survivor = await h.startRouter({ options: { maxBatch: 100, ackWaitMs: 2_000 } });
      await expectExactlyOnce(h, w);
      expect(survivor.stats.delivered).toBeGreaterThan(0);
      // the batch the first router recorded but never acked came back and was recognised as its own
      expect(survivor.stats.redelivered).toBeGreaterThan(0);
      await doomed.cleanup();
    },
    120_000,
  );

  it('when a router is stopped mid-stream and a new instance takes over', async () => {
    h = await createHarness();
    const w = workload();
    await h.putAgencies(w.agencies.map((a) => a.entry));
    const first = await h.startRouter({ options: { maxBatch: 100, ackWaitMs: 2_000 } });
    const publishing = publishAll(h, w);
    await h.waitFor('some routed', () => first.stats.delivered >= 300);
    await first.stop();
    const routedByFirst = first.stats.delivered;
    await publishing;
    expect(routedByFirst).toBeLessThan(TOTAL);
    const second = await h.startRouter({ options: { maxBatch: 100, ackWaitMs: 2_000 } });
    await expectExactlyOnce(h, w);
    expect(second.stats.delivered).toBeGreaterThan(0);
  }, 120_000);
});
