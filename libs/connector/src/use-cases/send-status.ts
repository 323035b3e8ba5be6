import { checkObject, isStatusCode, LtError, type StatusBody, type StatusCode } from '@lt/contracts';
import type { ConnectorDeps } from '../deps';
import { recallDocument, type Accepted } from './send-document';
import { inboundOrThrow } from './inbox-views';

/** `POST /v1/documents/{id}/status` as JSON. */
export interface StatusInput {
  statusCode: StatusCode;
  description?: string;
  /** 02 (refused): the reason as an error code */
  reasonCode?: string;
  staffInfo?: StatusBody['staffInfo'];
  /** re-send with this id */
  id?: string;
}

const STATUS_FIELDS: ReadonlySet<string> = new Set(['statusCode', 'description', 'reasonCode', 'staffInfo', 'id']);

export function parseStatusInput(value: unknown): StatusInput {
  const o = checkObject(value, '', STATUS_FIELDS);
  if (!isStatusCode(o.statusCode)) {
    throw new LtError('SCHEMA_INVALID', `statusCode must be one of 01-06, 13, 15, 16, got ${JSON.stringify(o.statusCode)}`, { field: 'statusCode' });
  }
  return o as unknown as StatusInput;
}

/**
 * A status about document `documentId`. About a document this agency received, it goes to the
 * sender (02-06; 15/16 answer a recall). 13 about a document this agency sent is its recall.
 */
export async function sendStatus(deps: ConnectorDeps, documentId: string, input: StatusInput): Promise<Accepted> {
  if (input.statusCode === '13') return recallDocument(deps, documentId, input.description);
  const entry = await inboundOrThrow(deps, documentId);
  if (entry.kind !== 'document' && entry.kind !== 'dossier') {
    throw new LtError('VALIDATION_FAILED', `message ${documentId} is a ${entry.kind}: statuses answer documents and dossiers`, { id: documentId, field: 'id' });
  }
  const opts = {
    ...(input.description !== undefined ? { description: input.description } : {}),
    ...(input.reasonCode !== undefined ? { reasonCode: input.reasonCode } : {}),
    ...(input.staffInfo !== undefined ? { staffInfo: input.staffInfo } : {}),
    ...(input.id !== undefined ? { id: input.id } : {}),
  };
  const r = await deps.client.sendStatus({ id: documentId, from: entry.from }, input.statusCode, opts);
  return { id: r.id, kind: 'status', duplicate: r.duplicate };
}
