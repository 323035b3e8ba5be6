import { readFileSync } from 'node:fs';
import { jetstream, type JetStreamClient, type JsMsg, type PubAck } from '@nats-io/jetstream';
import { credsAuthenticator } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import pino from 'pino';
import {
  HEADERS,
  LtError,
  SIGNING_ALGS,
  parseAgencyCode,
  toLtError,
  topology,
  type DocumentBody,
  type Envelope,
  type ErrorCode,
  type RecallBody,
  type RecipientSelector,
  type SigningAlg,
  type StatusBody,
  type StatusCode,
  type Topology,
} from '@lt/contracts';
import { formatKid, importPrivateKey, type SigningKey } from '@lt/crypto';
import { connectNats, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { KvDirectoryFeed } from '@lt/directory';
import { readKeyFile, systemClock, type Clock, type Logger } from '@lt/platform';
import { AgencyDirectory } from './directory';
import {
  amendmentBody,
  buildEnvelope,
  recallBody,
  replyBody,
  sealEnvelope,
  statusBody,
  type AnsweredDocument,
  type EnvelopeDraft,
  type SealedEnvelope,
} from './envelope-builder';
import { InboxFeed, NAK_MIN_DELAY_MS } from './inbox-feed';
import { ensureInboxConsumer } from './inbox-consumer';
import { HUB_TRACKING_KEY, inboxDurableName } from './names';
import { TrackingTable, type RecipientTracking } from './tracking';
import type {
  AmendOptions,
  ConnectOptions,
  InboxMessage,
  InboxOptions,
  InvalidHandler,
  InvalidInboxMessage,
  RecallOptions,
  ReplyOptions,
  SendDocumentInput,
  SendResult,
  SendStatusOptions,
  StatusHandler,
} from './types';
import { verifyInbound } from './verify-inbound';

/** Codes of a failed publish worth retrying later (the message stays unacked and comes back). */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'TIMEOUT', 'INTERNAL']);

interface Internals {
  nc: NatsConnection;
  ownsConnection: boolean;
  topo: Topology;
  agencyCode: string;
  signer: SigningKey;
  kid: string;
  clock: Clock;
  log: Logger;
  opts: ConnectOptions;
}

/**
 * The agency client: signs and submits envelopes, reads and verifies the agency's inbox, sends
 * and tracks statuses. One instance per agency and process; safe to use concurrently.
 */
export class LienThongClient {
  readonly agencyCode: string;
  /** `<agency code>#<key id>` of the signing key */
  readonly kid: string;
  readonly topo: Topology;
  readonly nc: NatsConnection;
  /** in-memory directory (agencies, their keys, hub keys), kept current by a KV watch */
  readonly directory = new AgencyDirectory();
  /** durable name of this agency's inbox consumer */
  readonly inboxDurable: string;

  private readonly js: JetStreamClient;
  private readonly signer: SigningKey;
  private readonly clock: Clock;
  private readonly log: Logger;
  private readonly opts: ConnectOptions;
  private readonly ownsConnection: boolean;
  private readonly tracker: TrackingTable;
  /** documents this client sent -> their recipients (defaults for recall/update/replace) */
  private readonly sentTo = new Map<string, RecipientSelector[]>();
  /** document ids a 01 was sent for */
  private readonly arrived = new Set<string>();
  /** envelope ids of inbox copies whose ack the server confirmed (oldest first, bounded) */
  private readonly handled = new Set<string>();
  private readonly statusHandlers = new Set<StatusHandler>();
  private readonly invalidHandlers = new Set<InvalidHandler>();
  private feed?: Promise<InboxFeed>;
  private readonly pending = new Set<Promise<unknown>>();
  private directoryFeed?: KvDirectoryFeed;
  private closing = false;
  private closed?: Promise<void>;

  private constructor(i: Internals) {
    this.nc = i.nc;
    this.ownsConnection = i.ownsConnection;
    this.topo = i.topo;
    this.agencyCode = i.agencyCode;
    this.signer = i.signer;
    this.kid = i.kid;
    this.clock = i.clock;
    this.log = i.log;
    this.opts = i.opts;
    this.inboxDurable = inboxDurableName(i.agencyCode);
    this.js = jetstream(i.nc, { timeout: i.opts.publishTimeoutMs ?? 10_000 });
    this.tracker = new TrackingTable(i.opts.trackingLimit ?? 100_000);
    if (i.opts.onStatus) this.statusHandlers.add(i.opts.onStatus);
    if (i.opts.onInvalid) this.invalidHandlers.add(i.opts.onInvalid);
  }

  /**
   * Connects: imports the signing key once, loads the directory from KV and keeps watching it,
   * and makes sure the agency's durable inbox consumer exists.
   */
  static async connect(opts: ConnectOptions): Promise<LienThongClient> {
    const agencyCode = parseAgencyCode(opts.agencyCode);
    const { signer, kid } = loadSigningKey(agencyCode, opts);
    const topo = topology(opts.ns ?? 'lt');
    const log = opts.logger ?? pino({ name: 'lt-sdk', level: process.env.LOG_LEVEL ?? 'warn', base: { agency: agencyCode } }, pino.destination(2));
    let nc = opts.nc;
    const ownsConnection = !nc;
    if (!nc) {
      const natsOptions = { ...opts.natsOptions };
      if (opts.credsFile) natsOptions.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
      const url = opts.natsUrl ?? 'nats://127.0.0.1:4222';
      try {
        nc = await connectNats(url, `lt-sdk ${agencyCode}`, natsOptions);
      } catch (err) {
        throw new LtError('UNAVAILABLE', `cannot connect to NATS at ${url}: ${(err as Error).message}`, { natsUrl: url });
      }
    }
    const client = new LienThongClient({ nc, ownsConnection, topo, agencyCode, signer, kid, clock: opts.clock ?? systemClock, log, opts });
    try {
      await client.startDirectory(opts.directoryTimeoutMs ?? 15_000);
      if (opts.ensureInbox !== false) await ensureInboxConsumer(nc, topo, agencyCode, opts.inboxConsumer);
    } catch (err) {
      await client.close().catch(() => undefined);
      throw err instanceof LtError ? err : new LtError('UNAVAILABLE', `connect failed: ${(err as Error).message}`);
    }
    return client;
  }

  // ---------------------------------------------------------------- directory

  private async startDirectory(timeoutMs: number): Promise<void> {
    let kv: KV;
    try {
      kv = await openAgencyKv(this.nc, this.topo);
    } catch (err) {
      throw new LtError('UNAVAILABLE', `agency directory bucket ${this.topo.kvAgencies} cannot be opened (${(err as Error).message}); is the hub running?`);
    }
    // the shared KV feed (libs/directory): initial values, then every update, resumed after outages
    this.directoryFeed = new KvDirectoryFeed(kv, this.directory.shared, this.log);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LtError('TIMEOUT', `agency directory not loaded from ${this.topo.kvAgencies} within ${timeoutMs} ms`)), timeoutMs);
    });
    const loading = this.directoryFeed.start();
    loading.catch(() => undefined); // still settles after a timeout: not an unhandled rejection
    try {
      await Promise.race([loading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  // ---------------------------------------------------------------- sending

  /** Builds, validates, signs (no publish): for tests and benchmarks that publish themselves. */
  prepare<B>(draft: EnvelopeDraft<B>): { envelope: Envelope<B> } & SealedEnvelope {
    const envelope = buildEnvelope(this.agencyCode, draft, this.clock.now());
    this.preflight(envelope);
    return { envelope, ...sealEnvelope(envelope, this.signer, this.kid) };
  }

  /** Any kind of envelope (document, dossier, status, recall): validate, sign, publish, await the hub's PubAck. */
  async sendEnvelope<B>(draft: EnvelopeDraft<B>): Promise<SendResult<B>> {
    const prepared = this.prepare(draft);
    const result = await this.publish(prepared.envelope, prepared.bytes);
    this.remember(prepared.envelope);
    return result;
  }

  sendDocument(input: SendDocumentInput): Promise<SendResult<DocumentBody>> {
    return this.sendEnvelope({ kind: 'document', to: input.to, body: input.body, attachments: input.attachments, id: input.id });
  }

  /**
   * Many documents with up to `window` publishes in flight (JetStream acks them in order, so the
   * oldest is awaited first). Rejects with the first failure once the in-flight ones settled;
   * re-sending the same inputs with their ids is safe (the hub deduplicates by id).
   */
  async sendDocumentBatch(inputs: readonly SendDocumentInput[], opts: { window?: number } = {}): Promise<SendResult<DocumentBody>[]> {
    const window = Math.max(1, opts.window ?? 256);
    const results: SendResult<DocumentBody>[] = new Array(inputs.length);
    const inFlight: Array<Promise<void>> = [];
    let failure: unknown;
    for (let i = 0; i < inputs.length && failure === undefined; i++) {
      const input = inputs[i]!;
      const prepared = this.prepare<DocumentBody>({ kind: 'document', to: input.to, body: input.body, attachments: input.attachments, id: input.id });
      const index = i;
      inFlight.push(
        this.publish(prepared.envelope, prepared.bytes).then(
          (r) => {
            results[index] = r;
            this.remember(prepared.envelope);
          },
          (err) => {
            failure ??= err;
          },
        ),
      );
      if (inFlight.length >= window) await inFlight.shift();
    }
    await Promise.all(inFlight);
    if (failure !== undefined) {
      const err = toLtError(failure);
      throw new LtError(err.code, `batch stopped: ${err.message}`, { ...err.details, accepted: results.filter(Boolean).length, total: inputs.length });
    }
    return results;
  }

  /** A status about `responseFor` (an envelope id), addressed to its sender. An InboxMessage fits. */
  sendStatus(responseFor: { id: string; from: string }, statusCode: StatusCode, opts: SendStatusOptions = {}): Promise<SendResult<StatusBody>> {
    const body = statusBody(responseFor.id, statusCode, opts, this.clock.now());
    return this.sendEnvelope({ kind: 'status', to: [responseFor.from], body, id: opts.id });
  }

  /** Recall (status 13 semantics) of a document this agency sent; recorded locally as 13 per explicit recipient. */
  async recall(docId: string, opts: RecallOptions = {}): Promise<SendResult<RecallBody>> {
    const to = opts.to ?? this.recipientsOf(docId, 'recall');
    const result = await this.sendEnvelope({ kind: 'recall', to, body: recallBody(docId, opts.reason), id: opts.id });
    for (const r of to) {
      if (typeof r === 'string') this.tracker.record(docId, r, { code: '13', at: result.envelope.issuedAt, description: opts.reason, local: true });
    }
    return result;
  }

  /** Document updating envelope `originalId` (business.businessDocType 2). */
  update(originalId: string, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    return this.amend(originalId, 2, opts);
  }

  /** Document replacing envelope `originalId` (business.businessDocType 3). */
  replace(originalId: string, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    return this.amend(originalId, 3, opts);
  }

  private amend(originalId: string, type: 2 | 3, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    const to = opts.to ?? this.recipientsOf(originalId, type === 2 ? 'update' : 'replace');
    return this.sendEnvelope({
      kind: 'document',
      to,
      body: amendmentBody(opts.body, originalId, type, opts.reason),
      attachments: opts.attachments,
      id: opts.id,
    });
  }

  /** Document answering `original` (responseFor links it), by default to its sender. */
  reply(original: AnsweredDocument, opts: ReplyOptions): Promise<SendResult<DocumentBody>> {
    return this.sendEnvelope({
      kind: 'document',
      to: opts.to ?? [original.from],
      body: replyBody(original, opts.body),
      attachments: opts.attachments,
      id: opts.id,
    });
  }

  /** Answers a received recall: status 15 (agreed: the copy is cancelled) or 16 (refused) to its sender. */
  answerRecall(recall: InboxMessage, agree: boolean, description?: string): Promise<SendResult<StatusBody>> {
    if (recall.kind !== 'recall') {
      throw new LtError('VALIDATION_FAILED', `answerRecall needs a recall message, got kind ${recall.kind} (${recall.id})`, { field: 'kind' });
    }
    const docId = (recall.envelope.body as RecallBody).responseFor;
    return this.sendStatus({ id: docId, from: recall.from }, agree ? '15' : '16', description === undefined ? {} : { description });
  }

  private recipientsOf(docId: string, what: string): RecipientSelector[] {
    const to = this.sentTo.get(docId);
    if (!to) {
      throw new LtError('VALIDATION_FAILED', `${what} of ${docId}: pass \`to\`; this client did not send that document (or no longer remembers it)`, {
        field: 'to',
      });
    }
    return to;
  }

  private remember(envelope: Envelope): void {
    if (envelope.kind !== 'document' && envelope.kind !== 'dossier') return;
    this.sentTo.set(envelope.id, envelope.to);
    if (this.sentTo.size > (this.opts.trackingLimit ?? 100_000)) this.sentTo.delete(this.sentTo.keys().next().value!);
  }

  /** What the router would refuse, refused here first with the same codes (see ConnectOptions.preflight). */
  private preflight(envelope: Envelope): void {
    if (this.opts.preflight === false) return;
    const dir = this.directory;
    const me = dir.agency(this.agencyCode);
    if (!me)
      throw new LtError('UNKNOWN_AGENCY', `sender ${this.agencyCode} is not in the agency directory (${this.topo.kvAgencies})`, { from: this.agencyCode });
    if (me.status === 'closed') {
      throw new LtError('AGENCY_CLOSED', `sender ${this.agencyCode} is closed${me.successorCode ? `; its successor is ${me.successorCode}` : ''}`, {
        from: this.agencyCode,
      });
    }
    if (me.status === 'suspended') throw new LtError('AGENCY_SUSPENDED', `sender ${this.agencyCode} is suspended`, { from: this.agencyCode });
    const registered = dir.verifyKeyFor(this.kid, envelope.issuedAt);
    if (!registered.spki.equals(this.signer.publicKey.spki)) {
      throw new LtError('BAD_SIGNATURE', `the private key given for ${this.kid} does not match the public key registered under that kid`, { kid: this.kid });
    }
    for (let i = 0; i < envelope.to.length; i++) {
      const sel = envelope.to[i]!;
      const code = typeof sel === 'string' ? sel : sel.childrenOf;
      if (!dir.has(code)) {
        throw new LtError('UNKNOWN_RECIPIENT', `to[${i}]: ${code} is not in the agency directory`, { field: `to[${i}]`, recipient: code });
      }
    }
  }

  private async publish<B>(envelope: Envelope<B>, bytes: Uint8Array): Promise<SendResult<B>> {
    const subject = this.topo.submitSubject(this.agencyCode);
    let ack: PubAck;
    try {
      ack = await this.js.publish(subject, bytes, { msgID: envelope.id, expect: { streamName: this.topo.streams.submit } });
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const code: ErrorCode = /timeout/i.test(message) ? 'TIMEOUT' : 'UNAVAILABLE';
      throw new LtError(code, `envelope ${envelope.id} was not accepted by the hub on ${subject}: ${message}`, { envelopeId: envelope.id, subject });
    }
    return { id: envelope.id, seq: ack.seq, duplicate: ack.duplicate, envelope };
  }

  // ---------------------------------------------------------------- receiving

  /**
   * This agency's inbox as verified messages. Each copy's signature is checked again against the
   * sender's key (agencies never trust the hub for integrity); a copy that fails is never yielded:
   * it goes to onInvalid and is term()ed (nak'ed a few times first when only its key is missing,
   * in case the directory is behind). Statuses received update tracking() and fire onStatus.
   * Loops may stop (break) and start again: messages already pulled are handed to the next loop
   * in stream order, or nak'ed back to the server when no loop runs (see InboxFeed). Several
   * loops may run at once; each message goes to one of them.
   */
  async *inbox(opts: InboxOptions = {}): AsyncGenerator<InboxMessage, void, undefined> {
    const follow = opts.follow ?? true;
    const batch = Math.max(1, opts.batch ?? 64);
    const expiresMs = Math.max(1_000, opts.expiresMs ?? (follow ? 30_000 : 1_000));
    let remaining = opts.max ?? Number.POSITIVE_INFINITY;
    const feed = await this.inboxFeed();
    const loop = feed.attach();
    try {
      while (!this.closing && remaining > 0) {
        let m: JsMsg | undefined;
        try {
          m = await feed.next({ batch: Math.min(batch, remaining), expiresMs, follow }, loop);
        } catch (err) {
          if (!follow || this.closing)
            throw new LtError('UNAVAILABLE', `inbox ${this.inboxDurable}: ${(err as Error).message}`, { durable: this.inboxDurable });
          this.log.warn({ err: (err as Error).message }, 'inbox pull failed; retrying');
          await new Promise((r) => setTimeout(r, 1_000));
          continue;
        }
        if (!m) break;
        const msg = await this.accept(m);
        if (!msg) continue;
        remaining--;
        yield msg;
      }
    } finally {
      loop.detach();
    }
  }

  private inboxFeed(): Promise<InboxFeed> {
    this.feed ??= this.js.consumers.get(this.topo.streams.inbox, this.inboxDurable).then(
      (consumer) => new InboxFeed(consumer, () => this.nc.flush()),
      (err) => {
        this.feed = undefined;
        throw new LtError(
          'UNAVAILABLE',
          `inbox consumer ${this.inboxDurable} on ${this.topo.streams.inbox} is not available (${(err as Error).message}); connect with ensureInbox`,
          {
            durable: this.inboxDurable,
          },
        );
      },
    );
    return this.feed;
  }

  /** Verifies one delivered copy; undefined when it was invalid (already reported and settled). */
  private async accept(m: JsMsg): Promise<InboxMessage | undefined> {
    const headers = headerRecord(m);
    let verified;
    try {
      verified = verifyInbound(m.data, this.directory, headers);
    } catch (e) {
      const error = toLtError(e);
      const keyMissing = error.code === 'UNKNOWN_KEY' && error.details?.reason === undefined;
      const retry = keyMissing && m.info.deliveryCount < (this.opts.unknownKeyDeliveries ?? 3);
      if (retry) m.nak(1_000 * m.info.deliveryCount);
      else m.term();
      this.reportInvalid({
        error,
        action: retry ? 'nak' : 'term',
        seq: m.seq,
        subject: m.subject,
        deliveryCount: m.info.deliveryCount,
        headers,
        bytes: m.data,
      });
      return undefined;
    }
    const { envelope } = verified;
    if (this.handled.has(envelope.id)) {
      // acked and confirmed before, yet delivered again: the server lost that consumer's state
      // (a kill -9 of nats-server can). An envelope id reaches one inbox once, so this is the
      // same copy: ack it again and do not hand the application a document it already has
      this.log.warn({ messageId: envelope.id, seq: m.seq, deliveryCount: m.info.deliveryCount }, 'inbox copy already acknowledged; acked again, not handed over twice');
      m.ackAck().catch(() => undefined);
      return undefined;
    }
    const msg: InboxMessage = {
      id: envelope.id,
      envelope,
      jws: verified.jws,
      bytes: m.data,
      from: verified.hubSigned ? envelope.from : verified.signer,
      kind: envelope.kind,
      kid: verified.kid,
      hubSigned: verified.hubSigned,
      forwardedFrom: headers[HEADERS.forwardedFrom] || undefined,
      flags: (headers[HEADERS.flags] ?? '')
        .split(',')
        .map((f) => f.trim())
        .filter(Boolean),
      headers,
      subject: m.subject,
      seq: m.seq,
      deliveryCount: m.info.deliveryCount,
      redelivered: m.redelivered,
      ack: () => this.ack(m, msg),
      nak: (delayMs?: number) => m.nak(Math.max(NAK_MIN_DELAY_MS, delayMs ?? 0)),
      term: () => m.term(),
      working: () => m.working(),
    };
    if (msg.kind === 'status') this.trackStatus(msg as InboxMessage<StatusBody>);
    if (this.arrivedMode() === 'on-receive' && this.needsArrived(msg)) await this.sendArrived(msg).catch(() => undefined);
    return msg;
  }

  private arrivedMode(): 'on-ack' | 'on-receive' | false {
    const a = this.opts.autoArrived ?? true;
    return a === true ? 'on-ack' : a;
  }

  private needsArrived(msg: InboxMessage): boolean {
    return (msg.kind === 'document' || msg.kind === 'dossier') && !msg.hubSigned && !this.arrived.has(msg.id);
  }

  /** Sends 01 once per document id; a permanent refusal (e.g. own agency suspended) is logged, a transient failure thrown. */
  private async sendArrived(msg: InboxMessage): Promise<void> {
    const p = this.sendStatus(msg, '01');
    this.pending.add(p);
    try {
      await p;
      this.arrived.add(msg.id);
      if (this.arrived.size > (this.opts.trackingLimit ?? 100_000)) this.arrived.delete(this.arrived.values().next().value!);
    } catch (e) {
      const err = toLtError(e);
      this.log.warn({ messageId: msg.id, code: err.code, err: err.message }, 'status 01 not sent');
      if (TRANSIENT.has(err.code)) throw err;
    } finally {
      this.pending.delete(p);
    }
  }

  private async ack(m: JsMsg, msg: InboxMessage): Promise<void> {
    if (this.arrivedMode() === 'on-ack' && this.needsArrived(msg)) await this.sendArrived(msg);
    let ok: boolean;
    try {
      ok = await m.ackAck();
    } catch (err) {
      throw new LtError('UNAVAILABLE', `ack of ${msg.id} (inbox seq ${msg.seq}) not confirmed: ${(err as Error).message}`, {
        envelopeId: msg.id,
        seq: msg.seq,
      });
    }
    if (!ok) throw new LtError('UNAVAILABLE', `ack of ${msg.id} (inbox seq ${msg.seq}) not confirmed by the server`, { envelopeId: msg.id, seq: msg.seq });
    this.handled.add(msg.id);
    if (this.handled.size > (this.opts.handledLimit ?? this.opts.trackingLimit ?? 100_000)) this.handled.delete(this.handled.values().next().value!);
  }

  private trackStatus(msg: InboxMessage<StatusBody>): void {
    const b = msg.envelope.body;
    const recipient = msg.hubSigned ? HUB_TRACKING_KEY : msg.from;
    const isNew = this.tracker.record(b.responseFor, recipient, {
      code: b.statusCode,
      at: msg.envelope.issuedAt,
      description: b.description,
      reasonCode: b.reasonCode,
      statusId: msg.id,
      hubSigned: msg.hubSigned || undefined,
    });
    if (!isNew) return;
    const update = {
      docId: b.responseFor,
      recipient,
      code: b.statusCode,
      at: msg.envelope.issuedAt,
      description: b.description,
      reasonCode: b.reasonCode,
      hubSigned: msg.hubSigned,
      statusId: msg.id,
      message: msg,
    };
    for (const h of this.statusHandlers) {
      try {
        h(update);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'onStatus handler threw');
      }
    }
  }

  private reportInvalid(info: InvalidInboxMessage): void {
    // never silent: with no handler registered the log is the only trace
    const level = this.invalidHandlers.size === 0 ? 'warn' : 'info';
    this.log[level](
      { seq: info.seq, code: info.error.code, err: info.error.message, action: info.action, messageId: info.headers[HEADERS.envelopeId] },
      'invalid inbox copy',
    );
    for (const h of this.invalidHandlers) {
      try {
        h(info);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'onInvalid handler threw');
      }
    }
  }

  // ---------------------------------------------------------------- tracking and events

  /** Statuses received about a document this agency sent: recipient (or 'hub') -> latest code and history. */
  tracking(docId: string): Map<string, RecipientTracking> {
    return this.tracker.get(docId);
  }

  /** Called for every new status about this agency's documents (read from the inbox). Returns an unsubscribe. */
  onStatus(handler: StatusHandler): () => void {
    this.statusHandlers.add(handler);
    return () => this.statusHandlers.delete(handler);
  }

  /** Called for every inbox copy that failed verification. Returns an unsubscribe. */
  onInvalid(handler: InvalidHandler): () => void {
    this.invalidHandlers.add(handler);
    return () => this.invalidHandlers.delete(handler);
  }

  /** Stops inbox fetches (unhanded messages are nak'ed), the directory watch, waits for 01s in flight, drains an owned connection. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    this.closing = true;
    if (this.feed) await (await this.feed.catch(() => undefined))?.close();
    await this.directoryFeed?.stop();
    await Promise.allSettled([...this.pending]);
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
  }
}

/** Shorthand for LienThongClient.connect. */
export function connect(opts: ConnectOptions): Promise<LienThongClient> {
  return LienThongClient.connect(opts);
}

function loadSigningKey(agencyCode: string, opts: ConnectOptions): { signer: SigningKey; kid: string } {
  let jwk = opts.privateJwk;
  let keyId = opts.keyId;
  let alg = opts.alg;
  if (opts.keyFile) {
    let file;
    try {
      file = readKeyFile(opts.keyFile);
    } catch (err) {
      throw new LtError('VALIDATION_FAILED', `key file ${opts.keyFile} cannot be read: ${(err as Error).message}`, { field: 'keyFile' });
    }
    jwk ??= file.privateJwk;
    keyId ??= file.keyId;
    alg ??= file.alg;
  }
  if (!jwk || !keyId) throw new LtError('VALIDATION_FAILED', 'connect needs privateJwk and keyId, or keyFile', { field: 'privateJwk' });
  const jwkAlg = jwk.alg === 'Ed25519' ? 'EdDSA' : jwk.alg;
  alg ??= (SIGNING_ALGS as readonly unknown[]).includes(jwkAlg) ? (jwkAlg as SigningAlg) : 'EdDSA';
  const signer = importPrivateKey(jwk, alg);
  return { signer, kid: formatKid(agencyCode, keyId) };
}

function headerRecord(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m.headers) return out;
  for (const [k, v] of m.headers) out[k] = v[0] ?? '';
  return out;
}
