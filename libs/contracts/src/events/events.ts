/**
 * Events on `lt.evt.<type>`: decisions that leave no other trace, consumed by the audit service.
 * A successful delivery emits NO event: the inbox copy itself (with the HEADERS of
 * messaging/topology.ts) is the fact, read by the audit from LT_INBOX. Every extra publish per
 * document costs throughput, so events are for refusals, replays, flags, dead letters,
 * registry changes and dossier transitions.
 */
export const EVENT_TYPES = [
  // registry
  'registry.agency.created',
  'registry.agency.updated',
  'registry.agency.closed',
  'registry.key.added',
  'registry.key.revoked',
  // router
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

export interface MsgRejectedData {
  reasonCode: string;
  reason: string;
  from?: string;
  kind?: string;
  digest: string;
  /** envelope id when it could be read */
  envelopeId?: string;
  /** whether a status 02 went back to the sender (not when the sender could not be authenticated) */
  bounced: boolean;
  submitSeq: number;
}
