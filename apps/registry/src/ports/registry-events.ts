import type { HubEvent } from '@lt/contracts';
import type { RegistryChangeType } from '../domain/agency';

/** Publishes registry events on `<ns>.evt.registry.*`; the event id is the dedup id. Resolves when all are stored. */
export const REGISTRY_EVENTS = Symbol('REGISTRY_EVENTS');
export interface RegistryEvents {
  publish(events: ReadonlyArray<HubEvent<RegistryChangeType>>): Promise<void>;
}
