import type { Envelope, HubEvent } from '@lt/contracts';

/**
 * What leaves the service after a commit: events on `<ns>.evt.dossier.*` and hub-signed
 * envelopes in agencies' inboxes. Both are deduplicated by message id, so re-publishing after a
 * crash is harmless. Resolves when JetStream has stored everything.
 */
export interface DossierPublisher {
  publishEvents(events: readonly HubEvent[]): Promise<void>;
  /** signs the envelope with the hub key and puts one copy in each `to` agency's inbox */
  deliverHubEnvelope(envelope: Envelope, headers?: Record<string, string>): Promise<void>;
}
