/**
 * Events on `lt.evt.<type>`: every decision of every service, consumed by the audit service.
 * One event per fact; a document routed to N recipients is ONE `msg.routed` event carrying
 * the N deliveries, because every extra publish per document costs throughput.
 */
export const EVENT_TYPES = [
  // registry
  'registry.agency.created',
  'registry.agency.updated',
  'registry.agency.closed',
  'registry.key.added',
  'registry.key.revoked',
  // router
  'msg.routed',
  'msg.rejected',
  'msg.replayed',
  'msg.flagged',
  'msg.deadlettered',
  // dossiers
  'dossier.registered',
  'dossier.transitioned',
  'dossier.transferred',
  'dossier.overdue',
] as const;
export type EventType = (typeof EVENT_TYPES)[number];

export interface HubEvent<D = Record<string, unknown>> {
  /** UUIDv7, also the JetStream message id (dedup) and the audit log's unique key */
  id: string;
  type: EventType;
  /** ISO time the fact happened */
  at: string;
  /** service that emitted it */
  source: 'registry' | 'router' | 'audit' | 'dossier' | 'gateway';
  /** envelope id this event is about, when any */
  messageId?: string;
  /** every agency code this event concerns (sender, recipients, subject of a registry change) */
  agencies: string[];
  data: D;
}

/** One inbox copy written by the router. */
export interface Delivery {
  recipient: string;
  /** set when the addressed agency was closed and the copy went to its successor */
  forwardedFrom?: string;
  /** sequence of the copy in the inbox stream */
  inboxSeq: number;
}

export interface MsgRoutedData {
  kind: string;
  from: string;
  issuedAt: string;
  kid: string;
  /** SHA-256 (hex) of the signed JWS as submitted: binds the audit entry to the exact bytes */
  digest: string;
  deliveries: Delivery[];
  /** for status/recall envelopes: the document they are about */
  responseFor?: string;
  statusCode?: string;
  /** edXML document number and notation, for Decree 30 reports */
  codeNumber?: string;
  codeNotation?: string;
  businessDocType?: number;
  originalId?: string;
  submitSeq: number;
  /** ms from issuedAt to routing decision */
  latencyMs?: number;
}

export interface MsgRejectedData {
  reasonCode: string;
  reason: string;
  from?: string;
  kind?: string;
  digest: string;
  /** whether a status 02 went back to the sender (not when the sender could not be authenticated) */
  bounced: boolean;
  submitSeq: number;
}
