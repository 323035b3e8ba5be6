import { jetstreamManager } from '@nats-io/jetstream';
import { HEADERS, HUB_KEYS_KV_KEY, uuidv7, validateStatusBody, type Envelope, type FlattenedJws, type MsgRejectedData, type PublishedHubKeysDocument } from '@lt/contracts';
import { base64urlDecode, importPublicKey, sha256Hex, signEnvelope } from '@lt/crypto';
import type { JsMsg } from '@lt/messaging';
import { DEAD_LETTER_HEADERS } from './adapters/jetstream-delivery';
import { DenyRulesPolicy } from './policy/deny-rules';
import type { RoutingPolicy } from './policy/routing-policy';
import type { RouterService } from './index';
import { createHarness, type Harness } from './testing/harness';
import { documentEnvelope, testAgency, type TestAgency } from './testing/fixtures';

const H41 = '000.00.00.H41';
const G12 = '000.00.00.G12';
const G12_TAX = '000.00.18.G12';
const H41_DISTRICT = '000.00.30.H41';
const H41_OLD_DISTRICT = '000.00.31.H41';

jest.setTimeout(60_000);

describe('router against real NATS and PostgreSQL', () => {
  let h: Harness;
  let router: RouterService;
  const a = new Map<string, TestAgency>();
  const agency = (code: string) => a.get(code)!;

  const sign = (from: string, env: Envelope) => Buffer.from(JSON.stringify(signEnvelope(env, agency(from).signingKey, agency(from).kid)));
  const inbox = (code: string) => h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(code));
  const header = (m: JsMsg, name: string) => m.headers?.get(name) ?? '';

  beforeAll(async () => {
    h = await createHarness();
    for (const spec of [
      { code: H41 },
      { code: G12, tier: 'central' as const },
      { code: G12_TAX, tier: 'central' as const, parentCode: G12 },
      { code: H41_DISTRICT, tier: 'district' as const, parentCode: H41 },
      { code: H41_OLD_DISTRICT, tier: 'district' as const, parentCode: H41, status: 'closed' as const, successorCode: H41_DISTRICT },
    ]) {
      a.set(spec.code, testAgency(spec));
    }
    await h.putAgencies([...a.values()].map((x) => x.entry));
    const deny = new DenyRulesPolicy([{ from: 'H41.>', to: '000.00.18.G12', kinds: ['recall'], reason: 'no recalls to the tax department' }]);
    router = await h.startRouter({ policy: deny, options: { maxDeliver: 2, nakBaseMs: 100, nakMaxMs: 200 } });
  }, 60_000);

  afterAll(async () => {
    await h?.close();
  });

  it('publishes the hub public keys into KV at boot, once', async () => {
    const entry = await h.kv.get(HUB_KEYS_KV_KEY);
    const doc = entry!.json<PublishedHubKeysDocument>();
    expect(doc.keys).toEqual(router.publishedKeys);
    expect(doc.keys).toMatchObject([{ kid: router.hubPublicKey.kid, purpose: 'envelope', status: 'active', publicJwk: { x: router.hubPublicKey.publicJwk.x } }]);
    // a second router with the same key leaves the entry as it is
    const second = await h.startRouter();
    await second.stop();
    expect((await h.kv.get(HUB_KEYS_KV_KEY))!.revision).toBe(entry!.revision);
  });

  it('fans a document out into each recipient inbox with the same signed bytes and every header', async () => {
    const env = documentEnvelope(H41, [G12, { childrenOf: H41, tier: 'district' }]);
    const bytes = sign(H41, env);
    const seq = await h.submit(H41, bytes, env.id);
    await h.waitFor('two copies', async () => (await inbox(G12)).length + (await inbox(H41_DISTRICT)).length >= 2);
    const [g12] = await inbox(G12);
    const [district] = await inbox(H41_DISTRICT);
    for (const [m, to] of [
      [g12!, G12],
      [district!, H41_DISTRICT],
    ] as const) {
      expect(Buffer.from(m.data).equals(bytes)).toBe(true);
      expect(header(m, HEADERS.msgId)).toBe(`${env.id}:${to}`);
      expect(header(m, HEADERS.envelopeId)).toBe(env.id);
      expect(header(m, HEADERS.from)).toBe(H41);
      expect(header(m, HEADERS.to)).toBe(to);
      expect(header(m, HEADERS.kind)).toBe('document');
      expect(header(m, HEADERS.kid)).toBe(agency(H41).kid);
      expect(header(m, HEADERS.issuedAt)).toBe(env.issuedAt);
      expect(header(m, HEADERS.digest)).toBe(sha256Hex(bytes));
      expect(header(m, HEADERS.submitSeq)).toBe(String(seq));
      expect(Date.parse(header(m, HEADERS.routedAt))).not.toBeNaN();
      expect(header(m, HEADERS.copies)).toBe('2');
      expect(header(m, HEADERS.forwardedFrom)).toBe('');
      expect(header(m, HEADERS.flags)).toBe('');
    }
    // a successful delivery emits no event: the copy is the fact
    expect((await h.readEvents()).filter((e) => e.messageId === env.id)).toEqual([]);
  });

  it('forwards a copy addressed to a closed agency to its successor, saying so', async () => {
    const env = documentEnvelope(H41, [H41_OLD_DISTRICT], { body: { code: { codeNumber: '2', codeNotation: 'UBND' }, subject: 'forward' } });
    await h.submit(H41, sign(H41, env), env.id);
    await h.waitFor('forwarded copy', async () => (await inbox(H41_DISTRICT)).some((m) => header(m, HEADERS.envelopeId) === env.id));
    const m = (await inbox(H41_DISTRICT)).find((x) => header(x, HEADERS.envelopeId) === env.id)!;
    expect(header(m, HEADERS.forwardedFrom)).toBe(H41_OLD_DISTRICT);
    expect(header(m, HEADERS.msgId)).toBe(`${env.id}:${H41_DISTRICT}`);
    expect(await inbox(H41_OLD_DISTRICT)).toEqual([]);
  });

  it('routes a status back to the document sender with responseFor and statusCode headers', async () => {
    const docId = uuidv7();
    const env = documentEnvelope(G12, [H41], { kind: 'status', body: { responseFor: docId, statusCode: '03' } });
    await h.submit(G12, sign(G12, env), env.id);
    await h.waitFor('status copy', async () => (await inbox(H41)).some((m) => header(m, HEADERS.envelopeId) === env.id));
    const m = (await inbox(H41)).find((x) => header(x, HEADERS.envelopeId) === env.id)!;
    expect(header(m, HEADERS.kind)).toBe('status');
    expect(header(m, HEADERS.responseFor)).toBe(docId);
    expect(header(m, HEADERS.statusCode)).toBe('03');
  });

  it('bounces a refusal as a hub-signed status 02 into the sender inbox and records it', async () => {
    const env = documentEnvelope(G12, ['000.00.00.H99'], { body: { code: { codeNumber: '3', codeNotation: 'BTC' }, subject: 'nobody' } });
    const bytes = sign(G12, env);
    const seq = await h.submit(G12, bytes, env.id);
    await h.waitFor('refusal', async () => (await inbox(G12)).some((m) => header(m, HEADERS.responseFor) === env.id));
    const m = (await inbox(G12)).find((x) => header(x, HEADERS.responseFor) === env.id)!;
    expect(header(m, HEADERS.hubSigned)).toBe('1');
    expect(header(m, HEADERS.statusCode)).toBe('02');
    expect(header(m, HEADERS.from)).toBe('000.00.00.G22');
    expect(header(m, HEADERS.to)).toBe(G12);
    expect(header(m, HEADERS.submitSeq)).toBe(String(seq));
    expect(header(m, HEADERS.msgId)).toBe(`${header(m, HEADERS.envelopeId)}:${G12}`);
    expect(header(m, HEADERS.digest)).toBe(sha256Hex(m.data));

    // the refusal verifies with the hub key agencies find in KV
    const jws = m.json<FlattenedJws>();
    const hubKeys = (await h.kv.get(HUB_KEYS_KV_KEY))!.json<PublishedHubKeysDocument>().keys;
    const protectedHeader = JSON.parse(base64urlDecode(jws.protected).toString());
    const hubKey = hubKeys.find((k) => k.kid === protectedHeader.kid)!;
    expect(hubKey).toBeDefined();
    expect(importPublicKey(hubKey.publicJwk, hubKey.alg).verify(Buffer.from(`${jws.protected}.${jws.payload}`), base64urlDecode(jws.signature))).toBe(true);
    const refusal = JSON.parse(base64urlDecode(jws.payload).toString()) as Envelope;
    expect(refusal).toMatchObject({ kind: 'status', from: '000.00.00.G22', to: [G12] });
    expect(validateStatusBody(refusal.body)).toMatchObject({ responseFor: env.id, statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT' });

    const [event] = (await h.readEvents('msg.rejected')).filter((e) => e.messageId === env.id);
    expect(event).toMatchObject({ type: 'msg.rejected', source: 'router', agencies: [G12] });
    expect(event!.data).toMatchObject({
      reasonCode: 'UNKNOWN_RECIPIENT',
      bounced: true,
      from: G12,
      kind: 'document',
      digest: sha256Hex(bytes),
      submitSeq: seq,
      envelopeId: env.id,
    });
  });

  it('refuses what a configured deny rule forbids with FORBIDDEN', async () => {
    const env = documentEnvelope(H41, [G12_TAX], { kind: 'recall', body: { responseFor: uuidv7(), reason: 'sent by mistake' } });
    await h.submit(H41, sign(H41, env), env.id);
    await h.waitFor('FORBIDDEN event', async () => (await h.readEvents('msg.rejected')).some((e) => e.messageId === env.id));
    const event = (await h.readEvents('msg.rejected')).find((e) => e.messageId === env.id)!;
    expect(event.data).toMatchObject({ reasonCode: 'FORBIDDEN', bounced: true });
    expect((event.data as unknown as MsgRejectedData).reason).toContain('no recalls to the tax department');
    expect((await inbox(G12_TAX)).filter((m) => header(m, HEADERS.envelopeId) === env.id)).toEqual([]);
  });

  it('records an unauthenticated forgery as an event only: nothing lands in any inbox', async () => {
    const forger = testAgency({ code: H41 }); // H41's kid, another private key
    const env = documentEnvelope(H41, [G12], { body: { code: { codeNumber: '4', codeNotation: 'X' }, subject: 'forged' } });
    const bytes = Buffer.from(JSON.stringify(signEnvelope(env, forger.signingKey, forger.kid)));
    const before = (await h.readStream(h.topo.streams.inbox)).length;
    const seq = await h.submit(H41, bytes, env.id);
    await h.waitFor('rejection event', async () => (await h.readEvents('msg.rejected')).some((e) => (e.data as unknown as MsgRejectedData).submitSeq === seq));
    const event = (await h.readEvents('msg.rejected')).find((e) => (e.data as unknown as MsgRejectedData).submitSeq === seq)!;
    expect(event.data).toMatchObject({ reasonCode: 'BAD_SIGNATURE', bounced: false, digest: sha256Hex(bytes) });
    expect(event.agencies).toEqual([H41]);
    expect((await h.readStream(h.topo.streams.inbox)).length).toBe(before);
  });

  it('ignores a replayed envelope (same bytes, new submission) and records it', async () => {
    const env = documentEnvelope(H41, [G12], { body: { code: { codeNumber: '5', codeNotation: 'UBND' }, subject: 'replayed' } });
    const bytes = sign(H41, env);
    const firstSeq = await h.submit(H41, bytes, env.id);
    await h.waitFor('first copy', async () => (await inbox(G12)).some((m) => header(m, HEADERS.envelopeId) === env.id));
    // a different Nats-Msg-Id gets past the submit stream's dedup window, as a replay after an hour would
    const replaySeq = await h.submit(H41, bytes, `${env.id}-again`);
    expect(replaySeq).not.toBe(firstSeq);
    await h.waitFor('replay event', async () => (await h.readEvents('msg.replayed')).some((e) => e.messageId === env.id));
    const event = (await h.readEvents('msg.replayed')).find((e) => e.messageId === env.id)!;
    expect(event.data).toMatchObject({ envelopeId: env.id, from: H41, submitSeq: replaySeq, firstSubmitSeq: firstSeq });
    expect((await inbox(G12)).filter((m) => header(m, HEADERS.envelopeId) === env.id)).toHaveLength(1);
    // nothing bounced for a replay either
    expect((await inbox(H41)).filter((m) => header(m, HEADERS.responseFor) === env.id)).toEqual([]);
  });

  it('refuses other bytes under an id already used with DUPLICATE', async () => {
    const env = documentEnvelope(H41, [G12], { body: { code: { codeNumber: '6', codeNotation: 'UBND' }, subject: 'first' } });
    await h.submit(H41, sign(H41, env), env.id);
    await h.waitFor('first copy', async () => (await inbox(G12)).some((m) => header(m, HEADERS.envelopeId) === env.id));
    const other = { ...env, body: { code: { codeNumber: '7', codeNotation: 'UBND' }, subject: 'second, same id' } };
    await h.submit(H41, sign(H41, other), `${env.id}-other`);
    await h.waitFor('DUPLICATE refusal', async () => (await inbox(H41)).some((m) => header(m, HEADERS.responseFor) === env.id));
    const m = (await inbox(H41)).find((x) => header(x, HEADERS.responseFor) === env.id)!;
    const refusal = JSON.parse(base64urlDecode(m.json<FlattenedJws>().payload).toString()) as Envelope<{ reasonCode: string }>;
    expect(refusal.body.reasonCode).toBe('DUPLICATE');
    expect((await inbox(G12)).filter((x) => header(x, HEADERS.envelopeId) === env.id)).toHaveLength(1);
  });

  it('delivers a second document with the same number and notation in the same year, flagged (Decree 30)', async () => {
    const body = { code: { codeNumber: '101', codeNotation: 'QĐ-UBND' }, subject: 'first with this number' };
    const first = documentEnvelope(H41, [G12], { body });
    const second = documentEnvelope(H41, [G12], { body: { ...body, code: { codeNumber: '101', codeNotation: 'qđ-ubnd ' }, subject: 'same number again' } });
    await h.submit(H41, sign(H41, first), first.id);
    await h.waitFor('first', async () => (await inbox(G12)).some((m) => header(m, HEADERS.envelopeId) === first.id));
    await h.submit(H41, sign(H41, second), second.id);
    await h.waitFor('second', async () => (await inbox(G12)).some((m) => header(m, HEADERS.envelopeId) === second.id));
    const copies = await inbox(G12);
    expect(
      header(
        copies.find((m) => header(m, HEADERS.envelopeId) === first.id)!,
        HEADERS.flags,
      ),
    ).toBe('');
    expect(
      header(
        copies.find((m) => header(m, HEADERS.envelopeId) === second.id)!,
        HEADERS.flags,
      ),
    ).toBe('duplicate-number');
    await h.waitFor('flag event', async () => (await h.readEvents('msg.flagged')).some((e) => e.messageId === second.id));
    const event = (await h.readEvents('msg.flagged')).find((e) => e.messageId === second.id)!;
    expect(event.data).toMatchObject({ flag: 'duplicate-number', firstEnvelopeId: first.id, codeNumber: '101', codeNotation: 'QĐ-UBND' });
  });

  it('follows directory changes from the KV watch without a restart', async () => {
    const newcomer = testAgency({ code: '000.00.00.H49' });
    a.set(newcomer.code, newcomer);
    const env = documentEnvelope(H41, [newcomer.code], { body: { code: { codeNumber: '8', codeNotation: 'UBND' }, subject: 'hello newcomer' } });
    await h.putAgencies([newcomer.entry]);
    await h.waitFor('directory update', () => router.directory.agency(newcomer.code) !== undefined);
    await h.submit(H41, sign(H41, env), env.id);
    await h.waitFor('copy to the newcomer', async () => (await inbox(newcomer.code)).length === 1);
    // a closure arrives the same way: now the newcomer is refused as a recipient
    await h.putAgencies([{ ...newcomer.entry, agency: { ...newcomer.entry.agency, status: 'closed', version: 2 } }]);
    await h.waitFor('closure', () => router.directory.agency(newcomer.code)?.status === 'closed');
    const late = documentEnvelope(H41, [newcomer.code], { body: { code: { codeNumber: '9', codeNotation: 'UBND' }, subject: 'too late' } });
    await h.submit(H41, sign(H41, late), late.id);
    await h.waitFor('AGENCY_CLOSED', async () => (await h.readEvents('msg.rejected')).some((e) => e.messageId === late.id));
    expect((await h.readEvents('msg.rejected')).find((e) => e.messageId === late.id)!.data).toMatchObject({ reasonCode: 'AGENCY_CLOSED' });
  });
});

describe('router dead-letters poison submissions', () => {
  let h: Harness;
  afterAll(async () => {
    await h?.close();
  });

  it('after maxDeliver deliveries, with the reason, and keeps routing the rest of the batch', async () => {
    h = await createHarness();
    const sender = testAgency({ code: H41 });
    const good = testAgency({ code: G12 });
    const cursed = testAgency({ code: '000.00.00.H49' });
    await h.putAgencies([sender.entry, good.entry, cursed.entry]);
    // a policy bug that only bites one recipient: the submission itself cannot be routed
    const buggy: RoutingPolicy = {
      check: (_s, recipient) => {
        if (recipient.code === cursed.code) throw new TypeError('policy exploded');
        return { allow: true };
      },
    };
    const router = await h.startRouter({ policy: buggy, options: { maxDeliver: 3, nakBaseMs: 50, nakMaxMs: 100 } });
    const poison = documentEnvelope(H41, [cursed.code], { body: { code: { codeNumber: '1', codeNotation: 'P' }, subject: 'poison' } });
    const fine = documentEnvelope(H41, [G12], { body: { code: { codeNumber: '2', codeNotation: 'P' }, subject: 'fine' } });
    const sign = (env: Envelope) => Buffer.from(JSON.stringify(signEnvelope(env, sender.signingKey, sender.kid)));
    const poisonSeq = await h.submit(H41, sign(poison), poison.id);
    await h.submit(H41, sign(fine), fine.id);

    await h.waitFor('dead letter', async () => (await h.readStream(h.topo.streams.deadLetter)).length === 1);
    const [dl] = await h.readStream(h.topo.streams.deadLetter);
    expect(dl!.subject).toBe(h.topo.deadLetterSubject('submit'));
    expect(Buffer.from(dl!.data).equals(sign(poison))).toBe(true);
    expect(dl!.headers?.get(DEAD_LETTER_HEADERS.reason)).toMatch(/policy exploded/);
    expect(dl!.headers?.get(DEAD_LETTER_HEADERS.deliveries)).toBe('3');
    expect(dl!.headers?.get(DEAD_LETTER_HEADERS.submitSeq)).toBe(String(poisonSeq));
    expect(dl!.headers?.get(DEAD_LETTER_HEADERS.subject)).toBe(h.topo.submitSubject(H41));
    await h.waitFor('event', async () => (await h.readEvents('msg.deadlettered')).length === 1);
    const [event] = await h.readEvents('msg.deadlettered');
    expect(event!.data).toMatchObject({ reason: expect.stringMatching(/policy exploded/), deliveries: 3, submitSeq: poisonSeq });
    expect(await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(G12))).toHaveLength(1);
    expect(await h.readStream(h.topo.streams.inbox, h.topo.inboxSubject(cursed.code))).toHaveLength(0);
    // the work queue is empty: the poison submission was acked once dead-lettered
    const jsm = await jetstreamManager(h.nc);
    await h.waitFor('submit stream drained', async () => (await jsm.streams.info(h.topo.streams.submit)).state.messages === 0);
    expect(router.stats.deadLettered).toBe(1);
  }, 60_000);
});
