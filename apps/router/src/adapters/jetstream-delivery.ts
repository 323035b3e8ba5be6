import {
  DOSSIER_CODE_HEADER, HEADERS, type HubEvent, type MsgRejectedData, type RecallBody, type StatusBody, type Topology } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { JetStreamPublisher } from '@lt/messaging';
import type { Outcome, Refuse, SubmissionFacts } from '../route-submission/decision';
import { submissionDerivedId } from '../route-submission/derived-id';
import { refusalEnvelope, type HubSigner } from './hub-signer';

/** Headers on a dead-lettered submission (the original headers are not kept, the bytes are). */
export const DEAD_LETTER_HEADERS = {
  reason: 'Lt-Dlq-Reason',
  subject: 'Lt-Dlq-Subject',
  deliveries: 'Lt-Dlq-Deliveries',
  submitSeq: HEADERS.submitSeq,
  digest: HEADERS.digest,
} as const;

export interface MsgReplayedData {
  envelopeId: string;
  from: string;
  kind?: string;
  digest: string;
  submitSeq: number;
  /** submission that first carried this envelope id */
  firstSubmitSeq: number;
}

export interface MsgFlaggedData {
  flag: string;
  envelopeId: string;
  from: string;
  codeNumber: string;
  codeNotation: string;
  year: number;
  /** envelope that first took this (number, notation) in that year */
  firstEnvelopeId: string;
  digest: string;
  submitSeq: number;
}

export interface MsgDeadLetteredData {
  reason: string;
  subject: string;
  deliveries: number;
  digest: string;
  submitSeq: number;
  deadLetterSubject: string;
}

/**
 * Writes routing outcomes to JetStream: inbox copies (the delivery facts the audit reads), hub-
 * signed refusals, and the events that leave no other trace. Every publish carries a
 * deterministic message id, so re-running a batch after a crash is deduplicated by the streams.
 * Returns the pending PubAcks: the caller awaits a whole batch at once.
 */
export class JetStreamDelivery {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly topo: Topology,
    private readonly signer: HubSigner,
    private readonly hubAgency: string,
  ) {}

  publish(o: Outcome, data: Uint8Array, routedAt: Date): Promise<unknown>[] {
    switch (o.type) {
      case 'deliver':
        return this.deliver(o, data, routedAt);
      case 'refuse':
        return this.refuse(o, routedAt);
      case 'replay':
        return [
          this.event<MsgReplayedData>('msg.replayed', o.facts, routedAt, o.envelopeId, [o.sender], {
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

  private deliver(o: Extract<Outcome, { type: 'deliver' }>, data: Uint8Array, routedAt: Date): Promise<unknown>[] {
    const env = o.envelope;
    const common: Record<string, string> = {
      [HEADERS.envelopeId]: o.envelopeId,
      [HEADERS.from]: o.sender,
      [HEADERS.kind]: env.kind,
      [HEADERS.kid]: o.kid,
      [HEADERS.issuedAt]: env.issuedAt,
      [HEADERS.digest]: o.facts.digest,
      [HEADERS.submitSeq]: String(o.facts.seq),
      [HEADERS.routedAt]: routedAt.toISOString(),
      [HEADERS.copies]: String(o.copies.length),
    };
    if (env.kind === 'status') {
      const b = env.body as StatusBody;
      common[HEADERS.responseFor] = b.responseFor;
      common[HEADERS.statusCode] = b.statusCode;
    } else if (env.kind === 'recall') {
      common[HEADERS.responseFor] = (env.body as RecallBody).responseFor;
    }
    if (o.flags.length > 0) common[HEADERS.flags] = o.flags.join(',');
    if (o.dossierCode) common[DOSSIER_CODE_HEADER] = o.dossierCode;
    const pending: Promise<unknown>[] = o.copies.map((c) => {
      const h: Record<string, string> = { ...common, [HEADERS.to]: c.recipient };
      if (c.forwardedFrom) h[HEADERS.forwardedFrom] = c.forwardedFrom;
      return this.publisher.publish(this.topo.inboxSubject(c.recipient), data, `${o.envelopeId}:${c.recipient}`, h);
    });
    if (o.firstEnvelopeWithNumber && o.documentNumber) {
      const n = o.documentNumber;
      pending.push(
        this.event<MsgFlaggedData>('msg.flagged', o.facts, routedAt, o.envelopeId, [o.sender], {
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

  private refuse(o: Refuse, routedAt: Date): Promise<unknown>[] {
    const bounced = o.bounceTo !== null;
    const agencies = [o.bounceTo ?? o.facts.subjectAgency].filter((c): c is string => !!c);
    const pending: Promise<unknown>[] = [
      this.event<MsgRejectedData>('msg.rejected', o.facts, routedAt, o.envelopeId, agencies, {
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
    if (o.bounceTo) pending.push(this.bounce(o, o.bounceTo, routedAt));
    return pending;
  }

  /** Status 02, hub-signed, into the authenticated sender's own inbox. */
  private bounce(o: Refuse, sender: string, routedAt: Date): Promise<unknown> {
    const id = submissionDerivedId('refusal', o.facts);
    // an id that could not be read still gets a stable reference, derived from the submission
    const responseFor = o.envelopeId ?? submissionDerivedId('unreadable-envelope', o.facts);
    const { bytes } = this.signer.sign(
      refusalEnvelope({ id, hubAgency: this.hubAgency, sender, responseFor, reasonCode: o.reasonCode, reason: o.reason, at: routedAt }),
    );
    const h: Record<string, string> = {
      [HEADERS.envelopeId]: id,
      [HEADERS.from]: this.hubAgency,
      [HEADERS.to]: sender,
      [HEADERS.kind]: 'status',
      [HEADERS.kid]: this.signer.kid,
      [HEADERS.issuedAt]: routedAt.toISOString(),
      [HEADERS.digest]: sha256Hex(bytes),
      [HEADERS.submitSeq]: String(o.facts.seq),
      [HEADERS.routedAt]: routedAt.toISOString(),
      [HEADERS.copies]: '1',
      [HEADERS.responseFor]: responseFor,
      [HEADERS.statusCode]: '02',
      [HEADERS.hubSigned]: '1',
    };
    return this.publisher.publish(this.topo.inboxSubject(sender), bytes, `${id}:${sender}`, h);
  }

  /** A poison submission: its bytes to the dead-letter subject, and an event saying why. */
  deadLetter(facts: SubmissionFacts, data: Uint8Array, reason: string, deliveries: number, at: Date): Promise<unknown>[] {
    const subject = this.topo.deadLetterSubject('submit');
    const h = {
      [DEAD_LETTER_HEADERS.reason]: reason.slice(0, 1000),
      [DEAD_LETTER_HEADERS.subject]: facts.subject,
      [DEAD_LETTER_HEADERS.deliveries]: String(deliveries),
      [DEAD_LETTER_HEADERS.submitSeq]: String(facts.seq),
      [DEAD_LETTER_HEADERS.digest]: facts.digest,
    };
    return [
      this.publisher.publish(subject, data, `submit:${facts.seq}:${facts.digest.slice(0, 16)}`, h),
      this.event<MsgDeadLetteredData>('msg.deadlettered', facts, at, undefined, facts.subjectAgency ? [facts.subjectAgency] : [], {
        reason,
        subject: facts.subject,
        deliveries,
        digest: facts.digest,
        submitSeq: facts.seq,
        deadLetterSubject: subject,
      }),
    ];
  }

  private event<D>(type: HubEvent['type'], facts: SubmissionFacts, at: Date, messageId: string | undefined, agencies: string[], data: D): Promise<unknown> {
    const event: HubEvent<D> = {
      id: submissionDerivedId(type, facts),
      type,
      at: at.toISOString(),
      source: 'router',
      ...(messageId ? { messageId } : {}),
      agencies,
      data,
    };
    return this.publisher.publishEvent(event as unknown as HubEvent);
  }
}
