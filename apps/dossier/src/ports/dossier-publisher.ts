import type { Envelope, HubEvent, InboxCopyHeaders } from '@lt/contracts';

/** Inbox-copy headers a hub-signed dossier envelope carries beyond the envelope's own facts. */
export type HubCopyHeaders = Pick<InboxCopyHeaders, 'responseFor' | 'dossierCode'>;

/**
 * What leaves the service after a commit: events on `<ns>.evt.dossier.*` and hub-signed
 * envelopes in agencies' inboxes. Both are deduplicated by message id, so re-publishing after a
 * crash is harmless. Resolves when JetStream has stored everything.
 */
export interface DossierPublisher {
  publishEvents(events: readonly HubEvent[]): Promise<void>;
  /** signs the envelope with the hub key and puts one copy in each `to` agency's inbox */
  deliverHubEnvelope(envelope: Envelope, headers?: HubCopyHeaders): Promise<void>;
}

export const DOSSIER_PUBLISHER = Symbol('DOSSIER_PUBLISHER');
