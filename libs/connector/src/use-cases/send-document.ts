import { checkObject, LtError, type AttachmentRef, type DocumentBody, type RecipientSelector } from '@lt/contracts';
import type { AttachmentInput, SendResult } from '@lt/sdk';
import type { ConnectorDeps } from '../deps';
import type { SentRecord } from '../store/connector-store';

/** `POST /v1/outbox` as JSON: the hub's document model (docs/edxml.md maps edXML onto it). */
export interface OutboxDocument {
  to: RecipientSelector[];
  body: DocumentBody;
  /** references to bytes already uploaded (multipart parts are added by the HTTP layer) */
  attachments?: AttachmentRef[];
  /** re-send with this id: the hub ignores a duplicate */
  id?: string;
}

export interface Accepted {
  id: string;
  kind: string;
  /** the hub already had this id: nothing new was queued */
  duplicate: boolean;
}

const OUTBOX_FIELDS: ReadonlySet<string> = new Set(['to', 'body', 'attachments', 'id']);

/** Shape of a JSON outbox request; the fields themselves are checked by the SDK (the hub's own validator). */
export function parseOutboxDocument(value: unknown): OutboxDocument {
  const o = checkObject(value, '', OUTBOX_FIELDS);
  if (!Array.isArray(o.to) || o.to.length === 0)
    throw new LtError('SCHEMA_INVALID', 'to must be a non-empty array of agency codes or {childrenOf, tier?, depth?}', { field: 'to' });
  if (o.body === undefined) throw new LtError('SCHEMA_INVALID', 'body is required', { field: 'body', reason: 'required' });
  if (o.attachments !== undefined && !Array.isArray(o.attachments))
    throw new LtError('SCHEMA_INVALID', 'attachments must be an array', { field: 'attachments' });
  if (o.id !== undefined && typeof o.id !== 'string') throw new LtError('SCHEMA_INVALID', 'id must be a UUID string', { field: 'id' });
  return o as unknown as OutboxDocument;
}

/** Signs with the agency's key and submits; resolves once the hub accepted it (its PubAck). */
export async function sendDocument(deps: ConnectorDeps, doc: OutboxDocument, uploads: AttachmentInput[] = []): Promise<Accepted> {
  const attachments: AttachmentInput[] = [...(doc.attachments ?? []), ...uploads];
  const r = await deps.client.sendDocument({ to: doc.to, body: doc.body, ...(attachments.length ? { attachments } : {}), ...(doc.id ? { id: doc.id } : {}) });
  remember(deps, sentRecordOf(r));
  return { id: r.id, kind: 'document', duplicate: r.duplicate };
}

/** Document updating (2) or replacing (3) one this connector sent. */
export async function amendDocument(
  deps: ConnectorDeps,
  originalId: string,
  type: 2 | 3,
  doc: OutboxDocument,
  uploads: AttachmentInput[] = [],
): Promise<Accepted> {
  const sent = await deps.store.getSent(originalId);
  const to = doc.to.length ? doc.to : (sent?.to ?? []);
  const refs = [...(doc.attachments ?? []), ...uploads];
  // the SDK takes references for amendments: upload sources first
  const attachments: AttachmentRef[] = [];
  for (const a of refs) attachments.push('path' in a || 'stream' in a ? await deps.client.uploadAttachment(a) : a);
  const body = { ...doc.body };
  const reason = body.business?.businessDocReason;
  delete body.business;
  const opts = { to, body, ...(attachments.length ? { attachments } : {}), ...(reason ? { reason } : {}), ...(doc.id ? { id: doc.id } : {}) };
  const r = type === 2 ? await deps.client.update(originalId, opts) : await deps.client.replace(originalId, opts);
  remember(deps, sentRecordOf(r));
  return { id: r.id, kind: 'document', duplicate: r.duplicate };
}

/** Recall of a document this connector sent (status 13 semantics); recipients answer 15 or 16. */
export async function recallDocument(deps: ConnectorDeps, documentId: string, reason: string | undefined): Promise<Accepted> {
  const sent = await deps.store.getSent(documentId);
  if (!sent || sent.kind !== 'document') {
    throw new LtError(
      'UNKNOWN_MESSAGE',
      `${deps.agencyCode} did not send a document ${documentId} through this connector (or sent it more than the retention ago)`,
      { id: documentId },
    );
  }
  const r = await deps.client.recall(documentId, { to: sent.to, ...(reason ? { reason } : {}) });
  remember(deps, { id: r.id, kind: 'recall', to: sent.to, sentAt: r.envelope.issuedAt });
  return { id: r.id, kind: 'recall', duplicate: r.duplicate };
}

/**
 * Keeps what was sent (for recalls, amendments and statuses that name it by edXML DocumentId)
 * without holding the 202 for the journal's fsync: the hub's stream already holds the document,
 * the record is only the connector's map to it. Measured: waiting for the group commit made each
 * request wait one to two fsyncs and capped the connector far below the SDK (bench/README.md).
 */
function remember(deps: ConnectorDeps, record: SentRecord): void {
  deps.store
    .recordSent(record)
    .catch((err: unknown) =>
      deps.log.warn({ id: record.id, err: (err as Error).message }, 'sent record not kept: a recall or status by DocumentId will not find it'),
    );
}

export function sentRecordOf(r: SendResult<DocumentBody>): SentRecord {
  const b = r.envelope.body;
  const record: SentRecord = {
    id: r.id,
    kind: 'document',
    to: r.envelope.to.filter((t): t is string => typeof t === 'string'),
    sentAt: r.envelope.issuedAt,
    subject: b.subject,
    code: b.code,
  };
  if (b.documentId) record.documentId = b.documentId;
  if (b.promulgationInfo?.promulgationDate) record.promulgationDate = b.promulgationInfo.promulgationDate;
  return record;
}
