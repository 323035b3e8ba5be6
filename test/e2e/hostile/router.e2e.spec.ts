import { randomBytes } from 'node:crypto';
import fc from 'fast-check';
import { jetstream, jetstreamManager, type JetStreamClient } from '@nats-io/jetstream';
import { HEADERS, isErrorCode, JWS_TYP, uuidv7, type Envelope } from '@lt/contracts';
import { base64urlEncode, signEnvelope, type SigningKey } from '@lt/crypto';
import { waitFor } from '../../support/hub-harness';
import { AGENCY, CONFUSABLE, INJECTIONS, ROUTER_CASES, type Party, type RouterCase } from './corpus';
import {
  DecisionLog,
  forgeJws,
  HostileHub,
  setupDirectory,
  startPrivateNats,
  verifyHubSigned,
  type AgencyKeys,
  type Decision,
  type PrivateNats,
} from './support';

/**
 * The router against the hostile corpus: raw bytes published on the submit subject with a
 * JetStream publish, one hub (registry, router, gateway processes) on a nats-server with the
 * production payload limit (2 MiB). Every submission must get exactly one decision: copies
 * delivered byte-exact, or a msg.rejected event with the expected stable code (and, for an
 * authenticated sender, a hub-signed status 02 with the same reasonCode in its inbox), or a
 * msg.replayed event. Then a fuzz pass of 500 mutations of valid signed envelopes.
 */
describe('router: hostile submissions (registry + router + gateway processes)', () => {
  let nats: PrivateNats;
  let hub: HostileHub;
  let js: JetStreamClient;
  let keys: AgencyKeys;
  let log: DecisionLog;
  let agenciesBefore = 0;
  /** every submission the stream accepted, with what it was */
  const published: Array<{ seq: number; what: string }> = [];
  let numberCounter = 0;

  const codeOf = (p: Party | 'recipient'): string => AGENCY[p];

  async function publish(subject: string, bytes: Uint8Array, what: string): Promise<number> {
    const ack = await js.publish(subject, bytes, { msgID: `${what}:${randomBytes(6).toString('hex')}` });
    if (ack.duplicate) throw new Error(`${what}: the submit stream took it for a duplicate`);
    published.push({ seq: ack.seq, what });
    return ack.seq;
  }

  function documentEnvelope(from: string, extra: Record<string, unknown> = {}, body: Record<string, unknown> = {}, issuedAtOffsetMs = 0): Envelope {
    return {
      id: uuidv7(),
      kind: 'document',
      from,
      to: [AGENCY.recipient],
      issuedAt: new Date(Date.now() + issuedAtOffsetMs).toISOString(),
      body: { code: { codeNumber: `H${++numberCounter}`, codeNotation: 'UBND-VP' }, subject: 'Hồ sơ thử nghiệm đầu vào độc hại', ...body },
      ...extra,
    } as Envelope;
  }

  /** A valid document signed by the sender's main key, published; resolves with its decision. */
  async function sendValid(what: string, keyId = 'k1'): Promise<{ envelope: Envelope; bytes: Buffer; seq: number; decision: Decision }> {
    const envelope = documentEnvelope(AGENCY.sender);
    const bytes = Buffer.from(JSON.stringify(signEnvelope(envelope, await keys.signerFor(AGENCY.sender, keyId), `${AGENCY.sender}#${keyId}`)));
    const seq = await publish(hub.topo.submitSubject(AGENCY.sender), bytes, what);
    return { envelope, bytes, seq, decision: await log.decision(seq) };
  }

  beforeAll(async () => {
    nats = await startPrivateNats();
    hub = new HostileHub(nats.url);
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    await hub.start('router');
    js = jetstream(hub.nc);
    log = await DecisionLog.start(hub.nc, hub.topo);
    keys = await setupDirectory(hub, [AGENCY.sender, AGENCY.other, AGENCY.suspended]);
    // the router has applied every directory change once a document signed with the last key added is routed
    await waitFor(
      'the router to route a document signed with the last key registered',
      async () => (await sendValid('readiness probe', 'kready')).decision.type === 'delivered',
      30_000,
      100,
    );
    agenciesBefore = await hub.agencyCount();
  }, 90_000);

  afterAll(async () => {
    await log?.stop();
    await hub?.teardown();
    await nats?.stop();
  });

  // ---------------------------------------------------------------- building a case's bytes

  interface Built {
    subject: string;
    bytes: Buffer;
    /** the envelope signed, when there is one */
    envelope?: Envelope;
    /** agency whose key signed */
    signer: string;
    /** a second publication (twice) */
    second?: Buffer;
  }

  async function build(c: RouterCase): Promise<Built> {
    const input = c.input;
    const subject = (code: string) => hub.topo.submitSubject(code);
    if (input.kind === 'raw') {
      const bytes = input.hex !== undefined ? Buffer.from(input.hex, 'hex') : Buffer.from(input.text ?? '', 'utf8');
      return { subject: subject(AGENCY.sender), bytes, signer: AGENCY.sender };
    }
    const signer = codeOf(input.signer ?? 'sender');
    const keyId = input.key ?? 'k1';
    const key: SigningKey = await keys.signerFor(signer, keyId);
    const envelope = documentEnvelope(signer, input.envelope, { ...(input.body ?? {}) }, input.issuedAtOffsetMs);
    const payloadText = input.payloadText?.replaceAll('$ID', envelope.id).replaceAll('$NOW', envelope.issuedAt) ?? JSON.stringify(envelope);
    const header: Record<string, unknown> = { alg: 'EdDSA', kid: `${signer}#${keyId}`, typ: JWS_TYP, ...(input.header ?? {}) };
    for (const [k, v] of Object.entries(header)) if (v === null) delete header[k];
    const sign = input.sign ?? 'key';
    const signWith = (text: string) =>
      forgeJws(header, text, sign === 'key' ? { key } : sign === 'hmac-public-key' ? { hmacSecret: String(key.publicKey.jwk.x) } : {});
    const jws: Record<string, unknown> = { ...signWith(payloadText) };

    let text: string | undefined;
    switch (input.tamper) {
      case undefined:
        break;
      case 'payload':
        jws.payload = base64urlEncode(JSON.stringify({ ...envelope, body: { ...(envelope.body as object), subject: 'đã bị sửa trên đường đi' } }));
        break;
      case 'signature-random':
        jws.signature = base64urlEncode(randomBytes(64));
        break;
      case 'signature-not-base64url':
        jws.signature = 'c2lnbmF0dXJl+/==';
        break;
      case 'protected-not-base64url':
        jws.protected = 'eyJhbGciOiJFZERTQSJ9+/==';
        break;
      case 'protected-not-json':
        jws.protected = base64urlEncode('not json');
        break;
      case 'protected-empty':
        jws.protected = '';
        break;
      case 'payload-not-base64url':
        jws.payload = '!!!';
        break;
      case 'drop-signature':
        delete jws.signature;
        break;
      case 'drop-protected':
        delete jws.protected;
        break;
      case 'unprotected-header':
        jws.header = { kid: `${signer}#${keyId}` };
        break;
      case 'proto-member':
        text = `{"__proto__":{"admin":true},${JSON.stringify(jws).slice(1)}`;
        break;
      case 'constructor-member':
        text = `{"constructor":{"prototype":{"admin":true}},${JSON.stringify(jws).slice(1)}`;
        break;
      case 'bom':
        text = `\uFEFF${JSON.stringify(jws)}`;
        break;
    }
    const bytes = Buffer.from(text ?? JSON.stringify(jws), 'utf8');
    const target =
      input.subject === undefined
        ? subject(signer)
        : typeof input.subject === 'string'
          ? subject(codeOf(input.subject))
          : `${hub.topo.ns}.submit.${input.subject.tokens}`;
    const built: Built = { subject: target, bytes, envelope, signer };
    if (input.twice === 'same-bytes') built.second = bytes;
    if (input.twice === 'same-id-other-body') {
      const other = { ...envelope, body: { ...(envelope.body as object), subject: 'một văn bản khác, cùng id' } };
      built.second = Buffer.from(JSON.stringify(signWith(JSON.stringify(other))));
    }
    return built;
  }

  // ---------------------------------------------------------------- checking a decision

  function expectDelivered(d: Decision, b: Built): void {
    if (d.type !== 'delivered') {
      throw new Error(`expected a delivery, got ${d.type === 'rejected' ? `rejected ${d.event.data.reasonCode}: ${d.event.data.reason}` : d.type}`);
    }
    const env = b.envelope!;
    expect(d.copies.map((m) => m.headers[HEADERS.to]).sort()).toEqual((env.to as string[]).slice().sort());
    for (const m of d.copies) {
      // byte-exact: the signed bytes as submitted, never "sanitised"
      expect(m.data.equals(b.bytes)).toBe(true);
      expect(m.headers[HEADERS.envelopeId]).toBe(env.id);
      expect(m.headers[HEADERS.from]).toBe(b.signer);
    }
  }

  function expectRefused(d: Decision, c: RouterCase, b: Built, seq: number): void {
    if (d.type !== 'rejected' || d.event.data.reasonCode !== c.expected.code) {
      const got = d.type === 'rejected' ? `rejected ${d.event.data.reasonCode}: ${d.event.data.reason}` : d.type;
      throw new Error(`expected a refusal ${c.expected.code} (${c.expected.outcome}), got ${got}`);
    }
    if (d.type !== 'rejected') return;
    expect(d.event.data.submitSeq).toBe(seq);
    expect(log.copies.has(seq)).toBe(false);
    if (c.expected.outcome === 'rejected') {
      // nobody authenticated: recorded, never bounced
      expect(d.event.data.bounced).toBe(false);
      expect(d.bounces).toEqual([]);
      return;
    }
    expect(d.event.data.bounced).toBe(true);
    expect(d.bounces).toHaveLength(1);
    const bounce = d.bounces[0]!;
    expect(bounce.subject).toBe(hub.topo.inboxSubject(b.signer));
    expect(bounce.headers[HEADERS.statusCode]).toBe('02');
    const status = verifyHubSigned(bounce.data, hub.hubKey);
    expect(status.to).toEqual([b.signer]);
    expect(status.body).toMatchObject({ statusCode: '02', reasonCode: c.expected.code });
    if (d.event.data.envelopeId) expect(status.body.responseFor).toBe(d.event.data.envelopeId);
  }

  // ---------------------------------------------------------------- the corpus

  it('runs the whole router corpus (at least 100 cases)', () => {
    expect(ROUTER_CASES.length).toBeGreaterThanOrEqual(100);
    expect(new Set(ROUTER_CASES.map((c) => c.id)).size).toBe(ROUTER_CASES.length);
  });

  it.each(ROUTER_CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const b = await build(c);
    if (c.expected.outcome === 'publish-refused') {
      const jsm = await jetstreamManager(hub.nc);
      const before = (await jsm.streams.info(hub.topo.streams.submit)).state.last_seq;
      await expect(js.publish(b.subject, b.bytes, { msgID: `${c.id}:${randomBytes(6).toString('hex')}` })).rejects.toThrow(/payload|size|exceed/i);
      expect((await jsm.streams.info(hub.topo.streams.submit)).state.last_seq).toBe(before);
      return;
    }
    const seq = await publish(b.subject, b.bytes, c.id);
    const d = await log.decision(seq);
    if (b.second) {
      // the first publication is an ordinary delivery; the expectation is about the second
      expectDelivered(d, b);
      const again = await publish(b.subject, b.second, `${c.id} (again)`);
      const d2 = await log.decision(again);
      if (c.expected.outcome === 'replayed') {
        expect(d2.type).toBe('replayed');
        expect(log.copiesOfEnvelope(b.envelope!.id)).toHaveLength(1);
      } else {
        expectRefused(d2, c, b, again);
      }
      return;
    }
    if (c.expected.outcome === 'delivered') expectDelivered(d, b);
    else expectRefused(d, c, b, seq);
  });

  // ---------------------------------------------------------------- afterwards

  it('has every hub process still running after the corpus', () => {
    expect(hub.deadServices()).toEqual([]);
  });

  it('left the agencies table as it was (injection strings are data, never SQL)', async () => {
    expect(await hub.agencyCount()).toBe(agenciesBefore);
  });

  it('delivers a normal document exactly once afterwards', async () => {
    const { envelope, decision } = await sendValid('after the corpus');
    expect(decision.type).toBe('delivered');
    // the router works in stream order: once a later submission is decided, this one is settled
    await sendValid('sentinel after the corpus');
    expect(log.copiesOfEnvelope(envelope.id)).toHaveLength(1);
  });

  // ---------------------------------------------------------------- fuzz

  // ---- 500 random mutations of valid signed envelopes
  {
    const PATHS = [
      'id',
      'kind',
      'from',
      'to',
      'to.0',
      'issuedAt',
      'body',
      'body.subject',
      'body.code',
      'body.code.codeNumber',
      'body.content',
      'body.toPlaces',
      'body.signerInfo',
      'attachments',
    ] as const;
    const at = fc.double({ min: 0, max: 1, noNaN: true, maxExcluded: true });
    /** values that reach the router's later checks (recipients, sender, clock, kinds) rather than the parser */
    const PICKS: unknown[] = [
      ...Object.values(AGENCY),
      ...Object.values(CONFUSABLE),
      ...Object.values(INJECTIONS),
      [AGENCY.recipient, AGENCY.commune],
      [AGENCY.closed],
      [{ childrenOf: AGENCY.sender }],
      [{ childrenOf: AGENCY.sender, tier: 'commune', depth: 4 }],
      [{ childrenOf: AGENCY.recipient, depth: 0 }],
      { childrenOf: AGENCY.sender },
      [],
      '',
      null,
      1e308,
      -1,
      true,
      'status',
      'recall',
      'dossier',
      'receipt',
      '2020-01-01T00:00:00.000Z',
      '2099-01-01T00:00:00.000Z',
      new Date().toISOString(),
      uuidv7(),
      { codeNumber: '1', codeNotation: 'UBND' },
    ];
    const byte = (w: number, arb: fc.Arbitrary<unknown>) => ({ weight: w, arbitrary: arb });
    const mutation = fc.oneof(
      byte(1, fc.record({ op: fc.constant('flip-bit' as const), at, bit: fc.nat(7) })),
      byte(1, fc.record({ op: fc.constant('set-byte' as const), at, value: fc.nat(255) })),
      byte(1, fc.record({ op: fc.constant('delete' as const), at, len: fc.integer({ min: 1, max: 24 }) })),
      byte(1, fc.record({ op: fc.constant('insert' as const), at, bytes: fc.uint8Array({ minLength: 1, maxLength: 24 }) })),
      byte(1, fc.record({ op: fc.constant('truncate' as const), at })),
      byte(1, fc.record({ op: fc.constant('duplicate' as const), at, len: fc.integer({ min: 1, max: 64 }) })),
      byte(2, fc.record({ op: fc.constant('payload-char' as const), at, char: fc.constantFrom(...'ABCabc019-_+/=.') })),
      byte(
        1,
        fc.record({
          op: fc.constant('member' as const),
          member: fc.constantFrom('protected', 'payload', 'signature', 'extra'),
          value: fc.jsonValue({ maxDepth: 3 }),
        }),
      ),
      byte(
        2,
        fc.record({ op: fc.constant('header' as const), member: fc.constantFrom('alg', 'kid', 'typ', 'crit', 'jku'), value: fc.jsonValue({ maxDepth: 2 }) }),
      ),
      byte(3, fc.record({ op: fc.constant('field' as const), path: fc.constantFrom(...PATHS), value: fc.jsonValue({ maxDepth: 3 }) })),
      byte(3, fc.record({ op: fc.constant('field-text' as const), path: fc.constantFrom(...PATHS), value: fc.string({ unit: 'binary', maxLength: 40 }) })),
      byte(5, fc.record({ op: fc.constant('field-pick' as const), path: fc.constantFrom(...PATHS), value: fc.constantFrom(...PICKS) })),
      byte(1, fc.record({ op: fc.constant('field-delete' as const), path: fc.constantFrom(...PATHS) })),
    ) as fc.Arbitrary<
      | { op: 'flip-bit'; at: number; bit: number }
      | { op: 'set-byte'; at: number; value: number }
      | { op: 'delete' | 'duplicate'; at: number; len: number }
      | { op: 'insert'; at: number; bytes: Uint8Array }
      | { op: 'truncate'; at: number }
      | { op: 'payload-char'; at: number; char: string }
      | { op: 'member'; member: string; value: unknown }
      | { op: 'header'; member: string; value: unknown }
      | { op: 'field' | 'field-text' | 'field-pick'; path: string; value: unknown }
      | { op: 'field-delete'; path: string }
    >;
    type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

    function setPath(target: Record<string, unknown>, path: string, value: unknown, remove = false): void {
      const parts = path.split('.');
      let o: Record<string, unknown> = target;
      for (const p of parts.slice(0, -1)) {
        const next = o[p];
        if (next === null || typeof next !== 'object') o[p] = {};
        o = o[p] as Record<string, unknown>;
      }
      const last = parts[parts.length - 1]!;
      if (remove) delete o[last];
      else o[last] = value;
    }

    async function mutate(m: Mutation, i: number): Promise<Buffer> {
      const key = await keys.signerFor(AGENCY.sender, 'k1');
      const kid = `${AGENCY.sender}#k1`;
      const envelope = documentEnvelope(AGENCY.sender, {}, { subject: `fuzz ${i}` }) as unknown as Record<string, unknown>;
      const valid = signEnvelope(envelope, key, kid);
      const bytes = Buffer.from(JSON.stringify(valid));
      const pos = (f: number) => Math.floor(f * bytes.length);
      switch (m.op) {
        case 'flip-bit': {
          const b = Buffer.from(bytes);
          b[pos(m.at)] ^= 1 << m.bit;
          return b;
        }
        case 'set-byte': {
          const b = Buffer.from(bytes);
          b[pos(m.at)] = m.value;
          return b;
        }
        case 'delete':
          return Buffer.concat([bytes.subarray(0, pos(m.at)), bytes.subarray(pos(m.at) + m.len)]);
        case 'insert':
          return Buffer.concat([bytes.subarray(0, pos(m.at)), Buffer.from(m.bytes), bytes.subarray(pos(m.at))]);
        case 'truncate':
          return bytes.subarray(0, pos(m.at));
        case 'duplicate':
          return Buffer.concat([bytes.subarray(0, pos(m.at) + m.len), bytes.subarray(pos(m.at))]);
        case 'payload-char': {
          // one base64url character of the signed payload replaced: the signature must catch it
          const jws = { ...valid };
          const i = Math.floor(m.at * jws.payload.length);
          jws.payload = `${jws.payload.slice(0, i)}${m.char}${jws.payload.slice(i + 1)}`;
          return Buffer.from(JSON.stringify(jws));
        }
        case 'member': {
          const jws: Record<string, unknown> = { ...valid };
          jws[m.member] = m.value;
          return Buffer.from(JSON.stringify(jws));
        }
        case 'header':
          return Buffer.from(JSON.stringify(forgeJws({ alg: 'EdDSA', kid, typ: JWS_TYP, [m.member]: m.value }, JSON.stringify(envelope), { key })));
        case 'field':
        case 'field-text':
        case 'field-pick':
        case 'field-delete': {
          setPath(envelope, m.path, m.op === 'field-delete' ? undefined : m.value, m.op === 'field-delete');
          // re-signed: the router's validator, not the signature check, has to deal with it
          return Buffer.from(JSON.stringify(forgeJws({ alg: 'EdDSA', kid, typ: JWS_TYP }, JSON.stringify(envelope), { key })));
        }
      }
    }

    it('fuzz: decides each of 500 mutations of valid signed envelopes (delivered, or refused with a known code), crashes nothing, still delivers afterwards', async () => {
      const mutations = fc.sample(mutation, { numRuns: 500, seed: 20261122 });
      const seqs: Array<{ seq: number; m: Mutation }> = [];
      for (let i = 0; i < mutations.length; i++) {
        const m = mutations[i]!;
        seqs.push({ seq: await publish(hub.topo.submitSubject(AGENCY.sender), await mutate(m, i), `fuzz-${i}`), m });
      }
      const outcomes: Record<string, number> = {};
      const unexpected: string[] = [];
      for (const { seq, m } of seqs) {
        const d = await log.decision(seq, 60_000);
        const label = d.type === 'rejected' ? `rejected ${d.event.data.reasonCode}` : d.type;
        outcomes[label] = (outcomes[label] ?? 0) + 1;
        const known =
          d.type === 'delivered' ||
          d.type === 'replayed' ||
          (d.type === 'rejected' && isErrorCode(d.event.data.reasonCode) && d.event.data.reasonCode !== 'INTERNAL');
        if (!known) unexpected.push(`${label} for ${JSON.stringify(m)}`);
      }
      expect(unexpected).toEqual([]);
      expect(Object.values(outcomes).reduce((a, b) => a + b, 0)).toBe(500);
      // a fuzz run that only ever hit one check would prove little
      expect(Object.keys(outcomes).length).toBeGreaterThanOrEqual(6);
      expect(hub.deadServices()).toEqual([]);

      const after = await sendValid('after the fuzz');
      expect(after.decision.type).toBe('delivered');
      await sendValid('sentinel after the fuzz');
      expect(log.copiesOfEnvelope(after.envelope.id)).toHaveLength(1);
    }, 120_000);
  }

  it('gave every accepted submission of this file exactly one decision, and dead-lettered none', async () => {
    const missing = published
      .filter((p) => log.kindsFor(p.seq).length !== 1)
      .map((p) => `${p.what} (seq ${p.seq}): ${log.kindsFor(p.seq).join('+') || 'no decision'}`);
    expect(missing).toEqual([]);
    expect(log.deadLettered.size).toBe(0);
    const jsm = await jetstreamManager(hub.nc);
    expect((await jsm.streams.info(hub.topo.streams.deadLetter)).state.messages).toBe(0);
    // work queue: every submission was acked, none is waiting for a redelivery
    const submit = await jsm.streams.info(hub.topo.streams.submit);
    expect(submit.state.last_seq).toBeGreaterThanOrEqual(published.length);
    await expect(
      (async () => {
        for (let i = 0; i < 100 && (await jsm.streams.info(hub.topo.streams.submit)).state.messages > 0; i++) await new Promise((r) => setTimeout(r, 100));
        return (await jsm.streams.info(hub.topo.streams.submit)).state.messages;
      })(),
    ).resolves.toBe(0);
  });
});
