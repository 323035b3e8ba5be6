import {
  attachmentsHeader,
  HEADERS,
  inboxCopyMsgId,
  type EventType,
  type HubEventMap,
  type HubEventOf,
  type InboxCopyHeaders,
  type RecallBody,
  type StatusBody,
  type Topology,
} from '@lt/contracts';
import type { HubSigner } from '@lt/crypto';
import { HubInboxWriter, type JetStreamPublisher, type TraceContext } from '@lt/messaging';
import type { Outcome, Refuse, SubmissionFacts } from '../domain/decision';
import { submissionDerivedId } from '../domain/derived-id';
import { refusalEnvelope } from './refusal-envelope';

/** Headers on a dead-lettered submission (the original headers are not kept, the bytes are). */
export const DEAD_LETTER_HEADERS = {
  reason: 'Lt-Dlq-Reason',
  subject: 'Lt-Dlq-Subject',
  deliveries: 'Lt-Dlq-Deliveries',
  submitSeq: HEADERS.submitSeq,
  digest: HEADERS.digest,
} as const;

/**
 * Writes routing outcomes to JetStream: inbox copies (the delivery facts the audit reads), hub-
 * signed refusals, and the events that leave no other trace. Every publish carries a
 * deterministic message id, so re-running a batch after a crash is deduplicated by the streams.
 * Returns the pending PubAcks: the caller awaits a whole batch at once.
 */
export class JetStreamDelivery {
  private readonly hubInbox: HubInboxWriter;

  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly topo: Topology,
    signer: HubSigner,
    private readonly hubAgency: string,
  ) {
    this.hubInbox = new HubInboxWriter(publisher, topo, signer);
  }

  publish(o: Outcome, data: Uint8Array, routedAt: Date, trace?: TraceContext): Promise<unknown>[] {
    switch (o.type) {
      case 'deliver':
        return this.deliver(o, data, routedAt, trace);
      case 'refuse':
        return this.refuse(o, routedAt, trace);
      case 'replay':
        return [
          this.event('msg.replayed', o.facts, routedAt, o.envelopeId, [o.sender], trace, {
            envelopeId: o.envelopeId,
            from: o.sender,
            ...(o.kind ? { kind: o.kind } : {}),
            digest: o.facts.digest,
            submitSeq: o.facts.seq,
            firstSubmitSeq: o.firstSubmitSeq,
          }),
        ];
    }
  }

  private deliver(o: Extract<Outcome, { type: 'deliver' }>, data: Uint8Array, routedAt: Date, trace: TraceContext | undefined): Promise<unknown>[] {
    const env = o.envelope;
    // one header set for all copies: only the recipient differs (written out before each publish returns)
    const headers: InboxCopyHeaders = {
      envelopeId: o.envelopeId,
      from: o.sender,
      to: '',
      kind: env.kind,
      kid: o.kid,
      issuedAt: env.issuedAt,
      digest: o.facts.digest,
      submitSeq: o.facts.seq,
      routedAt: routedAt.toISOString(),
      copies: o.copies.length,
      forwardedFrom: undefined,
      responseFor: env.kind === 'status' ? (env.body as StatusBody).responseFor : env.kind === 'recall' ? (env.body as RecallBody).responseFor : undefined,
      statusCode: env.kind === 'status' ? (env.body as StatusBody).statusCode : undefined,
      flags: o.flags,
      dossierCode: o.dossierCode,
      attachments: env.attachments === undefined ? undefined : attachmentsHeader(env.attachments),
    };
    const pending: Promise<unknown>[] = o.copies.map((c) => {
      headers.to = c.recipient;
      headers.forwardedFrom = c.forwardedFrom;
      return this.publisher.publishInboxCopy(this.topo.inboxSubject(c.recipient), data, inboxCopyMsgId(o.envelopeId, c.recipient), headers, trace);
    });
    if (o.firstEnvelopeWithNumber && o.documentNumber) {
      const n = o.documentNumber;
      pending.push(
        this.event('msg.flagged', o.facts, routedAt, o.envelopeId, [o.sender], trace, {
          flag: 'duplicate-number',
          envelopeId: o.envelopeId,
          from: o.sender,
          codeNumber: n.codeNumber,
          codeNotation: n.codeNotation,
          year: n.year,
          firstEnvelopeId: o.firstEnvelopeWithNumber,
          digest: o.facts.digest,
          submitSeq: o.facts.seq,
        }),
      );
    }
    return pending;
  }

  private refuse(o: Refuse, routedAt: Date, trace: TraceContext | undefined): Promise<unknown>[] {
    const bounced = o.bounceTo !== null;
    const agencies = [o.bounceTo ?? o.facts.subjectAgency].filter((c): c is string => !!c);
    const pending: Promise<unknown>[] = [
      this.event('msg.rejected', o.facts, routedAt, o.envelopeId, agencies, trace, {
        reasonCode: o.reasonCode,
        reason: o.reason,
        ...(o.from ? { from: o.from } : {}),
        ...(o.kind ? { kind: String(o.kind) } : {}),
        digest: o.facts.digest,
        ...(o.envelopeId ? { envelopeId: o.envelopeId } : {}),
        bounced,
        submitSeq: o.facts.seq,
      }),
    ];
    if (o.bounceTo) pending.push(this.bounce(o, o.bounceTo, routedAt, trace));
    return pending;
  }

  /** Status 02, hub-signed, into the authenticated sender's own inbox. */
  private bounce(o: Refuse, sender: string, routedAt: Date, trace: TraceContext | undefined): Promise<unknown> {
    const id = submissionDerivedId('refusal', o.facts);
    // an id that could not be read still gets a stable reference, derived from the submission
    const responseFor = o.envelopeId ?? submissionDerivedId('unreadable-envelope', o.facts);
    const refusal = refusalEnvelope({ id, hubAgency: this.hubAgency, sender, responseFor, reasonCode: o.reasonCode, reason: o.reason, at: routedAt });
    return this.hubInbox.deliver(refusal, { submitSeq: o.facts.seq, responseFor, statusCode: refusal.body.statusCode }, trace);
  }

  /** A poison submission: its bytes to the dead-letter subject, and an event saying why. */
  deadLetter(facts: SubmissionFacts, data: Uint8Array, reason: string, deliveries: number, at: Date, trace?: TraceContext): Promise<unknown>[] {
    const subject = this.topo.deadLetterSubject('submit');
    const h = {
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
      [DEAD_LETTER_HEADERS.subject]: facts.subject,
      [DEAD_LETTER_HEADERS.deliveries]: String(deliveries),
      [DEAD_LETTER_HEADERS.submitSeq]: String(facts.seq),
      [DEAD_LETTER_HEADERS.digest]: facts.digest,
    };
    return [
      this.publisher.publish(subject, data, `submit:${facts.seq}:${facts.digest.slice(0, 16)}`, h, trace),
      this.event('msg.deadlettered', facts, at, undefined, facts.subjectAgency ? [facts.subjectAgency] : [], trace, {
        reason,
        subject: facts.subject,
        deliveries,
        digest: facts.digest,
        submitSeq: facts.seq,
        deadLetterSubject: subject,
      }),
    ];
  }

  private event<T extends EventType>(
    type: T,
    facts: SubmissionFacts,
    at: Date,
    messageId: string | undefined,
    agencies: string[],
    trace: TraceContext | undefined,
    data: HubEventMap[T],
  ): Promise<unknown> {
    const event: HubEventOf<T> = {
      id: submissionDerivedId(type, facts),
      type,
      at: at.toISOString(),
      source: 'router',
      ...(messageId ? { messageId } : {}),
      agencies,
      data,
    };
    return this.publisher.publishEvent(event, trace);
  }
}
