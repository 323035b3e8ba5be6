import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { HEADERS, type Envelope, type FlattenedJws, type MsgRejectedData, type StatusBody } from '@lt/contracts';
import { base64urlDecode, signEnvelope } from '@lt/crypto';
import { streamLimitHit, type JsMsg } from '@lt/messaging';
import type { StreamLimits } from '@lt/platform';
import type { RouterService } from './index';
import { createHarness, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

const H41 = '000.00.00.H41';
const G12 = '000.00.00.G12';
const DISTRICT = '000.00.30.H41';
const COMMUNES = ['000.01.30.H41', '000.02.30.H41', '000.03.30.H41'];
const DAY_MS = 86_400_000;

jest.setTimeout(60_000);

const header = (m: JsMsg, name: string) => m.headers?.get(name) ?? '';
const statusBody = (m: JsMsg) => (JSON.parse(base64urlDecode(m.json<FlattenedJws>().payload).toString()) as Envelope<StatusBody>).body;

async function setUp(streamLimits?: StreamLimits): Promise<{ h: Harness; a: Map<string, TestAgency> }> {
  const h = await createHarness(streamLimits ? { streamLimits } : {});
  const a = new Map<string, TestAgency>();
  for (const spec of [
    { code: H41 },
    { code: G12, tier: 'central' as const },
    { code: DISTRICT, tier: 'district' as const, parentCode: H41 },
    ...COMMUNES.map((code) => ({ code, tier: 'commune' as const, parentCode: DISTRICT })),
  ]) {
    a.set(spec.code, testAgency(spec));
  }
  await h.putAgencies([...a.values()].map((x) => x.entry));
  return { h, a };
}

describe('router with a full inbox stream', () => {
  const FILLER = '000.00.77.H41';
  let h: Harness;
  let a: Map<string, TestAgency>;
  let router: RouterService;

  beforeAll(async () => {
    ({ h, a } = await setUp({
      submit: { maxBytes: 1024 * 1024, maxAgeMs: 0, maxMsgsPerSubject: 1000 },
      inbox: { maxBytes: 16 * 1024, maxAgeMs: DAY_MS },
      events: { maxBytes: 1024 * 1024, maxAgeMs: DAY_MS },
      deadLetter: { maxBytes: 1024 * 1024, maxAgeMs: DAY_MS },
    }));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('keeps the submission unacked past maxDeliver, never dead-letters it, and delivers it once there is room', async () => {
    // fill the inbox stream with copies for another agency, until the server refuses one
    const js = jetstream(h.nc);
    let refused: unknown = null;
    for (let i = 0; !refused && i < 1000; i++) {
      refused = await js.publish(h.topo.inboxSubject(FILLER), new Uint8Array(1000), { msgID: `filler-${i}` }).then(
        () => null,
        (e) => e,
      );
    }
    expect(streamLimitHit(refused)).toBe('bytes');

    router = await h.startRouter({ options: { maxDeliver: 2, nakBaseMs: 50, nakMaxMs: 100 } });
    const env = documentEnvelope(H41, [G12]);
    const bytes = Buffer.from(JSON.stringify(signEnvelope(env, a.get(H41)!.signingKey, a.get(H41)!.kid)));
    await h.submit(H41, bytes, env.id);

    // more deliveries than maxDeliver: a full stream is the hub's condition, not the submission's fault
    await h.waitFor('retries on the full inbox', () => router.stats.heldStreamFull >= 4);
    const jsm = await jetstreamManager(h.nc);
    expect((await jsm.streams.info(h.topo.streams.submit)).state.messages).toBe(1);
    expect(await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(G12))).toHaveLength(0);
    expect((await jsm.streams.info(h.topo.streams.deadLetter)).state.messages).toBe(0);
    expect(router.stats).toMatchObject({ deadLettered: 0, delivered: 0, refused: 0 });

    // room again (the filler copies read and gone): the submission is delivered, exactly once
    await jsm.streams.purge(h.topo.streams.inbox, { filter: h.topo.inboxSubject(FILLER) });
    await h.waitFor('delivery', async () => (await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(G12))).length > 0);
    const copies = await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(G12));
    expect(copies.map((m) => header(m, HEADERS.envelopeId))).toEqual([env.id]);
    expect(Buffer.from(copies[0]!.data).equals(bytes)).toBe(true);
    await h.waitFor('submission acked', async () => (await jsm.streams.info(h.topo.streams.submit)).state.messages === 0);
    expect(router.stats).toMatchObject({ deadLettered: 0, delivered: 1 });
  });
});

describe('router rate limit and broadcast cap', () => {
  let h: Harness;
  let a: Map<string, TestAgency>;
  let router: RouterService;
  const sign = (from: string, env: Envelope) => Buffer.from(JSON.stringify(signEnvelope(env, a.get(from)!.signingKey, a.get(from)!.kid)));
  const inbox = (code: string) => h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(code));

  beforeAll(async () => {
    ({ h, a } = await setUp());
    router = await h.startRouter({
      options: { submitRatePerSecond: 1, submitBurst: 3, broadcastCaps: { central: 100, province: 100, district: 2, commune: 1 } },
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('refuses an agency over its rate with a hub-signed RATE_LIMITED status and an event, acks it, and delivers the others', async () => {
    const envs = Array.from({ length: 8 }, () => documentEnvelope(H41, [G12]));
    const started = Date.now();
    await Promise.all(envs.map((e) => h.submit(H41, sign(H41, e), e.id)));
    const publishSeconds = (Date.now() - started) / 1000;
    await h.waitFor('every submission answered', () => router.stats.delivered + router.stats.refused === envs.length);

    const delivered = new Set((await inbox(G12)).map((m) => header(m, HEADERS.envelopeId)));
    const refusals = (await inbox(H41)).filter((m) => header(m, HEADERS.statusCode) === '02');
    const refusedIds = new Set(refusals.map((m) => header(m, HEADERS.responseFor)));
    // the burst of 3, plus at most one token per second the publishing took
    expect(delivered.size).toBeGreaterThanOrEqual(3);
    expect(delivered.size).toBeLessThanOrEqual(3 + Math.ceil(publishSeconds));
    expect(refusedIds.size).toBe(envs.length - delivered.size);
    expect(envs.every((e) => delivered.has(e.id) !== refusedIds.has(e.id))).toBe(true);
    for (const m of refusals) {
      expect(header(m, HEADERS.hubSigned)).toBe('1');
      expect(statusBody(m)).toMatchObject({ statusCode: '02', reasonCode: 'RATE_LIMITED' });
      expect(statusBody(m).description).toMatch(/more than 1 submissions per second \(bursts of 3\)/);
    }
    const events = (await h.readEvents('msg.rejected')).filter((e) => refusedIds.has(e.messageId ?? ''));
    expect(events).toHaveLength(refusedIds.size);
    expect(events.map((e) => (e.data as MsgRejectedData).reasonCode)).toEqual(events.map(() => 'RATE_LIMITED'));
    expect(events.every((e) => (e.data as MsgRejectedData).bounced)).toBe(true);
    // acked, not redelivered: nothing waits in the submit stream, nothing was retried
    const jsm = await jetstreamManager(h.nc);
    expect((await jsm.streams.info(h.topo.streams.submit)).state.messages).toBe(0);
    expect(router.stats).toMatchObject({ retried: 0, rateLimited: refusedIds.size });

    // the refused id was not recorded: once the agency has tokens again the same document goes through
    await new Promise((r) => setTimeout(r, 1_100));
    const again = envs.find((e) => refusedIds.has(e.id))!;
    await h.submit(H41, sign(H41, again), `${again.id}-again`);
    await h.waitFor('the refused document delivered', async () => (await inbox(G12)).some((m) => header(m, HEADERS.envelopeId) === again.id));
  });

  it('refuses a broadcast larger than the cap of the sender tier with BROADCAST_TOO_LARGE naming the count and the cap', async () => {
    const wide = documentEnvelope(DISTRICT, [{ childrenOf: DISTRICT, tier: 'commune' }]);
    const narrow = documentEnvelope(DISTRICT, [COMMUNES[0]!, COMMUNES[1]!]);
    await h.submit(DISTRICT, sign(DISTRICT, wide), wide.id);
    await h.submit(DISTRICT, sign(DISTRICT, narrow), narrow.id);
    await h.waitFor('narrow delivered', async () => (await inbox(COMMUNES[1]!)).some((m) => header(m, HEADERS.envelopeId) === narrow.id));
    await h.waitFor('wide refused', async () => (await inbox(DISTRICT)).some((m) => header(m, HEADERS.responseFor) === wide.id));
    const refusal = (await inbox(DISTRICT)).find((m) => header(m, HEADERS.responseFor) === wide.id)!;
    expect(statusBody(refusal)).toMatchObject({ statusCode: '02', reasonCode: 'BROADCAST_TOO_LARGE' });
    expect(statusBody(refusal).description).toMatch(/resolves to 3 recipients; a district-tier sender \(000\.00\.30\.H41\) may reach at most 2/);
    expect((await inbox(COMMUNES[2]!)).some((m) => header(m, HEADERS.envelopeId) === wide.id)).toBe(false);
  });
});
