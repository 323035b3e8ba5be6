import { jetstreamManager } from '@nats-io/jetstream';
import type { Topology } from '@lt/contracts';
import { DurableConsumerRunner, type BatchHandler, type NatsConnection } from '@lt/messaging';
import { trackDeadLetterDepth } from '@lt/observability';
import type { Logger } from '@lt/platform';
import { InboxBacklogMetric } from './inbox-backlog-metric';

export interface SubmissionConsumerOptions {
  maxBatch: number;
  lingerMs: number;
  ackWaitMs: number;
  maxAckPending: number;
  /** redelivery delay of a batch whose handler threw (the processor settles its messages itself) */
  retryDelayMs: number;
}

/** Server-side delivery cap: the router dead-letters by itself; outages must not exhaust it. */
const SERVER_MAX_DELIVER = 100_000;

/**
 * The router's durable consumer on the submit stream, served by the shared DurableConsumerRunner:
 * batches go straight to the handler (SubmissionProcessor.handle), with nothing in between.
 */
export class SubmissionConsumer {
  private runner?: DurableConsumerRunner;
  private untrackDeadLetters?: () => void;
  private inboxBacklog?: InboxBacklogMetric;

  constructor(
    private readonly nc: NatsConnection,
    private readonly topo: Topology,
    private readonly opts: SubmissionConsumerOptions,
    private readonly log: Logger,
  ) {}

  get stream(): string {
    return this.topo.streams.submit;
  }

  get durable(): string {
    return this.topo.consumers.router;
  }

  /** Resolves once the server sees the pull: from then on the router is consuming. */
  async start(handler: BatchHandler): Promise<void> {
    this.runner = new DurableConsumerRunner(
      this.nc,
      {
        stream: this.stream,
        durable: this.durable,
        maxBatch: this.opts.maxBatch,
        lingerMs: this.opts.lingerMs,
        maxDeliver: SERVER_MAX_DELIVER,
        ackWaitMs: this.opts.ackWaitMs,
        maxAckPending: this.opts.maxAckPending,
        retryDelayMs: this.opts.retryDelayMs,
      },
      handler,
      this.log,
    );
    await this.runner.start();
    this.untrackDeadLetters = trackDeadLetterDepth(this.nc, this.topo);
    this.inboxBacklog = new InboxBacklogMetric(this.nc, this.topo, this.log);
    this.inboxBacklog.start();
    await this.waitUntilPulling();
  }

  /** Stops pulling and waits for the batch in hand to be handed over. */
  async stop(): Promise<void> {
    this.untrackDeadLetters?.();
    await this.inboxBacklog?.stop();
    await this.runner?.stop();
  }

  /**
   * DurableConsumerRunner.start() returns before its pull is open, and a stop() in that window
   * leaves the pull running (libs/messaging race, reported). Waiting until the server sees the
   * pull makes start() mean "consuming" and closes the window.
   */
  private async waitUntilPulling(timeoutMs = 5_000): Promise<void> {
    const jsm = await jetstreamManager(this.nc);
    const until = Date.now() + timeoutMs;
    while (Date.now() < until) {
      const info = await jsm.consumers.info(this.stream, this.durable);
      if (info.num_waiting > 0 || info.num_ack_pending > 0) return;
      await new Promise((r) => setTimeout(r, 20));
    }
  }
}
