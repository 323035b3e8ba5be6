import { join, resolve } from 'node:path';
import type { JsMsg } from '@nats-io/jetstream';
import { LtError, parseInboxHeaders, toLtError, type ErrorCode, type StatusBody } from '@lt/contracts';
import { systemClock } from '@lt/platform';
import { DEFAULT_ISSUED_AT_WINDOW, type IssuedAtWindow } from '../inbound-checks';
import { inboxDurableName } from '../inbox-consumer';
import type { InboxMessage, InboxOptions, InvalidHandler, InvalidInboxMessage } from '../types';
import { verifyInbound } from '../verify-inbound';
import { openAttachment } from '../attachment-channel';
import type { AgencyConnection } from './connection';
import { HandledRegister } from './handled-register';
import { InboxFeed, NAK_MIN_DELAY_MS } from './inbox-feed';
import type { EnvelopeSender } from './sender';
import type { StatusTracking } from './status-tracking';

/** Default folder of the client's state (the handled-id register), under the working folder. */
export const DEFAULT_STATE_DIR = join('.data', 'sdk');

/** Codes of a failed publish worth retrying later (the message stays unacked and comes back). */
const TRANSIENT: ReadonlySet<ErrorCode> = new Set(['UNAVAILABLE', 'TIMEOUT', 'INTERNAL']);

/**
 * The client's receiving side: reads the agency's durable inbox consumer through one InboxFeed,
 * verifies every copy against the directory, reports the invalid ones, hands statuses to
 * StatusTracking, sends the automatic 01 (arrived) through the sender, and confirms acks.
 */
export class InboxReader {
  /** durable name of this agency's inbox consumer */
  readonly durable: string;
  private readonly arrivedMode: 'on-ack' | 'on-receive' | false;
  private readonly unknownKeyDeliveries: number;
  private readonly arrivedLimit: number;
  private readonly handledLimit: number;
  private readonly window: IssuedAtWindow;
  /** document ids a 01 was sent for (oldest first, bounded) */
  private readonly arrived = new Set<string>();
  /**
   * envelope ids of inbox copies whose ack the server confirmed (kept across restarts, see
   * HandledRegister): such a copy delivered again is acked again, never yielded twice. Opened on
   * the first copy read, so a client that only sends writes no file.
   */
  private handledIds?: HandledRegister;
  /** 01s being published; close() waits for them */
  private readonly pending = new Set<Promise<unknown>>();
  private readonly invalidHandlers = new Set<InvalidHandler>();
  private feed?: Promise<InboxFeed>;
  private closing = false;

  constructor(
    private readonly conn: AgencyConnection,
    private readonly sender: EnvelopeSender,
    private readonly statuses: StatusTracking,
  ) {
    const opts = conn.opts;
    this.durable = inboxDurableName(conn.agencyCode);
    const auto = opts.autoArrived ?? true;
    this.arrivedMode = auto === true ? 'on-ack' : auto;
    this.unknownKeyDeliveries = opts.unknownKeyDeliveries ?? 3;
    this.arrivedLimit = opts.trackingLimit ?? 100_000;
    this.handledLimit = opts.handledLimit ?? this.arrivedLimit;
    this.window = { ...DEFAULT_ISSUED_AT_WINDOW, ...opts.issuedAtWindow };
    if (opts.onInvalid) this.invalidHandlers.add(opts.onInvalid);
  }

  private now(): number {
    return (this.conn.clock ?? systemClock).now().getTime();
  }

  /** The handled-id register, opened on first use (file under stateDir, or in memory). */
  private get handled(): HandledRegister {
    if (this.handledIds) return this.handledIds;
    const { stateDir } = this.conn.opts;
    const base = { limit: this.handledLimit, maxAgeMs: this.window.maxAgeMs + this.window.maxFutureMs, now: () => this.now() };
    if (stateDir === false) return (this.handledIds = HandledRegister.open(base));
    const file = resolve(stateDir ?? DEFAULT_STATE_DIR, `handled-${this.conn.topo?.ns ?? 'lt'}-${this.conn.agencyCode}.jsonl`);
    try {
      this.handledIds = HandledRegister.open({ ...base, file });
    } catch (err) {
      // a folder the application chose must work; the default may not be writable (read-only image)
      if (stateDir !== undefined) throw err;
      this.conn.log.warn({ err: (err as Error).message }, 'handled-id register kept in memory only: a restart forgets which copies were acked');
      this.handledIds = HandledRegister.open(base);
    }
    return this.handledIds;
  }

  /** Verified messages; see LienThongClient.inbox. */
  async *read(opts: InboxOptions): AsyncGenerator<InboxMessage, void, undefined> {
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
          if (!follow || this.closing) throw new LtError('UNAVAILABLE', `inbox ${this.durable}: ${(err as Error).message}`, { durable: this.durable });
          this.conn.log.warn({ err: (err as Error).message }, 'inbox pull failed; retrying');
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

  /** Returns an unsubscribe. */
  onInvalid(handler: InvalidHandler): () => void {
    this.invalidHandlers.add(handler);
    return () => this.invalidHandlers.delete(handler);
  }

  /** Stops reading (what was pulled but not handed out is nak'ed back) and waits for the 01s in flight. */
  async close(): Promise<void> {
    this.closing = true;
    if (this.feed) await (await this.feed.catch(() => undefined))?.close();
    await Promise.allSettled([...this.pending]);
    this.handledIds?.close();
  }

  private inboxFeed(): Promise<InboxFeed> {
    const { js, nc, topo } = this.conn;
    this.feed ??= js.consumers.get(topo.streams.inbox, this.durable).then(
      (consumer) => new InboxFeed(consumer, () => nc.flush()),
      (err) => {
        this.feed = undefined;
        throw new LtError(
          'UNAVAILABLE',
          `inbox consumer ${this.durable} on ${topo.streams.inbox} is not available (${(err as Error).message}); connect with ensureInbox`,
          { durable: this.durable },
        );
      },
    );
    return this.feed;
  }

  /** Verifies one delivered copy; undefined when it was invalid (already reported and settled) or already handled. */
  private async accept(m: JsMsg): Promise<InboxMessage | undefined> {
    const headers = headerRecord(m);
    let verified;
    try {
      verified = verifyInbound(m.data, this.conn.directory, headers, { recipient: this.conn.agencyCode, nowMs: this.now(), issuedAtWindow: this.window });
    } catch (e) {
      const error = toLtError(e);
      // the directory may be behind the hub's: a key, a successor or a child not seen yet
      const keyMissing = error.code === 'UNKNOWN_KEY' && error.details?.reason === undefined;
      const recipientMissing = error.details?.reason === 'not_addressed' && error.details?.directoryDependent === true;
      const retry = (keyMissing || recipientMissing) && m.info.deliveryCount < this.unknownKeyDeliveries;
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
      this.conn.log.warn(
        { messageId: envelope.id, seq: m.seq, deliveryCount: m.info.deliveryCount },
        'inbox copy already acknowledged; acked again, not handed over twice',
      );
      m.ackAck().catch(() => undefined);
      return undefined;
    }
    const routing = parseInboxHeaders(headers);
    const msg: InboxMessage = {
      id: envelope.id,
      envelope,
      jws: verified.jws,
      bytes: m.data,
      from: verified.hubSigned ? envelope.from : verified.signer,
      kind: envelope.kind,
      kid: verified.kid,
      hubSigned: verified.hubSigned,
      forwardedFrom: routing.forwardedFrom,
      flags: routing.flags,
      headers,
      subject: m.subject,
      seq: m.seq,
      deliveryCount: m.info.deliveryCount,
      redelivered: m.redelivered,
      ack: () => this.ack(m, msg),
      nak: (delayMs?: number) => m.nak(Math.max(NAK_MIN_DELAY_MS, delayMs ?? 0)),
      term: () => m.term(),
      working: () => m.working(),
      attachment: (name, o) => openAttachment(this.conn, envelope, name, o),
    };
    if (msg.kind === 'status') this.statuses.received(msg as InboxMessage<StatusBody>);
    if (this.arrivedMode === 'on-receive' && this.needsArrived(msg)) await this.sendArrived(msg).catch(() => undefined);
    return msg;
  }

  private needsArrived(msg: InboxMessage): boolean {
    return (msg.kind === 'document' || msg.kind === 'dossier') && !msg.hubSigned && !this.arrived.has(msg.id);
  }

  /** Sends 01 once per document id; a permanent refusal (e.g. own agency suspended) is logged, a transient failure thrown. */
  private async sendArrived(msg: InboxMessage): Promise<void> {
    const p = this.sender.sendStatus(msg, '01', {});
    this.pending.add(p);
    try {
      await p;
      this.arrived.add(msg.id);
      if (this.arrived.size > this.arrivedLimit) this.arrived.delete(this.arrived.values().next().value!);
    } catch (e) {
      const err = toLtError(e);
      this.conn.log.warn({ messageId: msg.id, code: err.code, err: err.message }, 'status 01 not sent');
      if (TRANSIENT.has(err.code)) throw err;
    } finally {
      this.pending.delete(p);
    }
  }

  /** Confirmed ack, after the 01 when autoArrived is 'on-ack'; then the copy counts as handled. */
  private async ack(m: JsMsg, msg: InboxMessage): Promise<void> {
    if (this.arrivedMode === 'on-ack' && this.needsArrived(msg)) await this.sendArrived(msg);
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
    try {
      this.handled.add(msg.id, Date.parse(msg.envelope.issuedAt));
    } catch (err) {
      // the ack stands; only a restart may then hand this copy over again if the server redelivers it
      this.conn.log.warn({ messageId: msg.id, err: (err as Error).message }, 'handled-id register not written');
    }
  }

  private reportInvalid(info: InvalidInboxMessage): void {
    // never silent: with no handler registered the log is the only trace
    const level = this.invalidHandlers.size === 0 ? 'warn' : 'info';
    this.conn.log[level](
      { seq: info.seq, code: info.error.code, err: info.error.message, action: info.action, messageId: parseInboxHeaders(info.headers).envelopeId },
      'invalid inbox copy',
    );
    for (const h of this.invalidHandlers) {
      try {
        h(info);
      } catch (err) {
        this.conn.log.error({ err: (err as Error).message }, 'onInvalid handler threw');
      }
    }
  }
}

/** Every header of a copy, first value of each (InboxMessage.headers). */
function headerRecord(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (!m.headers) return out;
  for (const [k, v] of m.headers) out[k] = v[0] ?? '';
  return out;
}
