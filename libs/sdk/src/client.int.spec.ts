import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  HUB_KEYS_KV_KEY,
  LtError,
  codeToSubjectTokens,
  topology,
  type AgencyKvEntry,
  type DocumentBody,
  type RecallBody,
  type StatusBody,
} from '@lt/contracts';
import { context, ROOT_CONTEXT, trace, TraceFlags } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { LienThongClient, connect } from './client';
import { buildEnvelope, sealEnvelope } from './envelope-builder';
import { inboxDurableName } from './inbox-consumer';
import { hubKeysValue, makeHubKey, makeTestAgency, SAMPLE_BODY, type TestAgency } from './testing/fixtures';
import { MiniRouter } from './testing/mini-router';
import type { InboxMessage, InvalidInboxMessage, StatusUpdate } from './types';

/**
 * The SDK against a real NATS (127.0.0.1:4222) in a namespace of its own, with MiniRouter standing
 * in for apps/router (copies submissions into inboxes with the router's headers, verifies nothing).
 */
jest.setTimeout(60_000);

const NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const topo = topology(`t${randomBytes(4).toString('hex')}`);

const A = '000.00.00.H41'; // province
const B = '000.00.05.H41'; // district
const C = '000.00.07.H41'; // closed, successor B
const D = '000.00.09.H41'; // registered, but the router refuses it
const E = '000.00.13.H41'; // read by two successive clients
const F = '000.00.17.H41'; // its consumer state is lost (as after a nats-server kill -9)
const G = '000.00.19.H41'; // its application restarts, then its consumer state is lost
/** the clients' stateDir (handled-id registers), removed at the end */
const stateDir = mkdtempSync(join(tmpdir(), 'lt-sdk-int-'));

let admin: NatsConnection;
let router: MiniRouter;
let a: LienThongClient;
let b: LienThongClient;
let agencies: Record<string, TestAgency>;
const invalid: InvalidInboxMessage[] = [];
const statusesAtA: StatusUpdate[] = [];

/** Takes the next n valid messages from a client's inbox (stops iterating after them). */
async function take(client: LienThongClient, n: number): Promise<InboxMessage[]> {
  const out: InboxMessage[] = [];
  for await (const m of client.inbox({ batch: 16 })) {
    out.push(m);
    if (out.length === n) break;
  }
  return out;
}

/** Takes n messages and acks them. */
async function takeAndAck(client: LienThongClient, n: number): Promise<InboxMessage[]> {
  const msgs = await take(client, n);
  for (const m of msgs) await m.ack();
  return msgs;
}

function doc(subject: string): DocumentBody {
  return { ...SAMPLE_BODY, subject };
}

beforeAll(async () => {
  admin = await connectNats(NATS_URL, 'sdk-int-admin');
  await ensureTopology(admin, topo, { storage: 'memory' });
  agencies = {
    [A]: await makeTestAgency(A),
    [B]: await makeTestAgency(B, { parentCode: A, tier: 'district' }),
    [C]: await makeTestAgency(C, { parentCode: A, tier: 'district', status: 'closed' }),
    [D]: await makeTestAgency(D, { parentCode: A, tier: 'district' }),
    [E]: await makeTestAgency(E, { parentCode: A, tier: 'district' }),
    [F]: await makeTestAgency(F, { parentCode: A, tier: 'district' }),
    [G]: await makeTestAgency(G, { parentCode: A, tier: 'district' }),
  };
  agencies[C]!.entry.agency.successorCode = B;
  const hub = await makeHubKey();
  const kv = await openAgencyKv(admin, topo);
  for (const t of Object.values(agencies)) await kv.put(codeToSubjectTokens(t.code), JSON.stringify(t.entry));
  await kv.put(HUB_KEYS_KV_KEY, JSON.stringify(hubKeysValue(hub)));

  router = new MiniRouter(admin, topo, hub, new Map<string, AgencyKvEntry>(Object.values(agencies).map((t) => [t.code, t.entry])));
  await router.start();

  // A connects on its own connection with a JWK; B shares the admin connection
  a = await connect({
    natsUrl: NATS_URL,
    ns: topo.ns,
    agencyCode: A,
    privateJwk: agencies[A]!.privateJwk,
    keyId: agencies[A]!.keyId,
    stateDir,
    onStatus: (u) => statusesAtA.push(u),
  });
  b = await connect({
    nc: admin,
    ns: topo.ns,
    agencyCode: B,
    privateJwk: agencies[B]!.privateJwk,
    keyId: agencies[B]!.keyId,
    stateDir,
    onInvalid: (m) => invalid.push(m),
  });
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await router?.stop();
  if (admin) {
    await destroyTopology(admin, topo);
    await admin.close();
  }
  rmSync(stateDir, { recursive: true, force: true });
});

describe('connect', () => {
  it('loads the directory from KV and creates the inbox consumer', async () => {
    expect(a.directory.size).toBe(7);
    expect(a.directory.agency(C)?.successorCode).toBe(B);
    expect(a.directory.hubKids()).toHaveLength(1);
    const info = await (await jetstreamManager(admin)).consumers.info(topo.streams.inbox, inboxDurableName(A));
    expect(info.config).toMatchObject({ filter_subject: topo.inboxSubject(A), ack_policy: 'explicit', max_deliver: -1 });
  });

  it('sees directory changes through the watch, without reconnecting', async () => {
    const kv = await openAgencyKv(admin, topo);
    const e = await makeTestAgency('000.00.11.H41', { parentCode: A, tier: 'district' });
    await kv.put(codeToSubjectTokens(e.code), JSON.stringify(e.entry));
    while (!a.directory.has(e.code)) await new Promise((r) => setTimeout(r, 20));
    await kv.delete(codeToSubjectTokens(e.code));
    while (a.directory.has(e.code)) await new Promise((r) => setTimeout(r, 20));
    expect(a.directory.kidsOf(e.code)).toEqual([]);
  });

  it('refuses a key that does not belong to the agency code at send time', async () => {
    const wrong = await connect({ nc: admin, ns: topo.ns, agencyCode: A, privateJwk: agencies[B]!.privateJwk, keyId: agencies[A]!.keyId, ensureInbox: false });
    try {
      await expect(wrong.sendDocument({ to: [B], body: doc('x') })).rejects.toMatchObject({ code: 'BAD_SIGNATURE' });
    } finally {
      await wrong.close();
    }
    expect(admin.isClosed()).toBe(false);
  });
});

describe('document, arrival and processing statuses', () => {
  it('send -> verified in the inbox -> ack sends 01 -> the sender tracks 01, then 03 and 06', async () => {
    const sent = await a.sendDocument({ to: [B], body: doc('Công văn số 1') });
    expect(sent.seq).toBeGreaterThan(0);
    expect(sent.duplicate).toBe(false);

    const [got] = await take(b, 1);
    expect(got).toMatchObject({ id: sent.id, from: A, kind: 'document', hubSigned: false, redelivered: false, deliveryCount: 1 });
    expect(got!.envelope).toEqual(sent.envelope);
    expect(got!.headers['Lt-To']).toBe(B);
    await got!.ack();

    const [arrived] = await takeAndAck(a, 1);
    expect(arrived).toMatchObject({ kind: 'status', from: B });
    expect(arrived!.envelope.body).toMatchObject({ responseFor: sent.id, statusCode: '01' });
    expect(a.tracking(sent.id).get(B)?.code).toBe('01');

    await b.sendStatus(got!, '03', { description: 'Đã vào sổ', staffInfo: { department: 'Văn thư' } });
    await b.sendStatus(got!, '06');
    await takeAndAck(a, 2);
    const t = a.tracking(sent.id).get(B)!;
    expect(t.code).toBe('06');
    expect(t.history.map((h) => h.code)).toEqual(['01', '03', '06']);
    expect(t.history[1]!.description).toBe('Đã vào sổ');
    expect(statusesAtA.filter((u) => u.docId === sent.id).map((u) => u.code)).toEqual(['01', '03', '06']);
  });

  it('a re-send with the same id is a duplicate for the hub', async () => {
    const first = await a.sendDocument({ to: [B], body: doc('gửi lại') });
    const again = await a.sendDocument({ to: [B], body: doc('gửi lại'), id: first.id });
    expect(again).toMatchObject({ id: first.id, seq: first.seq, duplicate: true });
    await takeAndAck(b, 1);
    await takeAndAck(a, 1); // its 01
  });

  it('sends 01 once per document id, also when two copies arrive (one forwarded from a closed agency)', async () => {
    router.nextFlags = 'duplicate-number';
    const sent = await a.sendDocument({ to: [B, C], body: doc('hai bản') });
    const copies = await take(b, 2);
    expect(copies.map((m) => m.id)).toEqual([sent.id, sent.id]);
    expect(copies[0]!.flags).toEqual(['duplicate-number']);
    expect(copies.map((m) => m.forwardedFrom)).toEqual([undefined, C]);
    for (const m of copies) await m.ack();

    // the next status at A is the 01 of this document, and the one after is already the next document's
    const next = await a.sendDocument({ to: [B], body: doc('tiếp theo') });
    await takeAndAck(b, 1);
    const statuses = await takeAndAck(a, 2);
    expect(statuses.map((m) => (m.envelope.body as StatusBody).responseFor)).toEqual([sent.id, next.id]);
  });
});

describe('inbox delivery', () => {
  it('redelivers after nak, and marks the copy redelivered', async () => {
    const sent = await a.sendDocument({ to: [B], body: doc('nak me') });
    const [first] = await take(b, 1);
    first!.nak();
    const [second] = await take(b, 1);
    expect(second).toMatchObject({ id: sent.id, redelivered: true });
    expect(second!.deliveryCount).toBeGreaterThanOrEqual(2);
    await second!.ack();
    const [arrived] = await takeAndAck(a, 1);
    expect((arrived!.envelope.body as StatusBody).responseFor).toBe(sent.id);
  });

  it('never yields a copy altered in transit: onInvalid gets it (BAD_SIGNATURE) and it is term()ed', async () => {
    invalid.length = 0;
    router.tamperNextFor = B;
    const bad = await a.sendDocument({ to: [B], body: doc('sẽ bị sửa') });
    const good = await a.sendDocument({ to: [B], body: doc('nguyên vẹn') });
    const [got] = await takeAndAck(b, 1);
    expect(got!.id).toBe(good.id);
    expect(invalid).toHaveLength(1);
    expect(invalid[0]).toMatchObject({ action: 'term', deliveryCount: 1 });
    expect(invalid[0]!.error.code).toBe('BAD_SIGNATURE');
    expect(invalid[0]!.headers['Lt-Envelope-Id']).toBe(bad.id);
    // term()ed (before the confirmed ack of the good one, on the same connection): nothing is
    // left pending on B's consumer, so the altered copy will never be delivered again
    const info = await (await jetstreamManager(admin)).consumers.info(topo.streams.inbox, inboxDurableName(B));
    expect(info.num_ack_pending).toBe(0);
    expect(info.num_pending).toBe(0);
    const [arrived] = await takeAndAck(a, 1);
    expect((arrived!.envelope.body as StatusBody).responseFor).toBe(good.id);
  });

  it('retries a copy whose signing key is not in the directory, then refuses it (UNKNOWN_KEY)', async () => {
    invalid.length = 0;
    const stranger = await makeTestAgency('000.00.15.H41'); // never registered
    const forged = buildEnvelope(stranger.code, { kind: 'document', to: [B], body: doc('ai gửi?') }, new Date());
    await jetstream(admin).publish(topo.inboxSubject(B), sealEnvelope(forged, stranger.signer, stranger.kid).bytes, { msgID: `${forged.id}:${B}` });
    const next = take(b, 1);
    // nak'ed with a growing delay (the directory may be behind), refused at the third delivery
    while (!invalid.some((m) => m.action === 'term')) await new Promise((r) => setTimeout(r, 50));
    expect(invalid.map((m) => [m.action, m.error.code, m.deliveryCount])).toEqual([
      ['nak', 'UNKNOWN_KEY', 1],
      ['nak', 'UNKNOWN_KEY', 2],
      ['term', 'UNKNOWN_KEY', 3],
    ]);
    const sent = await a.sendDocument({ to: [B], body: doc('sau thư lạ') });
    const [got] = await next;
    expect(got!.id).toBe(sent.id);
    await got!.ack();
    await takeAndAck(a, 1);
  });

  it('drains a batch without follow and stops when the inbox is empty', async () => {
    const results = await a.sendDocumentBatch(
      Array.from({ length: 150 }, (_, i) => ({ to: [B], body: doc(`lô ${i}`) })),
      { window: 32 },
    );
    expect(new Set(results.map((r) => r.seq)).size).toBe(150);
    const got: string[] = [];
    for await (const m of b.inbox({ follow: false, batch: 64 })) {
      got.push(m.id);
      await m.ack();
    }
    expect(got.sort()).toEqual(results.map((r) => r.id).sort());
    const arrivals: string[] = [];
    for await (const m of a.inbox({ follow: false, batch: 64 })) {
      arrivals.push((m.envelope.body as StatusBody).responseFor);
      await m.ack();
    }
    expect(arrivals.sort()).toEqual(results.map((r) => r.id).sort());
  });

  it('a loop that stops early leaves the messages it pulled to the next loop, in order', async () => {
    const sent: string[] = [];
    for (const i of [1, 2, 3]) sent.push((await a.sendDocument({ to: [B], body: doc(`ba ${i}`) })).id);
    const [first] = await takeAndAck(b, 1); // the pull request asked for 16: two more arrive after the loop stopped
    const rest = await takeAndAck(b, 2);
    expect([first!.id, ...rest.map((m) => m.id)]).toEqual(sent);
    await takeAndAck(a, 3);
  });

  it('close() gives back what it pulled but did not hand out: the next connection gets it', async () => {
    // short ack wait: if a copy is in flight at close, the server only gives it back after ack wait
    const opts = {
      nc: admin,
      ns: topo.ns,
      agencyCode: E,
      privateJwk: agencies[E]!.privateJwk,
      keyId: agencies[E]!.keyId,
      autoArrived: false,
      inboxConsumer: { ackWaitMs: 2_000 },
      stateDir,
    };
    const e1 = await connect(opts);
    const sent: string[] = [];
    for (const i of [1, 2, 3]) sent.push((await a.sendDocument({ to: [E], body: doc(`cho E ${i}`) })).id);
    const [first] = await takeAndAck(e1, 1);
    expect(first!.id).toBe(sent[0]);
    await e1.close();
    const e2 = await connect(opts);
    try {
      // at-least-once: a copy may come twice (nats-server 2.9 around a closed pull request)
      const seen = new Set<string>();
      for await (const m of e2.inbox({ batch: 16 })) {
        seen.add(m.id);
        await m.ack();
        if (seen.size === 2) break;
      }
      expect([...seen].sort()).toEqual(sent.slice(1).sort());
    } finally {
      await e2.close();
    }
  });
});

describe('a copy delivered again after its ack was confirmed', () => {
  it('is acked again, not handed to the application twice (the server lost the consumer state)', async () => {
    // in memory only: this test is about the register of one running client, not a restart
    const f = await connect({ nc: admin, ns: topo.ns, agencyCode: F, privateJwk: agencies[F]!.privateJwk, keyId: agencies[F]!.keyId, autoArrived: false, stateDir: false });
    try {
      const first = await a.sendDocument({ to: [F], body: doc('đã nhận') });
      const [got] = await takeAndAck(f, 1);
      expect(got!.id).toBe(first.id);
      // what a lost consumer state looks like from the client: the server starts the durable again
      // from the stream's beginning and hands over the copy that was already acked
      const jsm = await jetstreamManager(admin);
      const cfg = (await jsm.consumers.info(topo.streams.inbox, inboxDurableName(F))).config;
      await jsm.consumers.delete(topo.streams.inbox, inboxDurableName(F));
      await jsm.consumers.add(topo.streams.inbox, cfg);
      expect((await jsm.consumers.info(topo.streams.inbox, inboxDurableName(F))).num_pending).toBe(1);

      const second = await a.sendDocument({ to: [F], body: doc('mới') });
      const [next] = await takeAndAck(f, 1);
      expect(next!.id).toBe(second.id);
      // the old copy was acked again on the way: nothing is left for the server to redeliver
      const info = await jsm.consumers.info(topo.streams.inbox, inboxDurableName(F));
      expect(info.num_pending).toBe(0);
      expect(info.num_ack_pending).toBe(0);
    } finally {
      await f.close();
    }
  });
});

describe('across a restart of the application', () => {
  it('a copy acked before the restart and delivered again after it is acked again, not handed over', async () => {
    const gDir = join(stateDir, 'g');
    const opts = { nc: admin, ns: topo.ns, agencyCode: G, privateJwk: agencies[G]!.privateJwk, keyId: agencies[G]!.keyId, autoArrived: false as const, stateDir: gDir };
    const g1 = await connect(opts);
    const first = await a.sendDocument({ to: [G], body: doc('trước khi khởi động lại') });
    try {
      const [got] = await takeAndAck(g1, 1);
      expect(got!.id).toBe(first.id);
    } finally {
      await g1.close();
    }
    // the server loses the consumer state while the application is down
    const jsm = await jetstreamManager(admin);
    const cfg = (await jsm.consumers.info(topo.streams.inbox, inboxDurableName(G))).config;
    await jsm.consumers.delete(topo.streams.inbox, inboxDurableName(G));
    await jsm.consumers.add(topo.streams.inbox, cfg);

    const g2 = await connect(opts);
    try {
      const second = await a.sendDocument({ to: [G], body: doc('sau khi khởi động lại') });
      const [next] = await takeAndAck(g2, 1);
      expect(next!.id).toBe(second.id);
      const info = await jsm.consumers.info(topo.streams.inbox, inboxDurableName(G));
      expect([info.num_pending, info.num_ack_pending]).toEqual([0, 0]);
    } finally {
      await g2.close();
    }
  });

  it('a validly signed copy for another agency, put into this inbox, is refused (FORBIDDEN not_addressed)', async () => {
    invalid.length = 0;
    // signed by A for D, published into B's inbox by someone able to write there
    const env = buildEnvelope(A, { kind: 'document', to: [D], body: doc('không phải cho B') }, new Date());
    await jetstream(admin).publish(topo.inboxSubject(B), sealEnvelope(env, agencies[A]!.signer, agencies[A]!.kid).bytes, { msgID: `${env.id}:${B}` });
    const sent = await a.sendDocument({ to: [B], body: doc('cho B') });
    const [got] = await takeAndAck(b, 1);
    expect(got!.id).toBe(sent.id);
    expect(invalid.map((m) => [m.action, m.error.code, m.error.details?.reason])).toEqual([['term', 'FORBIDDEN', 'not_addressed']]);
    await takeAndAck(a, 1);
  });
});

describe('recall, update, reply', () => {
  it('recall 13 -> the recipient agrees 15 -> the sender tracks 13 then 15', async () => {
    const sent = await a.sendDocument({ to: [B], body: doc('sẽ thu hồi') });
    await takeAndAck(b, 1);
    await takeAndAck(a, 1); // 01

    await a.recall(sent.id, { reason: 'Sai số ký hiệu' });
    expect(a.tracking(sent.id).get(B)?.code).toBe('13');
    const [recall] = await takeAndAck(b, 1);
    expect(recall).toMatchObject({ kind: 'recall', from: A });
    expect(recall!.envelope.body as RecallBody).toEqual({ responseFor: sent.id, reason: 'Sai số ký hiệu' });
    expect(() => b.answerRecall({ ...recall!, kind: 'document' }, true)).toThrow(LtError);

    await b.answerRecall(recall!, true, 'Đã hủy bản nhận');
    await takeAndAck(a, 1);
    const t = a.tracking(sent.id).get(B)!;
    expect(t.code).toBe('15');
    expect(t.history.map((h) => [h.code, h.local ?? false])).toEqual([
      ['01', false],
      ['13', true],
      ['15', false],
    ]);
  });

  it('update carries businessDocType 2 and the original id; a reply links the answered document', async () => {
    const sent = await a.sendDocument({ to: [B], body: doc('bản gốc') });
    await a.update(sent.id, { body: doc('bản cập nhật'), reason: 'bổ sung' });
    const [original, updated] = await takeAndAck(b, 2);
    expect((updated!.envelope.body as DocumentBody).business).toEqual({ businessDocType: 2, originalId: sent.id, businessDocReason: 'bổ sung' });

    const answer = await b.reply(original!, { body: { code: { codeNumber: '7', codeNotation: 'UBND' }, subject: 'Trả lời' } });
    const atA = await takeAndAck(a, 3); // 01, 01, and the reply
    const reply = atA.find((m) => m.kind === 'document')!;
    expect(reply.id).toBe(answer.id);
    expect((reply.envelope.body as DocumentBody).responseFor).toEqual([
      { organId: A, documentId: sent.id, code: '123/UBND-VP', promulgationDate: '2026-11-20' },
    ]);
    const [arrivedAtB] = await takeAndAck(b, 1);
    expect((arrivedAtB!.envelope.body as StatusBody).responseFor).toBe(answer.id);
  });
});

describe('refusals', () => {
  it('a hub-signed 02 in the sender inbox is verified and tracked under "hub"', async () => {
    router.refuse.add(D);
    const sent = await a.sendDocument({ to: [D], body: doc('không tới được') });
    const [refusal] = await takeAndAck(a, 1);
    expect(refusal).toMatchObject({ kind: 'status', hubSigned: true });
    expect(refusal!.kid.startsWith('hub#')).toBe(true);
    const t = a.tracking(sent.id).get('hub')!;
    expect(t).toMatchObject({ code: '02' });
    expect(t.history[0]!.reasonCode).toBe('UNKNOWN_RECIPIENT');
  });

  it('fails fast, before publishing, with the codes the router would use', async () => {
    const jsm = await jetstreamManager(admin);
    const lastSeq = async () => (await jsm.streams.info(topo.streams.submit)).state.last_seq;
    const before = await lastSeq();
    await expect(a.sendDocument({ to: ['000.00.99.H41'], body: doc('x') })).rejects.toMatchObject({ code: 'UNKNOWN_RECIPIENT' });
    await expect(a.sendDocument({ to: [B], body: { ...doc('x'), subject: '' } })).rejects.toMatchObject({
      code: 'SCHEMA_INVALID',
      details: { field: 'body.subject' },
    });
    await expect(a.sendStatus({ id: 'nope', from: B }, '03')).rejects.toMatchObject({ code: 'SCHEMA_INVALID', details: { field: 'body.responseFor' } });
    await expect(a.recall('0190f0e2-7c4b-7d2a-8a3e-5f6a7b8c9d0e')).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    // nothing reached the submit stream
    expect(await lastSeq()).toBe(before);
  });
});

describe('trace context', () => {
  it('writes a W3C traceparent on a submission sent under the application trace, and no header without one', async () => {
    const seen: string[] = [];
    // a plain subscription sees what the SDK publishes on its submit subject, headers included
    const sub = admin.subscribe(topo.submitSubject(A), { callback: (_err, m) => void seen.push(m.headers?.get('traceparent') ?? '') });
    await admin.flush();
    context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
    try {
      await a.sendDocument({ to: [B], body: doc('không có trace') });
      const app = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
      const appContext = trace.setSpanContext(ROOT_CONTEXT, { ...app, traceFlags: TraceFlags.SAMPLED, isRemote: false });
      await context.with(appContext, () => a.sendDocument({ to: [B], body: doc('trong trace của ứng dụng') }));
      await admin.flush();
      expect(seen).toHaveLength(2);
      // no trace in the application, none invented (the router starts one when the hub records spans)
      expect(seen[0]).toBe('');
      // no tracer registered: the SDK's span is the application's context itself, passed on
      expect(seen[1]).toBe(`00-${app.traceId}-${app.spanId}-01`);
      await takeAndAck(b, 2);
      await takeAndAck(a, 2); // their 01
    } finally {
      sub.unsubscribe();
      context.disable();
    }
  });
});
