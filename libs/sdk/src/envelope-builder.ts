import {
  LIMITS,
  LtError,
  uuidv7,
  validateEnvelope,
  type AttachmentRef,
  type DocumentBody,
  type Envelope,
  type EnvelopeKind,
  type FlattenedJws,
  type RecallBody,
  type RecipientSelector,
  type StatusBody,
  type StatusCode,
} from '@lt/contracts';
import { signEnvelope, type SigningKey } from '@lt/crypto';

/**
 * Pure envelope building: every envelope an agency sends goes through buildEnvelope, which runs
 * the same validateEnvelope the router runs, so a bad field fails here with the router's code
 * (SCHEMA_INVALID / INVALID_AGENCY_CODE naming the field) instead of coming back as a status 02.
 */

export interface EnvelopeDraft<B = unknown> {
  kind: EnvelopeKind;
  to: RecipientSelector[];
  body: B;
  attachments?: AttachmentRef[];
  /** UUIDv7 chosen by the caller (e.g. to re-send after a crash: the hub deduplicates by id) */
  id?: string;
}

/** Builds and validates an envelope from `from`, issued at `now` (ISO UTC with milliseconds). */
export function buildEnvelope<B>(from: string, draft: EnvelopeDraft<B>, now: Date): Envelope<B> {
  const envelope: Envelope<B> = {
    id: draft.id ?? uuidv7(now.getTime()),
    kind: draft.kind,
    from,
    to: draft.to,
    issuedAt: now.toISOString(),
    body: draft.body,
  };
  if (draft.attachments !== undefined && draft.attachments.length > 0) envelope.attachments = draft.attachments;
  // validated as given (undefined members pass, as JSON drops them; Dates, NaN and class
  // instances fail), so what is signed is what was checked
  validateEnvelope(envelope);
  return envelope;
}

export interface SealedEnvelope {
  jws: FlattenedJws;
  /** the exact bytes published on the submit subject (the JWS as JSON) */
  bytes: Buffer;
}

/** Signs with the key imported once at connect; PAYLOAD_TOO_LARGE above the hub's message limit. */
export function sealEnvelope(envelope: Envelope, key: SigningKey, kid: string): SealedEnvelope {
  const jws = signEnvelope(envelope, key, kid);
  const bytes = Buffer.from(JSON.stringify(jws), 'utf8');
  if (bytes.byteLength > LIMITS.maxMessageBytes) {
    throw new LtError('PAYLOAD_TOO_LARGE', `signed envelope ${envelope.id} is ${bytes.byteLength} bytes; at most ${LIMITS.maxMessageBytes}`, {
      size: bytes.byteLength,
      limit: LIMITS.maxMessageBytes,
      envelopeId: envelope.id,
    });
  }
  return { jws, bytes };
}

// ---------------------------------------------------------------- bodies

export interface StatusOptions {
  description?: string;
  /** required for 02: the machine-readable reason, an ErrorCode */
  reasonCode?: string;
  staffInfo?: StatusBody['staffInfo'];
}

/** edXML status about document `responseFor` (an envelope id). */
export function statusBody(responseFor: string, statusCode: StatusCode, opts: StatusOptions, now: Date): StatusBody {
  const body: StatusBody = { responseFor, statusCode, timestamp: now.toISOString() };
  if (opts.description !== undefined) body.description = opts.description;
  if (opts.reasonCode !== undefined) body.reasonCode = opts.reasonCode;
  if (opts.staffInfo !== undefined) body.staffInfo = opts.staffInfo;
  return body;
}

/** Recall (status 13 semantics) of document `docId`. */
export function recallBody(docId: string, reason?: string): RecallBody {
  return reason === undefined ? { responseFor: docId } : { responseFor: docId, reason };
}

/** businessDocType 2 (update) or 3 (replace) of envelope `originalId`. */
export function amendmentBody(body: DocumentBody, originalId: string, businessDocType: 2 | 3, reason?: string): DocumentBody {
  const business: NonNullable<DocumentBody['business']> = { ...body.business, businessDocType, originalId };
  if (reason !== undefined) business.businessDocReason = reason;
  return { ...body, business };
}

/** What reply() needs to know about the answered document (an InboxMessage fits). */
export interface AnsweredDocument {
  /** envelope id of the answered document */
  id: string;
  /** its sender */
  from: string;
  envelope?: Envelope;
}

/**
 * A document answering another: responseFor gets {organId: its sender, documentId: its envelope
 * id} plus its số/ký hiệu and promulgation date when the answered envelope is at hand.
 */
export function replyBody(original: AnsweredDocument, body: DocumentBody): DocumentBody {
  const entry: NonNullable<DocumentBody['responseFor']>[number] = { organId: original.from, documentId: original.id };
  const answered = original.envelope?.kind === 'document' ? (original.envelope.body as Partial<DocumentBody>) : undefined;
  if (answered?.code?.codeNumber && answered.code.codeNotation) entry.code = `${answered.code.codeNumber}/${answered.code.codeNotation}`;
  if (answered?.promulgationInfo?.promulgationDate) entry.promulgationDate = answered.promulgationInfo.promulgationDate;
  const already = (body.responseFor ?? []).some((r) => r.documentId === entry.documentId);
  return already ? body : { ...body, responseFor: [...(body.responseFor ?? []), entry] };
}
