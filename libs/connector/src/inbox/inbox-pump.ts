import { toLtError, type DocumentBody, type RecallBody, type StatusBody } from '@lt/contracts';
import type { Logger } from '@lt/platform';
import type { InboxMessage, LienThongClient } from '@lt/sdk';
import type { ConnectorStore, InboundRecord } from '../store/connector-store';

/**
 * Moves verified inbox copies from the hub to the connector's disk: store (fsync'd), then ack the
 * JetStream copy. A crash between the two makes the hub hand the copy over again, and the store
 * recognises its id, so nothing is lost or announced twice. The 01 (arrived) is not sent here: it
 * goes when the agency's system acknowledges the message through the connector.
 */
export class InboxPump {
  private running?: Promise<void>;
  private stopped = false;

  constructor(
    private readonly client: LienThongClient,
    private readonly store: ConnectorStore,
    private readonly log: Logger,
    private readonly opts: { webhook: boolean; onStored?: (record: InboundRecord) => void },
  ) {}

  start(): void {
    this.running ??= this.loop();
  }

  /** Takes no new copies; the loop ends when the client closes (that ends the inbox feed). */
  halt(): void {
    this.stopped = true;
  }

  /** Resolves when the loop has ended (after halt() and the client's close()). */
  async finished(): Promise<void> {
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped) {
      const feed = this.client.inbox({ follow: true, expiresMs: 5_000 });
      try {
        for await (const m of feed) {
          await this.take(m);
          if (this.stopped) break;
        }
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: toLtError(err).message }, 'inbox feed failed; reading again in 1 s');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async take(m: InboxMessage): Promise<void> {
    const record = inboundRecordOf(m);
    try {
      const added = await this.store.addInbound(record, { webhook: this.opts.webhook });
      await m.ack();
      if (added) this.opts.onStored?.(record);
    } catch (err) {
      // not stored, or stored but the ack unconfirmed: the hub hands it over again
      this.log.warn({ messageId: m.id, err: toLtError(err).message }, 'inbox copy not taken; it will come again');
      m.nak(1000);
    }
  }
}

export function inboundRecordOf(m: InboxMessage, now = new Date()): InboundRecord {
  const record: InboundRecord = {
    id: m.id,
    kind: m.kind,
    from: m.from,
    receivedAt: now.toISOString(),
    jws: m.jws,
    headers: m.headers,
    kid: m.kid,
    hubSigned: m.hubSigned,
    flags: m.flags,
    seq: m.seq,
  };
  if (m.forwardedFrom) record.forwardedFrom = m.forwardedFrom;
  if (m.kind === 'document') {
    const body = m.envelope.body as DocumentBody;
    record.subject = body.subject;
    if (body.documentId) record.documentId = body.documentId;
  } else if (m.kind === 'status') {
    const body = m.envelope.body as StatusBody;
    record.statusCode = body.statusCode;
    record.responseFor = body.responseFor;
  } else if (m.kind === 'recall') {
    record.responseFor = (m.envelope.body as RecallBody).responseFor;
  }
  return record;
}
