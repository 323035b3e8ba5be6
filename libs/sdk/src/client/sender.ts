import type { PubAck } from '@nats-io/jetstream';
import { context as otelContext } from '@opentelemetry/api';
import { endSpan, SpanKind, startSpan, streamLimitHit, traceHeaders } from '@lt/messaging';
import {
  LtError,
  toLtError,
  type DocumentBody,
  type Envelope,
  type ErrorCode,
  type RecallBody,
  type RecipientSelector,
  type StatusBody,
  type StatusCode,
} from '@lt/contracts';
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
} from '../envelope-builder';
import type { AmendOptions, InboxMessage, RecallOptions, ReplyOptions, SendDocumentInput, SendResult, SendStatusOptions } from '../types';
import type { AgencyConnection } from './connection';
import type { StatusTracking } from './status-tracking';

/**
 * The client's sending side: every envelope (document, dossier, status, recall) is built,
 * checked against the directory, signed and published on the agency's submit subject with its
 * id as Nats-Msg-Id, so a re-send with the same id is a duplicate for the hub. Remembers the
 * recipients of the documents it sent, the defaults of recall/update/replace.
 */
export class EnvelopeSender {
  /** documents this client sent -> their recipients (oldest forgotten beyond rememberLimit) */
  private readonly sentTo = new Map<string, RecipientSelector[]>();
  private readonly rememberLimit: number;
  private readonly preflightOn: boolean;
  private readonly submitSubject: string;

  constructor(
    private readonly conn: AgencyConnection,
    private readonly statuses: StatusTracking,
  ) {
    this.rememberLimit = conn.opts.trackingLimit ?? 100_000;
    this.preflightOn = conn.opts.preflight !== false;
    this.submitSubject = conn.topo.submitSubject(conn.agencyCode);
  }

  /** Builds, validates, signs (no publish). */
  prepare<B>(draft: EnvelopeDraft<B>): { envelope: Envelope<B> } & SealedEnvelope {
    const envelope = buildEnvelope(this.conn.agencyCode, draft, this.conn.clock.now());
    this.preflight(envelope);
    return { envelope, ...sealEnvelope(envelope, this.conn.signer, this.conn.kid) };
  }

  async sendEnvelope<B>(draft: EnvelopeDraft<B>): Promise<SendResult<B>> {
    const prepared = this.prepare(draft);
    const result = await this.publish(prepared.envelope, prepared.bytes);
    this.remember(prepared.envelope);
    return result;
  }

  sendDocument(input: SendDocumentInput): Promise<SendResult<DocumentBody>> {
    return this.sendEnvelope({ kind: 'document', to: input.to, body: input.body, attachments: input.attachments, id: input.id });
  }

  /** Up to `window` publishes in flight, the oldest awaited first (JetStream acks them in order). */
  async sendDocumentBatch(inputs: readonly SendDocumentInput[], opts: { window?: number }): Promise<SendResult<DocumentBody>[]> {
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

  sendStatus(responseFor: { id: string; from: string }, statusCode: StatusCode, opts: SendStatusOptions): Promise<SendResult<StatusBody>> {
    const body = statusBody(responseFor.id, statusCode, opts, this.conn.clock.now());
    return this.sendEnvelope({ kind: 'status', to: [responseFor.from], body, id: opts.id });
  }

  /** Recorded in tracking as a local 13 per explicit recipient once the hub accepted it. */
  async recall(docId: string, opts: RecallOptions): Promise<SendResult<RecallBody>> {
    const to = opts.to ?? this.recipientsOf(docId, 'recall');
    const result = await this.sendEnvelope({ kind: 'recall', to, body: recallBody(docId, opts.reason), id: opts.id });
    this.statuses.recalled(docId, to, result.envelope.issuedAt, opts.reason);
    return result;
  }

  /** A document updating (businessDocType 2) or replacing (3) envelope `originalId`. */
  amend(originalId: string, type: 2 | 3, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    const to = opts.to ?? this.recipientsOf(originalId, type === 2 ? 'update' : 'replace');
    return this.sendEnvelope({
      kind: 'document',
      to,
      body: amendmentBody(opts.body, originalId, type, opts.reason),
      attachments: opts.attachments,
      id: opts.id,
    });
  }

  reply(original: AnsweredDocument, opts: ReplyOptions): Promise<SendResult<DocumentBody>> {
    return this.sendEnvelope({
      kind: 'document',
      to: opts.to ?? [original.from],
      body: replyBody(original, opts.body),
      attachments: opts.attachments,
      id: opts.id,
    });
  }

  /** Throws at once (no promise) when `recall` is not a recall. */
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
    if (this.sentTo.size > this.rememberLimit) this.sentTo.delete(this.sentTo.keys().next().value!);
  }

  /** What the router would refuse, refused here first with the same codes (see ConnectOptions.preflight). */
  private preflight(envelope: Envelope): void {
    if (!this.preflightOn) return;
    const { directory: dir, agencyCode, kid } = this.conn;
    const me = dir.agency(agencyCode);
    if (!me) throw new LtError('UNKNOWN_AGENCY', `sender ${agencyCode} is not in the agency directory (${this.conn.topo.kvAgencies})`, { from: agencyCode });
    if (me.status === 'closed') {
      throw new LtError('AGENCY_CLOSED', `sender ${agencyCode} is closed${me.successorCode ? `; its successor is ${me.successorCode}` : ''}`, {
        from: agencyCode,
      });
    }
    if (me.status === 'suspended') throw new LtError('AGENCY_SUSPENDED', `sender ${agencyCode} is suspended`, { from: agencyCode });
    const registered = dir.verifyKeyFor(kid, envelope.issuedAt);
    if (!registered.spki.equals(this.conn.signer.publicKey.spki)) {
      throw new LtError('BAD_SIGNATURE', `the private key given for ${kid} does not match the public key registered under that kid`, { kid });
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
    const subject = this.submitSubject;
    // a PRODUCER span under the application's active trace (its own tracer's, if it registered
    // one), passed on in `traceparent`. Without a trace, no header: a fresh id per document cost
    // the SDK about a fifth of its CPU per document in the bench, and the hub starts its own
    // trace at the router when it records spans
    const { span, ctx } = startSpan('submit', SpanKind.PRODUCER, otelContext.active(), () => ({
      'messaging.system': 'nats',
      'messaging.destination.name': subject,
      'lt.envelope_id': envelope.id,
    }));
    const headers = traceHeaders(ctx);
    let ack: PubAck;
    try {
      ack = await this.conn.js.publish(subject, bytes, { msgID: envelope.id, expect: { streamName: this.conn.topo.streams.submit }, headers });
      endSpan(span);
    } catch (err) {
      endSpan(span, err);
      const message = (err as Error).message ?? String(err);
      const full = streamLimitHit(err);
      if (full) {
        // nothing was stored: the same envelope can be sent again once the hub has room
        const what = full === 'messages-per-subject' ? `this agency has too many submissions waiting to be routed` : `the submit stream is at its size limit`;
        throw new LtError('HUB_FULL', `the hub refuses new submissions: ${what}; envelope ${envelope.id} was not accepted, send it again later`, {
          envelopeId: envelope.id,
          subject,
          limit: full,
        });
      }
      const code: ErrorCode = /timeout/i.test(message) ? 'TIMEOUT' : 'UNAVAILABLE';
      throw new LtError(code, `envelope ${envelope.id} was not accepted by the hub on ${subject}: ${message}`, { envelopeId: envelope.id, subject });
    }
    return { id: envelope.id, seq: ack.seq, duplicate: ack.duplicate, envelope };
  }
}
