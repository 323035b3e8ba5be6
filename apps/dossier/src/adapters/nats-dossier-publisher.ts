import { HEADERS, type Envelope, type HubEvent, type Topology } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { JetStreamPublisher } from '@lt/messaging';
import type { Clock } from '@lt/platform';
import type { DossierPublisher } from '../ports';
import type { HubSigner } from './hub-signer';

/**
 * Events go to `<ns>.evt.<type>` (id = Nats-Msg-Id); hub-signed envelopes go to each recipient's
 * inbox subject with Nats-Msg-Id `<envelope id>:<recipient>` and the inbox-copy headers the
 * router sets on its own copies (the audit reads deliveries from the inbox stream).
 */
export class NatsDossierPublisher implements DossierPublisher {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly topo: Topology,
    private readonly signer: HubSigner,
    private readonly clock: Clock,
  ) {}

  async publishEvents(events: readonly HubEvent[]): Promise<void> {
    await Promise.all(events.map((e) => this.publisher.publishEvent(e)));
  }

  async deliverHubEnvelope(envelope: Envelope, extra: Record<string, string> = {}): Promise<void> {
    const { jws } = this.signer.sign(envelope);
    const bytes = Buffer.from(JSON.stringify(jws), 'utf8');
    const digest = sha256Hex(bytes);
    const recipients = envelope.to.filter((t): t is string => typeof t === 'string');
    const routedAt = this.clock.now().toISOString();
    await Promise.all(
      recipients.map((to) =>
        this.publisher.publish(this.topo.inboxSubject(to), bytes, `${envelope.id}:${to}`, {
          [HEADERS.envelopeId]: envelope.id,
          [HEADERS.from]: envelope.from,
          [HEADERS.to]: to,
          [HEADERS.kind]: envelope.kind,
          [HEADERS.kid]: this.signer.kid,
          [HEADERS.issuedAt]: envelope.issuedAt,
          [HEADERS.digest]: digest,
          [HEADERS.routedAt]: routedAt,
          [HEADERS.copies]: String(recipients.length),
          [HEADERS.hubSigned]: '1',
          ...extra,
        }),
      ),
    );
  }
}
