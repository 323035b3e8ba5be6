import { LtError, type AttachmentRef, type Envelope } from '@lt/contracts';
import { base64urlDecode } from '@lt/crypto';
import type { InboundEntry } from '../store/connector-store';
import type { ConnectorDeps } from '../deps';

/** One line of `GET /v1/inbox`: enough to decide what to fetch (the VDXP pending-id list, with a little more). */
export interface InboxItemView {
  id: string;
  kind: string;
  from: string;
  receivedAt: string;
  subject?: string;
  statusCode?: string;
  responseFor?: string;
  forwardedFrom?: string;
}

export interface AttachmentView extends Omit<AttachmentRef, 'id'> {
  /** where to GET the verified bytes */
  href: string;
}

/** `GET /v1/inbox/{id}` as JSON: the verified envelope, the JWS as delivered, and the connector's state of it. */
export interface MessageView extends InboxItemView {
  state: 'pending' | 'acked';
  ackedAt?: string;
  envelope: Envelope;
  jws: { protected: string; payload: string; signature: string };
  hubSigned: boolean;
  kid: string;
  flags: string[];
  attachments: AttachmentView[];
  webhook?: InboundEntry['webhook'];
}

export function inboxItemView(e: InboundEntry): InboxItemView {
  const v: InboxItemView = { id: e.id, kind: e.kind, from: e.from, receivedAt: e.receivedAt };
  if (e.subject !== undefined) v.subject = e.subject;
  if (e.statusCode !== undefined) v.statusCode = e.statusCode;
  if (e.responseFor !== undefined) v.responseFor = e.responseFor;
  if (e.forwardedFrom !== undefined) v.forwardedFrom = e.forwardedFrom;
  return v;
}

/** The envelope of a stored copy (its signature was verified when it was stored). */
export function envelopeOf(e: InboundEntry): Envelope {
  return JSON.parse(base64urlDecode(e.jws.payload, 'payload').toString('utf8')) as Envelope;
}

export function messageView(e: InboundEntry): MessageView {
  const envelope = envelopeOf(e);
  const view: MessageView = {
    ...inboxItemView(e),
    state: e.state,
    envelope,
    jws: e.jws,
    hubSigned: e.hubSigned,
    kid: e.kid,
    flags: e.flags,
    attachments: (envelope.attachments ?? []).map(({ id: _id, ...a }) => ({ ...a, href: `/v1/inbox/${e.id}/attachments/${encodeURIComponent(a.name)}` })),
  };
  if (e.ackedAt) view.ackedAt = e.ackedAt;
  if (e.webhook) view.webhook = e.webhook;
  return view;
}

export async function inboundOrThrow(deps: ConnectorDeps, id: string): Promise<InboundEntry> {
  const entry = await deps.store.getInbound(id);
  if (!entry)
    throw new LtError('UNKNOWN_MESSAGE', `no message ${id} in the inbox of ${deps.agencyCode} (never received, or acked more than the retention ago)`, { id });
  return entry;
}
