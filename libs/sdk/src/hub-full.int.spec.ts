import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { HUB_KEYS_KV_KEY, LtError, codeToSubjectTokens, topology, uuidv7 } from '@lt/contracts';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import type { StreamLimits } from '@lt/platform';
import { connect, type LienThongClient } from './client';
import { hubKeysValue, makeHubKey, makeTestAgency, SAMPLE_BODY } from './testing/fixtures';

/**
 * The SDK against a submit stream at its limit (no router: submissions stay in the stream). A
 * refused publish is a coded HUB_FULL error, and the envelope it refused can be sent again later.
 */
jest.setTimeout(30_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const topo = topology(`t${randomBytes(4).toString('hex')}`);
const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.07.H41';
const DAY_MS = 86_400_000;
const stateDir = mkdtempSync(join(tmpdir(), 'lt-sdk-full-'));
const LIMITS: StreamLimits = {
  // a backlog of 3 submissions per agency; the bytes hold a dozen signed documents
  submit: { maxBytes: 16 * 1024, maxAgeMs: 0, maxMsgsPerSubject: 3 },
  inbox: { maxBytes: 64 * 1024, maxAgeMs: DAY_MS },
  events: { maxBytes: 64 * 1024, maxAgeMs: DAY_MS },
  deadLetter: { maxBytes: 64 * 1024, maxAgeMs: DAY_MS },
};

let admin: NatsConnection;
let a: LienThongClient;
let c: LienThongClient;

beforeAll(async () => {
  admin = await connectNats(NATS_URL, 'sdk-full-admin');
  await ensureTopology(admin, topo, { storage: 'memory', limits: LIMITS });
  const agencies = [await makeTestAgency(A), await makeTestAgency(B, { parentCode: A, tier: 'district' }), await makeTestAgency(C, { parentCode: A, tier: 'district' })];
  const kv = await openAgencyKv(admin, topo);
  for (const t of agencies) await kv.put(codeToSubjectTokens(t.code), JSON.stringify(t.entry));
  await kv.put(HUB_KEYS_KV_KEY, JSON.stringify(hubKeysValue(await makeHubKey())));
  const client = (i: number) => connect({ nc: admin, ns: topo.ns, agencyCode: agencies[i]!.code, privateJwk: agencies[i]!.privateJwk, keyId: agencies[i]!.keyId, stateDir });
  a = await client(0);
  c = await client(2);
});

afterAll(async () => {
  await a?.close();
  await c?.close();
  if (admin) {
    await destroyTopology(admin, topo);
    await admin.close();
  }
  rmSync(stateDir, { recursive: true, force: true });
});

describe('a hub that refuses new submissions', () => {
  it("refuses an agency over its backlog with HUB_FULL, keeps what it accepted, and takes the refused envelope once there is room", async () => {
    for (let i = 0; i < 3; i++) await a.sendDocument({ to: [B], body: SAMPLE_BODY });
    const id = uuidv7();
    const err = await a.sendDocument({ to: [B], body: SAMPLE_BODY, id }).catch((e) => e);
    expect(err).toBeInstanceOf(LtError);
    expect(err).toMatchObject({ code: 'HUB_FULL', details: { envelopeId: id, limit: 'messages-per-subject' } });
    expect(err.message).toMatch(/^the hub refuses new submissions: this agency has too many submissions waiting to be routed/);

    // the router takes one (work queue: acked = removed); the refused envelope now goes through
    await (await jetstreamManager(admin)).consumers.add(topo.streams.submit, { durable_name: 'drain', ack_policy: AckPolicy.Explicit, filter_subject: topo.submitSubject(A) });
    const consumer = await jetstream(admin).consumers.get(topo.streams.submit, 'drain');
    const m = await consumer.next({ expires: 2_000 });
    await m!.ackAck();
    const again = await a.sendDocument({ to: [B], body: SAMPLE_BODY, id });
    // not a duplicate: the refused publish left nothing behind, not even its message id
    expect(again).toMatchObject({ id, duplicate: false });
  });

  it('refuses every agency with HUB_FULL once the stream is at its size limit', async () => {
    // no backlog cap any more: only the byte limit can stop C
    await ensureTopology(admin, topo, { storage: 'memory', limits: { ...LIMITS, submit: { ...LIMITS.submit, maxMsgsPerSubject: 0 } } });
    let sent = 0;
    let err: unknown;
    while (!err && sent < 50) {
      err = await c.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'x'.repeat(500) } }).then(
        () => void sent++,
        (e) => e,
      );
    }
    expect(sent).toBeGreaterThan(0);
    expect(err).toMatchObject({ code: 'HUB_FULL', details: { limit: 'bytes' } });
    expect((err as Error).message).toMatch(/^the hub refuses new submissions: the submit stream is at its size limit/);
  });
});
