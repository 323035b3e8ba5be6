import type { Envelope, HubEvent, Topology } from '@lt/contracts';
import type { HubSigner } from '@lt/crypto';
import { HubInboxWriter, type JetStreamPublisher } from '@lt/messaging';
import type { Clock } from '@lt/platform';
import type { DossierPublisher, HubCopyHeaders } from '../ports';

/**
 * Events go to `<ns>.evt.<type>` (id = Nats-Msg-Id); hub-signed envelopes go to each recipient's
 * inbox through the HubInboxWriter (Nats-Msg-Id `<envelope id>:<recipient>`, the inbox-copy
 * headers the audit reads deliveries from), routed at the time they are published.
 */
export class NatsDossierPublisher implements DossierPublisher {
  private readonly hubInbox: HubInboxWriter;

  constructor(
    private readonly publisher: JetStreamPublisher,
    topo: Topology,
    signer: HubSigner,
    private readonly clock: Clock,
  ) {
    this.hubInbox = new HubInboxWriter(publisher, topo, signer);
  }

  async publishEvents(events: readonly HubEvent[]): Promise<void> {
    await Promise.all(events.map((e) => this.publisher.publishEvent(e)));
  }

  async deliverHubEnvelope(envelope: Envelope, headers: HubCopyHeaders = {}): Promise<void> {
    await this.hubInbox.deliver(envelope, { ...headers, routedAt: this.clock.now().toISOString() });
  }
}
