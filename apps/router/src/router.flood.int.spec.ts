import { HEADERS, type Envelope, type FlattenedJws, type StatusBody } from '@lt/contracts';
import { base64urlDecode, signEnvelope } from '@lt/crypto';
import type { JsMsg } from '@lt/messaging';
import type { RouterService } from './index';
import { createHarness, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

/**
 * A flood from one agency does not hold back another: agency A publishes 2,000 submissions as
 * fast as it can, agency B sends 20 from the middle of the flood on. Measured by counts and by
 * order in the streams, not by time.
 */
const A = '000.00.00.H41';
const A_TO = '000.00.30.H41';
const B = '000.00.00.G12';
const B_TO = '000.00.18.G12';
const FLOOD = 2_000;
const B_DOCS = 20;
const RATE = 50;
const BURST = 200;

jest.setTimeout(60_000);

const header = (m: JsMsg, name: string) => m.headers?.get(name) ?? '';
const reasonOf = (m: JsMsg) => (JSON.parse(base64urlDecode(m.json<FlattenedJws>().payload).toString()) as Envelope<StatusBody>).body.reasonCode;

describe('a flood from one agency', () => {
  let h: Harness;
  let router: RouterService;
  const a = new Map<string, TestAgency>();

  beforeAll(async () => {
    h = await createHarness();
    for (const spec of [
      { code: A },
      { code: A_TO, tier: 'district' as const, parentCode: A },
      { code: B, tier: 'central' as const },
      { code: B_TO, tier: 'central' as const, parentCode: B },
    ]) {
      a.set(spec.code, testAgency(spec));
    }
    await h.putAgencies([...a.values()].map((x) => x.entry));
    router = await h.startRouter({ options: { submitRatePerSecond: RATE, submitBurst: BURST } });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it("is refused above its rate while every submission of the other agency is delivered, without waiting for the flood's backlog", async () => {
    const signed = (from: string, to: string) => {
      const env = documentEnvelope(from, [to]);
      return { id: env.id, bytes: Buffer.from(JSON.stringify(signEnvelope(env, a.get(from)!.signingKey, a.get(from)!.kid))) };
    };
    const flood = Array.from({ length: FLOOD }, () => signed(A, A_TO));
    const bDocs = Array.from({ length: B_DOCS }, () => signed(B, B_TO));

    // A: 256 publishes in flight; B starts once 1,000 of A's are in the submit stream
    const floodSeqs: number[] = [];
    let releaseB!: () => void;
    const halfway = new Promise<void>((r) => (releaseB = r));
    const started = Date.now();
    const sendFlood = (async () => {
      const inFlight: Promise<void>[] = [];
      for (const d of flood) {
        inFlight.push(
          h.submit(A, d.bytes, d.id).then((seq) => {
            floodSeqs.push(seq);
            if (floodSeqs.length === FLOOD / 2) releaseB();
          }),
        );
        if (inFlight.length >= 256) await inFlight.shift();
      }
      await Promise.all(inFlight);
    })();
    const bSeqs: number[] = [];
    const sendB = (async () => {
      await halfway;
      for (const d of bDocs) bSeqs.push(await h.submit(B, d.bytes, d.id));
    })();
    await Promise.all([sendFlood, sendB]);
    const floodSeconds = (Date.now() - started) / 1000;

    await h.waitFor('every submission answered', () => router.stats.delivered + router.stats.refused >= FLOOD + B_DOCS, 40_000);
    const all = (await h.readStream(h.topo.streams.inbox)).sort((x, y) => x.seq - y.seq);
    const copiesOfA = all.filter((m) => m.subject === h.topo.inboxSubject(A_TO));
    const copiesOfB = all.filter((m) => m.subject === h.topo.inboxSubject(B_TO));
    const refusalsToA = all.filter((m) => m.subject === h.topo.inboxSubject(A) && header(m, HEADERS.statusCode) === '02');

    // B: every document delivered once, none refused
    expect(new Set(copiesOfB.map((m) => header(m, HEADERS.envelopeId)))).toEqual(new Set(bDocs.map((d) => d.id)));
    expect(copiesOfB).toHaveLength(B_DOCS);
    expect(all.some((m) => m.subject === h.topo.inboxSubject(B) && header(m, HEADERS.statusCode) === '02')).toBe(false);

    // A: every submission answered exactly once, delivered or refused RATE_LIMITED; none lost
    const deliveredA = copiesOfA.map((m) => header(m, HEADERS.envelopeId));
    const refusedA = refusalsToA.map((m) => header(m, HEADERS.responseFor));
    expect(new Set([...deliveredA, ...refusedA])).toEqual(new Set(flood.map((d) => d.id)));
    expect(deliveredA.length + refusedA.length).toBe(FLOOD);
    expect(new Set(refusalsToA.map(reasonOf))).toEqual(new Set(['RATE_LIMITED']));
    // the limit engaged: at most the burst plus the rate over the time A spent publishing
    expect(deliveredA.length).toBeGreaterThanOrEqual(BURST);
    expect(deliveredA.length).toBeLessThanOrEqual(BURST + Math.ceil(RATE * floodSeconds) + 1);

    // B was not queued behind A's backlog: of the A submissions ahead of B's last one in the submit
    // stream, far fewer were routed in full (a copy stored before B's last copy) than were ahead
    const lastB = Math.max(...bSeqs);
    const aheadInSubmit = floodSeqs.filter((s) => s < lastB).length;
    const lastBCopy = Math.max(...copiesOfB.map((m) => m.seq));
    const aheadInInbox = copiesOfA.filter((m) => m.seq < lastBCopy).length;
    expect(aheadInSubmit).toBeGreaterThanOrEqual(FLOOD / 2);
    expect(aheadInInbox).toBeLessThanOrEqual(BURST + Math.ceil(RATE * floodSeconds) + 1);
    expect(aheadInInbox).toBeLessThan(aheadInSubmit);
    expect(router.stats).toMatchObject({ rateLimited: refusedA.length, deadLettered: 0 });
  });
});
