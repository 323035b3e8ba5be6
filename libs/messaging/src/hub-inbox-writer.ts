import { inboxCopyMsgId, type Envelope, type InboxCopyHeaders, type Topology } from '@lt/contracts';
import { sha256Hex, type HubSigner } from '@lt/crypto';
import type { JetStreamPublisher, PubAck } from './publisher';
import type { TraceContext } from './trace-context';

/**
 * What a hub-signed copy's headers say beyond the envelope itself. `routedAt` defaults to the
 * envelope's issuedAt (the hub signs and sends at once).
 */
export type HubCopyFacts = Pick<InboxCopyHeaders, 'submitSeq' | 'responseFor' | 'statusCode' | 'receiptItems' | 'dossierCode'> & {
  routedAt?: string;
};

/**
 * Puts what the hub itself says (refusals, receipts, dossier confirmations and notices) into
 * agencies' inboxes: signs the envelope with the hub key, writes the inbox-copy headers
 * (hub-signed, `kid` = the hub's), and publishes one copy per `to` agency with the message id
 * `<envelope id>:<recipient>`. Ed25519 is deterministic, so re-sending the same envelope after a
 * crash gives the same bytes and id, and the inbox stream keeps one copy.
 */
export class HubInboxWriter {
  constructor(
    private readonly publisher: JetStreamPublisher,
    private readonly topo: Topology,
    private readonly signer: HubSigner,
  ) {}

  /** The hub key's kid, `hub#<key id>`. */
  get kid(): string {
    return this.signer.kid;
  }

  /** Resolves when JetStream stored every copy. `trace`: the trace the copies continue (a refusal: its submission's). */
  deliver(envelope: Envelope, facts: HubCopyFacts = {}, trace?: TraceContext): Promise<PubAck[]> {
    const { bytes } = this.signer.sign(envelope);
    const recipients = envelope.to.filter((t): t is string => typeof t === 'string');
    const headers: InboxCopyHeaders = {
      envelopeId: envelope.id,
      from: envelope.from,
      to: '',
      kind: envelope.kind,
      kid: this.signer.kid,
      issuedAt: envelope.issuedAt,
      digest: sha256Hex(bytes),
      submitSeq: facts.submitSeq,
      routedAt: facts.routedAt ?? envelope.issuedAt,
      copies: recipients.length,
      responseFor: facts.responseFor,
      statusCode: facts.statusCode,
      hubSigned: true,
      receiptItems: facts.receiptItems,
      dossierCode: facts.dossierCode,
    };
    return Promise.all(
      recipients.map((to) => {
        headers.to = to;
        return this.publisher.publishInboxCopy(this.topo.inboxSubject(to), bytes, inboxCopyMsgId(envelope.id, to), headers, trace);
      }),
    );
  }
}
