import { jetstream } from '@nats-io/jetstream';
import { uuidv7, type DocumentBody, type HubEvent, type MsgRejectedData } from '@lt/contracts';
import { importPrivateKey, signEnvelope } from '@lt/crypto';
import type { LienThongClient } from '@lt/sdk';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { HubHarness, waitFor } from '../support/hub-harness';
import { agencyClient, receive, registerKey, seedDemoDirectory } from '../support/agencies';

/**
 * Issue 2/5 acceptance: signed documents from a province to districts and, by selector, to every
 * commune of a district; statuses back to the sender; recall; and each refusal's outcome — with
 * the real registry, router and gateway processes on real NATS and PostgreSQL.
 */
const PROVINCE = '000.00.00.H41';
const DISTRICTS = ['000.00.30.H41', '000.00.31.H41', '000.00.32.H41'];
const COMMUNES_OF_NGHI_LOC = ['000.01.31.H41', '000.02.31.H41', '000.03.31.H41'];

function doc(subject: string, n = 1): DocumentBody {
  return { code: { codeNumber: String(n), codeNotation: 'UBND-VP' }, subject, otherInfo: { priority: 0 } };
}

describe('signed document exchange end to end', () => {
  const hub = new HubHarness();
  const keys = new Map<string, KeyFile>();
  const clients = new Map<string, LienThongClient>();
  const client = (code: string) => clients.get(code)!;

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    await seedDemoDirectory(hub);
    for (const code of [PROVINCE, ...DISTRICTS, ...COMMUNES_OF_NGHI_LOC, '000.00.00.H49']) keys.set(code, await registerKey(hub, code));
    await hub.start('router');
    for (const [code, key] of keys) clients.set(code, await agencyClient(hub, code, key));
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.close().catch(() => undefined);
    await hub.teardown();
  });

  async function events(type: string): Promise<HubEvent[]> {
    const jsm = await jetstream(hub.nc).jetstreamManager();
    const out: HubEvent[] = [];
    const info = await jsm.streams.info(hub.topo.streams.events);
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(hub.topo.streams.events, { seq }).catch(() => null);
      if (m && m.subject === hub.topo.eventSubject(type)) out.push(m.json<HubEvent>());
    }
    return out;
  }

  it('delivers a province document to three districts and, by selector, to every commune of one district, once each', async () => {
    const toDistricts = await client(PROVINCE).sendDocument({ to: DISTRICTS, body: doc('Về việc triển khai Nghị định 30/2020/NĐ-CP', 101) });
    const toCommunes = await client(PROVINCE).sendDocument({ to: [{ childrenOf: '000.00.31.H41', tier: 'commune' }], body: doc('Kế hoạch chuyển đổi số cấp xã', 102) });
    for (const d of DISTRICTS) {
      const [m] = await receive(client(d), 1, 20_000, (x) => x.kind === 'document');
      expect(m!.id).toBe(toDistricts.id);
      expect(m!.from).toBe(PROVINCE);
      expect((m!.envelope.body as DocumentBody).subject).toBe('Về việc triển khai Nghị định 30/2020/NĐ-CP');
    }
    for (const c of COMMUNES_OF_NGHI_LOC) {
      const [m] = await receive(client(c), 1, 20_000, (x) => x.kind === 'document');
      expect(m!.id).toBe(toCommunes.id);
      expect(m!.headers['Lt-To']).toBe(c);
    }
    // acking sent 01 (arrived) from each of the six receivers; the sender learns them from its inbox
    const ids = new Set([toDistricts.id, toCommunes.id]);
    await receive(client(PROVINCE), 6, 20_000, (x) => x.kind === 'status' && ids.has((x.envelope.body as { responseFor: string }).responseFor));
    expect([...client(PROVINCE).tracking(toCommunes.id).keys()].sort()).toEqual([...COMMUNES_OF_NGHI_LOC].sort());
    const statuses = [...client(PROVINCE).tracking(toDistricts.id).entries()].filter(([, t]) => t.code === '01').map(([r]) => r).sort();
    expect(statuses).toEqual([...DISTRICTS].sort());
  });

  it('lets a commune answer 03 then 06 and the sender sees both; a recall is agreed with 15', async () => {
    const commune = COMMUNES_OF_NGHI_LOC[0]!;
    const sent = await client(PROVINCE).sendDocument({ to: [commune], body: doc('Báo cáo kết quả cải cách hành chính', 103) });
    const [m] = await receive(client(commune), 1, 20_000, (x) => x.id === sent.id);
    await client(commune).sendStatus(m!, '03', { description: 'Đã vào sổ' });
    await client(commune).sendStatus(m!, '06', { description: 'Đã hoàn thành' });
    await receive(client(PROVINCE), 3, 20_000, (x) => x.kind === 'status' && (x.envelope.body as { responseFor: string }).responseFor === sent.id);
    const history = client(PROVINCE).tracking(sent.id).get(commune)!.history.map((h) => h.code);
    expect(history).toEqual(expect.arrayContaining(['01', '03', '06']));
    expect(client(PROVINCE).tracking(sent.id).get(commune)!.code).toBe('06');

    const recall = await client(PROVINCE).recall(sent.id, { reason: 'Ban hành nhầm', to: [commune] });
    const [r] = await receive(client(commune), 1, 20_000, (x) => x.kind === 'recall');
    expect(r!.id).toBe(recall.id);
    await client(commune).answerRecall(r!, true, 'Đồng ý thu hồi');
    await receive(client(PROVINCE), 1, 20_000, (x) => x.kind === 'status' && (x.envelope.body as { statusCode: string }).statusCode === '15');
    expect(client(PROVINCE).tracking(sent.id).get(commune)!.code).toBe('15');
  });

  it('refuses an unknown recipient and a closed agency without successor with a hub-signed 02; forwards to a successor', async () => {
    const sender = await agencyClient(hub, PROVINCE, keys.get(PROVINCE)!, { preflight: false });
    try {
      const unknown = await sender.sendDocument({ to: ['000.00.77.H41'], body: doc('Gửi nhầm', 104) });
      const [refusal] = await receive(client(PROVINCE), 1, 20_000, (x) => x.hubSigned && (x.envelope.body as { responseFor?: string }).responseFor === unknown.id);
      expect(refusal!.envelope.body).toMatchObject({ statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT' });

      // Nghi Thái closes without a successor; Quán Hành closes into Nghi Phong
      expect((await hub.http('POST', '/v1/agencies/000.02.31.H41/close', { body: { reason: 'giải thể' } })).status).toBe(201);
      expect((await hub.http('POST', '/v1/agencies/000.03.31.H41/close', { body: { reason: 'sáp nhập', successorCode: '000.01.31.H41' } })).status).toBe(201);
      await new Promise((r) => setTimeout(r, 500)); // KV watch propagation to the router
      const toClosed = await sender.sendDocument({ to: ['000.02.31.H41'], body: doc('Gửi xã đã giải thể', 105) });
      const [closedRefusal] = await receive(client(PROVINCE), 1, 20_000, (x) => x.hubSigned && (x.envelope.body as { responseFor?: string }).responseFor === toClosed.id);
      expect(closedRefusal!.envelope.body).toMatchObject({ statusCode: '02', reasonCode: 'AGENCY_CLOSED' });

      const toMerged = await sender.sendDocument({ to: ['000.03.31.H41'], body: doc('Gửi thị trấn đã sáp nhập', 106) });
      const [forwarded] = await receive(client('000.01.31.H41'), 1, 20_000, (x) => x.id === toMerged.id);
      expect(forwarded!.forwardedFrom).toBe('000.03.31.H41');
    } finally {
      await sender.close();
    }
  });

  it('records unauthenticated forgeries without bouncing them, refuses revoked keys, ignores replays, survives malformed and oversized input', async () => {
    const js = jetstream(hub.nc);
    const subject = hub.topo.submitSubject('000.00.00.H49');
    const forger = importPrivateKey(newEd25519KeyFile('forger').privateJwk, 'EdDSA');
    // forged: signed by a key that is not H49's registered key, under H49's kid
    const forgedId = uuidv7();
    const forged = signEnvelope({ id: forgedId, kind: 'document', from: '000.00.00.H49', to: [PROVINCE], issuedAt: new Date().toISOString(), body: doc('Giả mạo', 1) }, forger, '000.00.00.H49#k1');
    await js.publish(subject, JSON.stringify(forged), { msgID: forgedId });
    // unknown kid
    const unknownKidId = uuidv7();
    const unknownKid = signEnvelope({ id: unknownKidId, kind: 'document', from: '000.00.00.H49', to: [PROVINCE], issuedAt: new Date().toISOString(), body: doc('Khóa lạ', 2) }, forger, '000.00.00.H49#nokey');
    await js.publish(subject, JSON.stringify(unknownKid), { msgID: unknownKidId });
    // malformed JSON; an oversized message cannot even be published on a default server (1 MB
    // max_payload): the hostile corpus (test/e2e/hostile) covers PAYLOAD_TOO_LARGE on a 2 MB server
    await js.publish(subject, '{"protected": ', { msgID: uuidv7() });
    await expect(js.publish(subject, 'A'.repeat(1_100_000), { msgID: uuidv7() })).rejects.toThrow(/max_payload/);

    // earlier tests' refusals were bounced (authenticated senders); these three must not be
    const unbounced = await waitFor('three unauthenticated rejections', async () => {
      const evs = (await events('msg.rejected')).map((e) => e.data as unknown as MsgRejectedData).filter((r) => !r.bounced);
      return evs.length >= 3 ? evs : undefined;
    });
    expect(unbounced.map((r) => r.reasonCode).sort()).toEqual(['BAD_SIGNATURE', 'BAD_SIGNATURE', 'MALFORMED_JSON']);

    // a replay: the same signed bytes published again under a new JetStream message id
    const original = await client('000.00.00.H49').sendDocument({ to: [PROVINCE], body: doc('Bản gốc', 3) });
    await receive(client(PROVINCE), 1, 20_000, (x) => x.id === original.id);
    const bytes = await waitFor('the original inbox copy', async () => {
      const jsm = await js.jetstreamManager();
      return (await jsm.streams.getMessage(hub.topo.streams.inbox, { last_by_subj: hub.topo.inboxSubject(PROVINCE) }))?.data;
    });
    await js.publish(subject, bytes, { msgID: `replay-${original.id}` });
    await waitFor('a replay event', async () => (await events('msg.replayed')).some((e) => e.messageId === original.id) || undefined);
    // ... and no second copy reaches the province
    const again = await receive(client(PROVINCE), 1, 3_000, (x) => x.id === original.id).catch(() => []);
    expect(again).toHaveLength(0);

    // revoked key: H49 rotates out k1; its next message with k1 is refused KEY_REVOKED and bounced
    expect((await hub.http('POST', '/v1/agencies/000.00.00.H49/keys/k1/revoke', { body: { reason: 'lộ khóa' } })).status).toBe(201);
    await new Promise((r) => setTimeout(r, 500));
    const stale = await agencyClient(hub, '000.00.00.H49', keys.get('000.00.00.H49')!, { preflight: false });
    try {
      const afterRevoke = await stale.sendDocument({ to: [PROVINCE], body: doc('Sau thu hồi khóa', 4) });
      const ev = await waitFor('a KEY_REVOKED rejection', async () => (await events('msg.rejected')).find((e) => (e.data as unknown as MsgRejectedData).reasonCode === 'KEY_REVOKED'));
      expect(ev.data).toMatchObject({ bounced: true, reason: expect.stringContaining('000.00.00.H49#k1') });
      // the key's owner is told, with the refused document's id
      const [refusal] = await receive(stale, 1, 20_000, (x) => x.hubSigned && (x.envelope.body as { responseFor?: string }).responseFor === afterRevoke.id);
      expect(refusal!.envelope.body).toMatchObject({ statusCode: '02', reasonCode: 'KEY_REVOKED' });
    } finally {
      await stale.close();
    }
  });
});
