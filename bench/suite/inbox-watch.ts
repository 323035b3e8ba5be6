import { DeliverPolicy, jetstream, type ConsumerMessages } from '@nats-io/jetstream';
import { HEADERS, type Topology } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';

/**
 * Watches everything that lands in the inbox stream (an ordered consumer, headers only: the
 * copy's headers say which envelope it is, for whom and what kind), so a scenario knows when
 * every copy it expects has arrived and how long each took. Receipts the audit sends (one
 * envelope listing many delivery steps; the Lt-Receipt-Items header says how many) and refusals
 * the router sends are counted separately.
 */

export interface Expectation {
  /** copies expected (recipients) */
  copies: number;
  arrived: number;
  /** performance.now() when the document was (due to be) published; NaN until set */
  sentAt: number;
  /** performance.now() of the last copy */
  lastAt: number;
}

export interface WatchCounts {
  /** copies of tracked envelopes */
  copies: number;
  /** receipt envelopes */
  receipts: number;
  /** items the receipts list (delivery steps proven: one per delivered copy and per 01) */
  receiptItems: number;
  refusals: number;
  /** anything else (statuses, copies of untracked envelopes) */
  other: number;
}

export class InboxWatcher {
  private readonly expected = new Map<string, Expectation>();
  readonly counts: WatchCounts = { copies: 0, receipts: 0, receiptItems: 0, refusals: 0, other: 0 };
  /** inbox stream sequences of the first refusals (their reason is in the body) */
  readonly refusalSeqs: number[] = [];
  /** performance.now() of the last tracked copy */
  lastCopyAt = Number.NaN;
  /**
   * per-copy latency sink (ms), when a scenario wants it: until this watcher saw the copy, and
   * until the inbox stream stored it (the server's timestamp: free of this process's own lag)
   */
  onCopy?: (latencyMs: number, exp: Expectation, id: string, storedLatencyMs: number) => void;
  private messages?: ConsumerMessages;
  private loop?: Promise<void>;
  private error?: Error;

  private constructor() {}

  static async start(nc: NatsConnection, topo: Topology): Promise<InboxWatcher> {
    const w = new InboxWatcher();
    const consumer = await jetstream(nc).consumers.get(topo.streams.inbox, { headers_only: true, deliver_policy: DeliverPolicy.New });
    w.messages = await consumer.consume({ max_messages: 8_192 });
    w.loop = (async () => {
      try {
        for await (const m of w.messages!) w.handle(m.headers, m.seq, m.info.timestampNanos / 1e6);
      } catch (err) {
        w.error = err as Error;
      }
    })();
    return w;
  }

  /** Registers a document before it is published (so no copy can arrive unrecognised). */
  expect(id: string, copies: number, sentAt = Number.NaN): Expectation {
    const e: Expectation = { copies, arrived: 0, sentAt, lastAt: Number.NaN };
    this.expected.set(id, e);
    return e;
  }

  get(id: string): Expectation | undefined {
    return this.expected.get(id);
  }

  /** Forgets finished documents (between scenarios). */
  clear(): void {
    this.expected.clear();
  }

  assertHealthy(): void {
    if (this.error) throw new Error(`inbox watcher failed: ${this.error.message}`);
  }

  private handle(h: { get(k: string): string } | undefined, seq: number, storedAtEpochMs: number): void {
    const now = performance.now();
    if (!h) {
      this.counts.other++;
      return;
    }
    const kind = h.get(HEADERS.kind);
    if (kind === 'receipt') {
      this.counts.receipts++;
      this.counts.receiptItems += Number(h.get(HEADERS.receiptItems)) || 0;
      return;
    }
    if (h.get(HEADERS.hubSigned) && h.get(HEADERS.statusCode) === '02') {
      this.counts.refusals++;
      if (this.refusalSeqs.length < 5) this.refusalSeqs.push(seq);
      return;
    }
    const id = h.get(HEADERS.envelopeId);
    const e = id ? this.expected.get(id) : undefined;
    if (!e) {
      this.counts.other++;
      return;
    }
    e.arrived++;
    e.lastAt = now;
    this.counts.copies++;
    this.lastCopyAt = now;
    this.onCopy?.(now - e.sentAt, e, id, storedAtEpochMs - (performance.timeOrigin + e.sentAt));
  }

  async stop(): Promise<void> {
    this.messages?.stop();
    await this.loop;
  }
}
