import type { NatsConnection } from '@nats-io/transport-node';
import type { Topology } from '@lt/contracts';
import { DurableConsumerRunner, startBatchSpans, type JsMsg } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import { entryFromEvent, entryFromInboxCopy, isOwnReceipt, type StreamMessage } from '../../domain/entry';
import type { LogWriter } from './log-writer';

export function toStreamMessage(m: JsMsg, stream: string = m.info.stream): StreamMessage {
  const headers: Record<string, string> = {};
  if (m.headers) for (const k of m.headers.keys()) headers[k] = m.headers.get(k);
  return { stream, subject: m.subject, seq: m.seq, storedAtMs: m.time.getTime(), headers, data: m.data };
}

export interface ConsumerOptions {
  maxBatch: number;
  ackWaitMs: number;
  /** delay before a batch whose append failed is redelivered */
  retryDelayMs?: number;
  /** how long a partial batch waits for more (the audit is off the delivery path: fewer, larger transactions) */
  lingerMs?: number;
}

/**
 * The two durable consumers feeding the writer. Each batch becomes entries, the writer commits
 * them (duplicates absorbed), and only then are its messages acknowledged: a crash anywhere before
 * that redelivers the batch, which the dedup table absorbs.
 *
 * Pipelined: a handler builds its batch's entries, waits for the PREVIOUS batch's transaction,
 * then hands its own to the writer and returns without waiting for the commit, so preparing batch
 * k + 1 (CPU in this process) overlaps committing batch k (CPU in PostgreSQL). At most one
 * transaction per consumer is in flight; its messages are acked on commit, nak'ed on failure.
 */
export class LogConsumers {
  private runners: DurableConsumerRunner[] = [];
  private readonly inflight = new Map<'event' | 'inbox', Promise<void>>();

  constructor(
    private readonly nc: NatsConnection,
    private readonly topo: Topology,
    private readonly writer: LogWriter,
    private readonly opts: ConsumerOptions,
    private readonly log: Logger,
  ) {}

  get running(): boolean {
    return this.runners.length > 0;
  }

  async start(): Promise<void> {
    if (this.runners.length) return;
    const common = {
      maxBatch: this.opts.maxBatch,
      ackWaitMs: this.opts.ackWaitMs,
      maxAckPending: Math.max(20_000, this.opts.maxBatch * 4),
      lingerMs: this.opts.lingerMs ?? 0,
    };
    this.runners = [
      new DurableConsumerRunner(
        this.nc,
        { ...common, stream: this.topo.streams.events, durable: this.topo.consumers.audit },
        (b) => this.handle(b, 'event'),
        this.log,
      ),
      new DurableConsumerRunner(
        this.nc,
        { ...common, stream: this.topo.streams.inbox, durable: this.topo.consumers.auditInbox },
        (b) => this.handle(b, 'inbox'),
        this.log,
      ),
    ];
    for (const r of this.runners) await r.start();
  }

  /** Stops pulling, then waits for the transactions in flight (and their acks). */
  async stop(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    await Promise.all(runners.map((r) => r.stop()));
    await Promise.all(this.inflight.values());
  }

  private async handle(batch: JsMsg[], source: 'event' | 'inbox'): Promise<void> {
    // one span per message, child of the trace it carries (the router's), ended at the commit
    const spans = startBatchSpans(source === 'event' ? 'audit append event' : 'audit append inbox copy', batch);
    const drafts = [];
    const stream = source === 'event' ? this.topo.streams.events : this.topo.streams.inbox;
    for (const m of batch) {
      const sm = toStreamMessage(m, stream);
      if (source === 'inbox' && isOwnReceipt(sm)) continue;
      drafts.push(source === 'event' ? entryFromEvent(sm) : entryFromInboxCopy(sm));
    }
    const prepared = this.writer.prepare(drafts);
    await this.inflight.get(source);
    const done = this.writer.append(prepared).then(
      async (outcomes) => {
        const duplicates = outcomes.filter((o) => o.duplicate).length;
        if (duplicates) this.log.debug({ source, duplicates }, 'redelivered entries absorbed');
        // plain acks, then one confirmed ack (ackAck) on the last message: the server handles one
        // connection's messages in order, so that confirmation covers the batch at one round trip
        for (let i = 0; i < batch.length - 1; i++) batch[i].ack();
        const confirmed = await batch[batch.length - 1].ackAck().catch(() => false);
        if (!confirmed) this.log.warn({ source, size: batch.length }, 'batch ack not confirmed; its messages may be redelivered and absorbed');
        spans.end();
      },
      (err) => {
        spans.end(err);
        this.log.error({ err: (err as Error).message, source, size: batch.length }, 'append failed; batch will be redelivered');
        for (const m of batch) m.nak(this.opts.retryDelayMs ?? 2_000);
      },
    );
    this.inflight.set(source, done);
  }
}
