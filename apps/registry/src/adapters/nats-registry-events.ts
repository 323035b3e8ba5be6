import type { HubEvent } from '@lt/contracts';
import type { JetStreamPublisher } from '@lt/messaging';
import type { RegistryChangeType } from '../domain/agency';
import type { RegistryEvents } from '../ports';
import { forEachInFlight } from './in-flight';

/** Registry events on `<ns>.evt.<type>` in the events stream, with the event id as Nats-Msg-Id. */
export class NatsRegistryEvents implements RegistryEvents {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly inFlight = 1_000,
  ) {}

  async publish(events: ReadonlyArray<HubEvent<RegistryChangeType>>): Promise<void> {
    await forEachInFlight(events, this.inFlight, (e) => this.publisher.publishEvent(e));
  }
}
