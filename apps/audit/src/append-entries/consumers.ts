import type { NatsConnection } from '@nats-io/transport-node';
import type { Topology } from '@lt/contracts';
import { DurableConsumerRunner, type JsMsg } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import { entryFromEvent, entryFromInboxCopy, isOwnReceipt, type EntryDraft, type StreamMessage } from '../domain/entry';
import type { LogWriter } from './log-writer';

/** Durable consumer names: `audit` on the events stream, `audit-inbox` on the inbox stream. */
export const AUDIT_INBOX_CONSUMER = 'audit-inbox';

export function toStreamMessage(m: JsMsg): StreamMessage {
  const headers: Record<string, string> = {};
  if (m.headers) for (const k of m.headers.keys()) headers[k] = m.headers.get(k);
  return { stream: m.info.stream, subject: m.subject, seq: m.seq, storedAtMs: m.time.getTime(), headers, data: m.data };
}

export interface ConsumerOptions {
  maxBatch: number;
  ackWaitMs: number;
}

/**
 * The two durable consumers feeding the writer. Each batch becomes entries, the writer commits
 * them (duplicates absorbed), and only then is every message acknowledged with a confirmed ack:
 * a crash anywhere before that redelivers the batch, which the dedup table absorbs.
 */
export class LogConsumers {
  private runners: DurableConsumerRunner[] = [];

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
    const common = { maxBatch: this.opts.maxBatch, ackWaitMs: this.opts.ackWaitMs, maxAckPending: Math.max(20_000, this.opts.maxBatch * 4) };
    this.runners = [
      new DurableConsumerRunner(this.nc, { ...common, stream: this.topo.streams.events, durable: this.topo.consumers.audit }, (b) => this.handle(b, 'event'), this.log),
      new DurableConsumerRunner(this.nc, { ...common, stream: this.topo.streams.inbox, durable: AUDIT_INBOX_CONSUMER }, (b) => this.handle(b, 'inbox'), this.log),
    ];
    for (const r of this.runners) await r.start();
  }

  async stop(): Promise<void> {
    const runners = this.runners;
    this.runners = [];
    await Promise.all(runners.map((r) => r.stop()));
  }

  private async handle(batch: JsMsg[], source: 'event' | 'inbox'): Promise<void> {
    const drafts: EntryDraft[] = [];
    for (const m of batch) {
      const sm = toStreamMessage(m);
      if (source === 'inbox' && isOwnReceipt(sm)) continue;
      drafts.push(source === 'event' ? entryFromEvent(sm) : entryFromInboxCopy(sm));
    }
    const outcomes = await this.writer.append(drafts);
    const duplicates = outcomes.filter((o) => o.duplicate).length;
    if (duplicates) this.log.debug({ source, duplicates }, 'redelivered entries absorbed');
    // confirmed acks: a lost ack means a redelivery, which the dedup table absorbs
    const acks = await Promise.allSettled(batch.map((m) => m.ackAck()));
    const failed = acks.filter((a) => a.status === 'rejected' || a.value === false).length;
    if (failed) this.log.warn({ source, failed }, 'acks not confirmed; those messages will be redelivered and absorbed');
  }
}
