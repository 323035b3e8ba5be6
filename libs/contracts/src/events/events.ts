import type { DossierOverdueData, DossierRegisteredData, DossierTransferredData, DossierTransitionedData } from './dossier-events';
import type { RegistryEventData } from './registry-events';
import type { MsgDeadLetteredData, MsgFlaggedData, MsgRejectedData, MsgReplayedData } from './router-events';

export type * from './dossier-events';
export type * from './registry-events';
export type * from './router-events';

/**
 * Events on `lt.evt.<type>`: decisions that leave no other trace, consumed by the audit service.
 * A successful delivery emits NO event: the inbox copy itself (with the headers of
 * messaging/inbox-headers.ts) is the fact, read by the audit from LT_INBOX. Every extra publish per
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

/** The one payload type of each event type, for its producer and for the audit. */
export interface HubEventMap {
  'registry.agency.created': RegistryEventData;
  'registry.agency.updated': RegistryEventData;
  'registry.agency.closed': RegistryEventData;
  'registry.key.added': RegistryEventData;
  'registry.key.revoked': RegistryEventData;
  'msg.rejected': MsgRejectedData;
  'msg.replayed': MsgReplayedData;
  'msg.flagged': MsgFlaggedData;
  'msg.deadlettered': MsgDeadLetteredData;
  'dossier.registered': DossierRegisteredData;
  'dossier.transitioned': DossierTransitionedData;
  'dossier.transferred': DossierTransferredData;
  'dossier.overdue': DossierOverdueData;
}

// every listed type has a payload type and every payload type is listed (a compile error otherwise)
type SameKeys<A, B> = [A] extends [B] ? ([B] extends [A] ? true : never) : never;
const everyEventTyped: SameKeys<EventType, keyof HubEventMap> = true;
void everyEventTyped;

/** Service that emitted an event. */
export type HubEventSource = 'registry' | 'router' | 'audit' | 'dossier' | 'gateway';

/** One event of type T (or of any type in T, not narrowed by `type`): what a producer builds. */
export interface HubEventOf<T extends EventType> {
  /** UUIDv7, also the JetStream message id (dedup) and the audit log's unique key */
  id: string;
  type: T;
  /** ISO time the fact happened */
  at: string;
  /** service that emitted it */
  source: HubEventSource;
  /** envelope id this event is about, when any */
  messageId?: string;
  /** every agency code this event concerns (sender, recipients, subject of a registry change) */
  agencies: string[];
  data: HubEventMap[T];
}

/**
 * One event. `HubEvent<'msg.rejected'>` is that event with its payload type; plain `HubEvent` is
 * the union of all, narrowed by `type`.
 */
export type HubEvent<T extends EventType = EventType> = T extends EventType ? HubEventOf<T> : never;
