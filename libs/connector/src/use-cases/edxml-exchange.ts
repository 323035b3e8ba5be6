import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { LtError, type DocumentBody, type OrganInfo, type RecallBody, type StatusBody } from '@lt/contracts';
import {
  readEdxml,
  withOriginalId,
  writeEdxmlDocument,
  writeEdxmlStatus,
  type EdxmlDocumentPackage,
  type EdxmlResponseFor,
  type EdxmlStatusPackage,
} from '@lt/edxml';
import type { AttachmentInput } from '@lt/sdk';
import type { ConnectorDeps } from '../deps';
import type { InboundEntry } from '../store/connector-store';
import { envelopeOf, inboundOrThrow } from './inbox-views';
import { recallDocument, sendDocument, type Accepted } from './send-document';
import { sendStatus } from './send-status';

/** An edXML package as the request body streams it. */
export type EdxmlSource = Readable;

/**
 * `POST /v1/outbox` with an edXML package: read as a stream (inline attachments decoded to spool
 * files, never held in memory), then sent as the hub document it maps to. Bussiness doc type 1
 * recalls, 2 updates, 3 replaces the document this connector sent with the named DocumentId. A
 * status package posted here is taken as a status.
 */
export async function submitEdxml(deps: ConnectorDeps, source: EdxmlSource, uploads: AttachmentInput[]): Promise<Accepted> {
  await mkdir(deps.spoolDir, { recursive: true });
  const spool = await mkdtemp(join(deps.spoolDir, 'in-'));
  try {
    const pkg = await readEdxml(source, { maxBytes: deps.maxPackageBytes, attachmentsDir: spool });
    if (pkg.kind === 'status') return await statusFromPackage(deps, pkg);
    return await documentFromPackage(deps, pkg, uploads);
  } finally {
    await rm(spool, { recursive: true, force: true });
  }
}

async function documentFromPackage(deps: ConnectorDeps, pkg: EdxmlDocumentPackage, uploads: AttachmentInput[]): Promise<Accepted> {
  if (pkg.from.organId !== deps.agencyCode) {
    throw new LtError('SENDER_MISMATCH', `From/OrganId is ${pkg.from.organId}, but this connector sends for ${deps.agencyCode}`, {
      field: 'MessageHeader/From/OrganId',
    });
  }
  const to = pkg.to.map((o) => o.organId);
  if (to.length === 0)
    throw new LtError('EDXML_INVALID', 'MessageHeader/To is required: at least one recipient', { field: 'MessageHeader/To', reason: 'required' });
  const files: AttachmentInput[] = pkg.attachments.map((a) => ({ path: a.path!, name: a.name, type: a.mediaType }));
  const attachments = [...files, ...uploads];
  if (!pkg.original) return sendDocument(deps, { to, body: pkg.body }, attachments);

  const documentId = pkg.original.documentId ?? pkg.body.documentId;
  const sent = documentId ? await deps.store.findSentByDocumentId(documentId) : undefined;
  const what = ({ 1: 'recall', 2: 'update', 3: 'replacement' } as const)[pkg.original.businessDocType];
  if (!sent) {
    throw new LtError(
      'EDXML_UNKNOWN_REFERENCE',
      `${what} of DocumentId ${JSON.stringify(documentId ?? '')}: ${deps.agencyCode} sent no such document through this connector`,
      {
        field: 'MessageHeader/DocumentId',
        documentId,
      },
    );
  }
  if (pkg.original.businessDocType === 1) return recallDocument(deps, sent.id, pkg.body.business?.businessDocReason);
  return sendDocument(deps, { to, body: withOriginalId(pkg.body, sent.id) }, attachments);
}

/** An edXML status package: about a document received (02-06, 15, 16), or 13 recalling one sent. */
async function statusFromPackage(deps: ConnectorDeps, pkg: EdxmlStatusPackage, documentId?: string): Promise<Accepted> {
  const rf = pkg.responseFor;
  const s = pkg.status;
  if (pkg.from.organId !== deps.agencyCode) {
    throw new LtError('SENDER_MISMATCH', `Status/From/OrganId is ${pkg.from.organId}, but this connector sends for ${deps.agencyCode}`, {
      field: 'Status/From/OrganId',
    });
  }
  const input = {
    statusCode: s.statusCode,
    ...(s.description !== undefined ? { description: s.description } : {}),
    ...(s.staffInfo !== undefined ? { staffInfo: s.staffInfo } : {}),
  };
  if (s.statusCode === '13') {
    const sent = documentId ? await deps.store.getSent(documentId) : await deps.store.findSentByDocumentId(rf.documentId);
    if (!sent) throw unknownReference(deps, rf, 'sent');
    return sendStatus(deps, sent.id, input);
  }
  const entry = documentId ? await inboundOrThrow(deps, documentId) : await deps.store.findInboundByDocumentId(rf.documentId);
  if (!entry) throw unknownReference(deps, rf, 'received');
  if (entry.documentId !== undefined && entry.documentId !== rf.documentId) {
    throw new LtError(
      'EDXML_UNKNOWN_REFERENCE',
      `Status/ResponseFor/DocumentId ${JSON.stringify(rf.documentId)} is not the DocumentId of message ${entry.id} (${JSON.stringify(entry.documentId)})`,
      {
        field: 'Status/ResponseFor/DocumentId',
      },
    );
  }
  if (rf.organId !== entry.from) {
    throw new LtError('EDXML_UNKNOWN_REFERENCE', `Status/ResponseFor/OrganId is ${rf.organId}, but document ${entry.id} came from ${entry.from}`, {
      field: 'Status/ResponseFor/OrganId',
    });
  }
  return sendStatus(deps, entry.id, input);
}

function unknownReference(deps: ConnectorDeps, rf: EdxmlResponseFor, what: 'sent' | 'received'): LtError {
  return new LtError(
    'EDXML_UNKNOWN_REFERENCE',
    `status answers DocumentId ${JSON.stringify(rf.documentId)}, which ${deps.agencyCode} never ${what} through this connector`,
    {
      field: 'Status/ResponseFor/DocumentId',
      documentId: rf.documentId,
    },
  );
}

/** `POST /v1/documents/{id}/status` or `/v1/statuses` with an edXML status package. */
export async function submitEdxmlStatus(deps: ConnectorDeps, source: EdxmlSource, documentId?: string): Promise<Accepted> {
  const pkg = await readEdxml(source, { maxBytes: 1024 * 1024, sink: refuseAttachments });
  if (pkg.kind !== 'status')
    throw new LtError('EDXML_INVALID', 'expected an edXML status package, got a document package (send documents to /v1/outbox)', {
      field: 'edXML',
      reason: 'root',
    });
  return statusFromPackage(deps, pkg, documentId);
}

const refuseAttachments = {
  open(): never {
    throw new LtError('EDXML_INVALID', 'a status package carries no attachments', { field: 'Attachment' });
  },
};

/** `GET /v1/inbox/{id}` with Accept: application/xml. */
export async function exportAsEdxml(deps: ConnectorDeps, entry: InboundEntry): Promise<Readable> {
  const envelope = envelopeOf(entry);
  if (entry.kind === 'document') {
    const body = envelope.body as DocumentBody;
    const from: OrganInfo = body.from ?? { organId: envelope.from };
    const to: OrganInfo[] = body.to ?? envelope.to.filter((t): t is string => typeof t === 'string').map((organId) => ({ organId }));
    const attachments = (envelope.attachments ?? []).map((a) => ({
      name: a.name,
      mediaType: a.mediaType,
      open: () => deps.client.attachment(envelope, a.name),
    }));
    return writeEdxmlDocument({ body, from, to, attachments });
  }
  if (entry.kind === 'status') {
    const sb = envelope.body as StatusBody;
    const responseFor = await sentReference(deps, sb.responseFor);
    const status: EdxmlStatusPackage['status'] = { statusCode: sb.statusCode };
    if (sb.description !== undefined) status.description = sb.description;
    if (sb.staffInfo !== undefined) status.staffInfo = sb.staffInfo;
    status.timestamp = sb.timestamp ?? envelope.issuedAt;
    return Readable.from([writeEdxmlStatus({ from: { organId: entry.from }, responseFor, status })]);
  }
  if (entry.kind === 'recall') {
    // a recall reaches the recipient as status 13 about the document, which it answers with 15 or 16
    const rb = envelope.body as RecallBody;
    const doc = await deps.store.getInbound(rb.responseFor);
    const responseFor: EdxmlResponseFor = { organId: entry.from, documentId: doc?.documentId ?? rb.responseFor };
    const status: EdxmlStatusPackage['status'] = { statusCode: '13', timestamp: envelope.issuedAt, ...(rb.reason ? { description: rb.reason } : {}) };
    return Readable.from([writeEdxmlStatus({ from: { organId: entry.from }, responseFor, status })]);
  }
  throw new LtError('NOT_ACCEPTABLE', `message ${entry.id} is a ${entry.kind}, which has no edXML form: ask for application/json`, { kind: entry.kind });
}

/** ResponseFor of a status about a document this connector sent (its DocumentId when it had one). */
async function sentReference(deps: ConnectorDeps, envelopeId: string): Promise<EdxmlResponseFor> {
  const sent = await deps.store.getSent(envelopeId);
  const rf: EdxmlResponseFor = { organId: deps.agencyCode, documentId: sent?.documentId ?? envelopeId };
  if (sent?.code) rf.code = `${sent.code.codeNumber}/${sent.code.codeNotation}`;
  if (sent?.promulgationDate) rf.promulgationDate = sent.promulgationDate;
  return rf;
}
