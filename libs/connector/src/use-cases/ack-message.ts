import { createHash } from 'node:crypto';
import type { ConnectorDeps } from '../deps';
import { envelopeOf, inboundOrThrow } from './inbox-views';

export interface AckResult {
  id: string;
  /** false when it had been acked before (nothing sent again) */
  acked: boolean;
  /** status 01 (arrived) sent to the sender: documents and dossiers from agencies */
  arrivedSent: boolean;
}

/**
 * The agency's system has the message: status 01 goes to the sender (documents and dossiers), then
 * the entry leaves the pending list. The 01 carries an id derived from the document id, so a
 * repeated ack after a crash between the two steps is deduplicated by the hub, not sent twice.
 */
export async function ackMessage(deps: ConnectorDeps, id: string): Promise<AckResult> {
  const entry = await inboundOrThrow(deps, id);
  if (entry.state === 'acked') return { id, acked: false, arrivedSent: false };
  const needsArrived = (entry.kind === 'document' || entry.kind === 'dossier') && !entry.hubSigned;
  if (needsArrived) {
    const envelope = envelopeOf(entry);
    await deps.client.sendStatus({ id: envelope.id, from: entry.from }, '01', { id: derivedStatusId(envelope.id, deps.agencyCode, '01') });
  }
  const r = await deps.store.markAcked(id);
  return { id, acked: r === 'acked', arrivedSent: needsArrived };
}

/** A UUID (version 8, RFC 9562) fixed by the document, the agency and the status code. */
export function derivedStatusId(documentId: string, agencyCode: string, code: string): string {
  const b = createHash('sha256').update(`lt-status\n${documentId}\n${agencyCode}\n${code}`).digest().subarray(0, 16);
  b[6] = 0x80 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}
