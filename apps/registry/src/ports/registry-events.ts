import type { HubEvent } from '@lt/contracts';
import type { RegistryEventData } from '../domain/agency';

/** Publishes registry events on `<ns>.evt.registry.*`; the event id is the dedup id. Resolves when all are stored. */
export interface RegistryEvents {
  publish(events: ReadonlyArray<HubEvent<RegistryEventData>>): Promise<void>;
}
