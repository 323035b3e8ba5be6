import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import { HEADERS, HUB_KID_PREFIX, JWS_TYP, uuidv7, type DocumentBody, type Envelope } from '@lt/contracts';
import { signEnvelope, type SigningKey } from '@lt/crypto';
import { connect, type InboxMessage, type InvalidInboxMessage, type LienThongClient } from '@lt/sdk';
import { AGENCY, SDK_CASES, type SdkCase } from './corpus';
import { forgeJws, HostileHub, setupDirectory, type AgencyKeys } from './support';
import { waitFor } from '../../support/hub-harness';

/**
 * The agency SDK against copies that did not come from the router as they should: published
 * straight into the recipient's inbox stream (as a compromised or buggy hub component could), each
 * must be refused by the SDK's own verification (never yielded), reported to onInvalid with its
 * stable code and term()ed. The hub (registry, router, gateway processes) provides the directory
 * and the hub key in KV, and routes the normal document sent at the end.
 */
describe('sdk: hostile inbox copies (registry + router + gateway processes)', () => {
  const hub = new HostileHub();
  const A = AGENCY.sender;
  const B = AGENCY.recipient;
  const C = AGENCY.other;
  let keys: AgencyKeys;
  let js: JetStreamClient;
  let sender: LienThongClient;
  let receiver: LienThongClient;
  const yielded: InboxMessage[] = [];
  const invalid: InvalidInboxMessage[] = [];
  let reading: Promise<void>;

  const jwkOf = (k: SigningKey) => k.keyObject.export({ format: 'jwk' }) as Record<string, unknown>;

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    await hub.start('router');
    js = jetstream(hub.nc);
    keys = await setupDirectory(hub, [A, B, C]);
    const common = { natsUrl: hub.natsUrl, ns: hub.topo.ns, keyId: 'k1', autoArrived: false as const };
    sender = await connect({ ...common, agencyCode: A, privateJwk: jwkOf(keys.keys.get(`${A}#k1`)!) });
    receiver = await connect({ ...common, agencyCode: B, privateJwk: jwkOf(keys.keys.get(`${B}#k1`)!), onInvalid: (m) => invalid.push(m) });
    // the SDK directory must hold the revocation and the hub key before the first copy arrives
    await waitFor(
      'the revoked key and the hub key in the SDK directory',
      () => !!receiver.directory.keyEntry(`${A}#krev`)?.revokedAt && receiver.directory.hubKids().length > 0,
    );
    reading = (async () => {
      for await (const m of receiver.inbox({ batch: 16 })) {
        yielded.push(m);
        await m.ack();
      }
    })();
  }, 90_000);

  afterAll(async () => {
    await receiver?.close();
    await sender?.close();
    await reading?.catch(() => undefined);
    await hub.teardown();
  });

  function documentFrom(from: string, subject: string): Envelope<DocumentBody> {
    return {
      id: uuidv7(),
      kind: 'document',
      from,
      to: [B],
      issuedAt: new Date().toISOString(),
      body: { code: { codeNumber: '9', codeNotation: 'UBND' }, subject },
    };
  }

  /** Bytes and router-like headers of the copy a case puts into B's inbox. */
  async function craft(c: SdkCase): Promise<{ bytes: Buffer; from: string; kid: string; id: string }> {
    const key = (code: string, keyId = 'k1') => keys.signerFor(code, keyId);
    const sealed = (env: Envelope, signer: SigningKey, kid: string) => Buffer.from(JSON.stringify(signEnvelope(env, signer, kid)));
    const input = c.input;
    switch (input.kind) {
      case 'tampered-copy': {
        const env = documentFrom(A, 'bản gốc');
        const jws = signEnvelope(env, await key(A), `${A}#k1`);
        const altered = { ...env, body: { ...env.body, subject: 'bản đã bị sửa' } };
        return {
          bytes: Buffer.from(JSON.stringify({ ...jws, payload: Buffer.from(JSON.stringify(altered)).toString('base64url') })),
          from: A,
          kid: `${A}#k1`,
          id: env.id,
        };
      }
      case 'kid-other-than-lt-from': {
        const env = documentFrom(C, 'ký bởi C, tiêu đề nói A');
        return { bytes: sealed(env, await key(C), `${C}#k1`), from: A, kid: `${C}#k1`, id: env.id };
      }
      case 'from-other-than-kid': {
        const env = documentFrom(A, 'mạo danh A bằng khoá của C');
        return { bytes: sealed(env, await key(C), `${C}#k1`), from: A, kid: `${C}#k1`, id: env.id };
      }
      case 'hub-lookalike': {
        const kid = `${HUB_KID_PREFIX}${input.kid === 'real-hub-kid' ? hub.hubKey.keyId : 'forged'}`;
        const env = {
          id: uuidv7(),
          kind: 'status',
          from: '000.00.00.G22',
          to: [B],
          issuedAt: new Date().toISOString(),
          body: { responseFor: uuidv7(), statusCode: '02', reasonCode: 'UNKNOWN_RECIPIENT', description: 'giả danh trục' },
        };
        return {
          bytes: Buffer.from(JSON.stringify(forgeJws({ alg: 'EdDSA', kid, typ: JWS_TYP }, JSON.stringify(env), { key: await key(A) }))),
          from: '000.00.00.G22',
          kid,
          id: env.id,
        };
      }
      case 'revoked-key': {
        const env = documentFrom(A, 'ký bằng khoá đã thu hồi');
        return { bytes: sealed(env, await key(A, 'krev'), `${A}#krev`), from: A, kid: `${A}#krev`, id: env.id };
      }
      case 'garbage':
        return { bytes: Buffer.from(input.text, 'utf8'), from: A, kid: `${A}#k1`, id: uuidv7() };
    }
  }

  it('runs the whole sdk corpus', () => {
    expect(SDK_CASES.length).toBeGreaterThanOrEqual(5);
    expect(new Set(SDK_CASES.map((c) => c.id)).size).toBe(SDK_CASES.length);
  });

  it.each(SDK_CASES.map((c) => [c.id, c] as const))(
    '%s',
    async (_id, c) => {
      const copy = await craft(c);
      const h = natsHeaders();
      for (const [k, v] of Object.entries({
        [HEADERS.envelopeId]: copy.id,
        [HEADERS.from]: copy.from,
        [HEADERS.to]: B,
        [HEADERS.kid]: copy.kid,
        [HEADERS.copies]: '1',
      }))
        h.set(k, v);
      if (copy.kid.startsWith(HUB_KID_PREFIX)) h.set(HEADERS.hubSigned, '1');
      const ack = await js.publish(hub.topo.inboxSubject(B), copy.bytes, { msgID: `${copy.id}:${B}`, headers: h });
      // settled one way or the other: yielded, or reported and dropped for good
      const outcome = await waitFor(
        `the SDK to settle inbox copy ${ack.seq}`,
        () => {
          const y = yielded.find((m) => m.seq === ack.seq);
          if (y) return { outcome: 'yielded' as const, code: null, from: y.from };
          const i = invalid.find((m) => m.seq === ack.seq && m.action === 'term');
          return i ? { outcome: 'invalid' as const, code: i.error.code, message: i.error.message } : undefined;
        },
        15_000,
        20,
      );
      expect(outcome).toMatchObject({ outcome: c.expected.outcome, code: c.expected.code });
    },
    30_000,
  );

  it('still yields a normal document, once, and nothing crashed', async () => {
    const sent = await sender.sendDocument({ to: [B], body: { code: { codeNumber: '10', codeNotation: 'UBND' }, subject: 'văn bản bình thường' } });
    await waitFor('the normal document in the receiver inbox', () => yielded.some((m) => m.id === sent.id));
    // a later document proves the inbox went past it: it was yielded exactly once
    const later = await sender.sendDocument({ to: [B], body: { code: { codeNumber: '11', codeNotation: 'UBND' }, subject: 'văn bản sau' } });
    await waitFor('the later document', () => yielded.some((m) => m.id === later.id));
    expect(yielded.filter((m) => m.id === sent.id)).toHaveLength(1);
    expect(yielded.find((m) => m.id === sent.id)!.from).toBe(A);
    expect(hub.deadServices()).toEqual([]);
  });
});
