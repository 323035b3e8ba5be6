import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type ConsumerConfig, type JsMsg } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { addReadinessCheck, trackConsumerBacklog } from '@lt/observability';

export type { JsMsg };

export interface DurableConsumerOptions {
  stream: string;
  durable: string;
  filterSubject?: string;
  /** largest batch handed to the handler at once */
  maxBatch?: number;
  /** deliveries before the handler is told a message is poison (see BatchHandler) */
  maxDeliver?: number;
  ackWaitMs?: number;
  maxAckPending?: number;
  /** delay before a batch that failed as a whole is redelivered */
  retryDelayMs?: number;
  /**
   * how long a batch that is not full may wait for more messages before it is handed over
   * (default 0: at once). For consumers off the delivery path (the audit): at low rates, a few
   * larger batches cost far less than many batches of one (a transaction each).
   */
  lingerMs?: number;
}

/**
 * Handles a batch. It must settle every message (ackAck / nak / term) itself, after its side
 * effects commit. If it throws, the whole batch is nak'ed with a delay and comes back.
 */
export type BatchHandler = (batch: JsMsg[]) => Promise<void>;

/** Creates the durable pull consumer if missing, with explicit acks. Idempotent. */
export async function ensureDurableConsumer(nc: NatsConnection, o: DurableConsumerOptions): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const cfg: Partial<ConsumerConfig> = {
    durable_name: o.durable,
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(o.ackWaitMs ?? 30_000),
    // JetStream keeps redelivering up to this count; the handler dead-letters at the last one
    max_deliver: (o.maxDeliver ?? 8) + 2,
    max_ack_pending: o.maxAckPending ?? 20_000,
    ...(o.filterSubject ? { filter_subject: o.filterSubject } : {}),
  };
  try {
    await jsm.consumers.info(o.stream, o.durable);
    await jsm.consumers.update(o.stream, o.durable, cfg);
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
    await jsm.consumers.add(o.stream, cfg);
  }
}

/**
 * Pulls from a durable consumer and hands the handler batches of whatever has arrived: one
 * message at a time when idle (low latency), large batches under load (throughput).
 */
export class DurableConsumerRunner {
  private queue: JsMsg[] = [];
  private busy = false;
  private stopped = false;
  private iter?: { close(): Promise<void | Error>; stop?: () => void };
  private idle: Promise<void> = Promise.resolve();
  private resolveIdle?: () => void;
  /** removes this consumer from the metrics and the readiness checks */
  private untrack: Array<() => void> = [];
  /** a pull is open (false while the loop waits to resume after an interruption) */
  private pulling = false;

  constructor(
    private readonly nc: NatsConnection,
    private readonly o: DurableConsumerOptions,
    private readonly handler: BatchHandler,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    await ensureDurableConsumer(this.nc, this.o);
    void this.loop();
    const { stream, durable } = this.o;
    this.untrack.push(
      trackConsumerBacklog(stream, durable, async () => {
        const info = await (await jetstreamManager(this.nc)).consumers.info(stream, durable);
        return { pending: info.num_pending, ackPending: info.num_ack_pending };
      }),
      addReadinessCheck(`consumer ${stream}/${durable}`, () => {
        if (!this.pulling) throw new Error(`consumer ${durable} on ${stream} is not pulling (interrupted; resuming)`);
        return true;
      }),
    );
  }

  private async loop(): Promise<void> {
    const js = jetstream(this.nc);
    while (!this.stopped) {
      try {
        const consumer = await js.consumers.get(this.o.stream, this.o.durable);
        const max = Math.max(64, (this.o.maxBatch ?? 256) * 2);
        const messages = await consumer.consume({ max_messages: max, expires: 5_000 });
        this.iter = messages;
        this.pulling = true;
        if (this.stopped) {
          // stop() ran while the pull was being opened: close it instead of leaving it running
          await messages.close();
          break;
        }
        for await (const m of messages) {
          this.queue.push(m);
          void this.pump();
        }
      } catch (err) {
        this.pulling = false;
        if (this.stopped) break;
        this.log.warn({ err: (err as Error).message, stream: this.o.stream, durable: this.o.durable }, 'consumer interrupted; resuming');
        await new Promise((r) => setTimeout(r, 1_000));
      }
    }
  }

  private async pump(): Promise<void> {
    if (this.busy) return;
    this.busy = true;
    this.idle = new Promise((r) => (this.resolveIdle = r));
    try {
      const maxBatch = this.o.maxBatch ?? 256;
      while (this.queue.length > 0) {
        if ((this.o.lingerMs ?? 0) > 0 && this.queue.length < maxBatch && !this.stopped) {
          await new Promise((r) => setTimeout(r, this.o.lingerMs));
          if (this.queue.length === 0) break; // stop() dropped them: they come back after ack wait
        }
        const batch = this.queue.splice(0, maxBatch);
        try {
          await this.handler(batch);
        } catch (err) {
          const delay = this.o.retryDelayMs ?? 2_000;
          this.log.error({ err: (err as Error).message, size: batch.length, stream: this.o.stream }, 'batch failed; will be redelivered');
          for (const m of batch) m.nak(delay);
        }
      }
    } finally {
      this.busy = false;
      this.resolveIdle?.();
    }
  }

  /** Stops pulling and waits for the batch in hand to settle. Unsettled queued messages come back after ack wait. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const untrack of this.untrack.splice(0)) untrack();
    await this.iter?.close();
    this.queue = [];
    await this.idle;
  }
}

/** Delivery attempt of a message (1 on first delivery). */
export function deliveryCount(m: JsMsg): number {
  return m.info.deliveryCount;
}
