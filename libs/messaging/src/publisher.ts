import { jetstream, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import { setInboxCopyHeaders, type EventType, type HubEventOf, type InboxCopyHeaders, type Topology } from '@lt/contracts';
import { hasTrace, injectTraceContext, type TraceContext } from './trace-context';

export type { PubAck };

const enc = new TextEncoder();

/**
 * Publishes to JetStream with a message id on every publish (the stream's dedup window makes a
 * re-publish after a crash a no-op). Many publishes may be in flight; callers await them together.
 */
export class JetStreamPublisher {
  readonly js: JetStreamClient;

  constructor(
    nc: NatsConnection,
    private readonly topo: Topology,
  ) {
    this.js = jetstream(nc, { timeout: 10_000 });
  }

  /** `trace`: the context whose trace the message continues (traceparent header), if any. */
  publish(subject: string, data: Uint8Array | string, msgId: string, hdrs?: Record<string, string>, trace?: TraceContext): Promise<PubAck> {
    const payload = typeof data === 'string' ? enc.encode(data) : data;
    let h;
    if (hdrs) {
      h = natsHeaders();
      for (const [k, v] of Object.entries(hdrs)) h.set(k, v);
    }
    if (hasTrace(trace)) injectTraceContext(trace, (h ??= natsHeaders()));
    return this.js.publish(subject, payload, { msgID: msgId, ...(h ? { headers: h } : {}) });
  }

  /**
   * One inbox copy with its headers written straight into the message headers (the router's hot
   * path: no intermediate record). `headers` is read before this returns, so a caller may reuse it.
   */
  publishInboxCopy(subject: string, data: Uint8Array, msgId: string, headers: InboxCopyHeaders, trace?: TraceContext): Promise<PubAck> {
    const h = natsHeaders();
    setInboxCopyHeaders(h, headers);
    if (trace) injectTraceContext(trace, h);
    return this.js.publish(subject, data, { msgID: msgId, headers: h });
  }

  publishEvent<T extends EventType>(event: HubEventOf<T>, trace?: TraceContext): Promise<PubAck> {
    return this.publish(this.topo.eventSubject(event.type), JSON.stringify(event), event.id, undefined, trace);
  }
}
