import type { Consumer, ConsumerMessages, JsMsg } from '@nats-io/jetstream';

export interface FeedRequest {
  /** messages asked for when a pull request is needed */
  batch: number;
  /** lifetime of that pull request, >= 1000 ms */
  expiresMs: number;
  /** false: answer undefined once a pull request came back short and nothing is queued (inbox drained) */
  follow: boolean;
}

/** One reading loop (one inbox() iteration) over the feed. */
export interface FeedLoop {
  /** pull requests numbered from this one on ended during this loop */
  readonly sinceGen: number;
  /** the loop stopped: call once */
  detach(): void;
}

/**
 * Smallest nak delay the SDK uses. nats-server 2.9.10 handles an immediate nak of the most
 * recently delivered message by rewinding the consumer, and if another nak'ed message is waiting
 * for redelivery at that moment, that one is lost until ack wait and the first is delivered
 * twice (reproduced here). A nak with any delay takes the server's delayed-redelivery path instead.
 */
export const NAK_MIN_DELAY_MS = 1;

interface PullRequest {
  gen: number;
  messages: ConsumerMessages;
  requested: number;
  received: number;
}

/**
 * One client's flow of messages from its durable inbox consumer, shared by every inbox() loop.
 *
 * At most one pull request is outstanding at a time, and it is never abandoned: nats-server 2.9
 * cannot cancel a pull request, and one whose subscription went away keeps taking deliveries
 * that then wait out the ack wait (30 s) before anyone sees them. So when a loop stops early, the
 * request keeps filling the queue and the next loop continues from there, in stream order.
 * Messages still queued when a request ends with no loop running are nak'ed in order, so they
 * are redelivered at once to whoever reads next (this process or another instance).
 */
export class InboxFeed {
  private readonly queue: JsMsg[] = [];
  private readonly waiters: Array<() => void> = [];
  private current?: PullRequest;
  private starting?: Promise<void>;
  private nextGen = 1;
  private lastEnded = { gen: 0, short: false };
  private loops = 0;
  private failure?: unknown;
  private closed = false;

  constructor(
    private readonly consumer: Consumer,
    /** a round trip to the server (NatsConnection.flush) */
    private readonly flush: () => Promise<void>,
  ) {}

  attach(): FeedLoop {
    this.loops++;
    let detached = false;
    return {
      sinceGen: this.current?.gen ?? this.nextGen,
      detach: () => {
        if (detached) return;
        detached = true;
        this.loops--;
        if (this.loops === 0 && !this.current) this.handBack();
      },
    };
  }

  /**
   * The next message for `loop`; undefined when the feed is closed or, with follow false, when
   * a pull request that ended during this loop came back short and nothing is queued.
   * Throws what the server or the connection threw (the caller decides whether to retry).
   */
  async next(req: FeedRequest, loop: FeedLoop): Promise<JsMsg | undefined> {
    for (;;) {
      if (this.closed) return undefined;
      const m = this.queue.shift();
      if (m) return m;
      if (this.failure !== undefined) {
        const err = this.failure;
        this.failure = undefined;
        throw err;
      }
      if (this.current) {
        await new Promise<void>((resolve) => this.waiters.push(resolve));
        continue;
      }
      if (!req.follow && this.lastEnded.gen >= loop.sinceGen && this.lastEnded.short) return undefined;
      this.starting ??= this.pull(req).finally(() => (this.starting = undefined));
      await this.starting;
    }
  }

  private async pull(req: FeedRequest): Promise<void> {
    const messages = await this.consumer.fetch({ max_messages: req.batch, expires: Math.max(1_000, req.expiresMs) });
    const pr: PullRequest = { gen: this.nextGen++, messages, requested: req.batch, received: 0 };
    this.current = pr;
    void (async () => {
      try {
        for await (const m of messages) {
          pr.received++;
          this.queue.push(m);
          this.waiters.shift()?.();
        }
      } catch (err) {
        if (!this.closed) this.failure = err;
      } finally {
        this.current = undefined;
        this.lastEnded = { gen: pr.gen, short: pr.received < pr.requested };
        // close() hands back itself, once the server has dropped the request
        if (this.loops === 0 && !this.closed) this.handBack();
        this.wakeAll();
      }
    })();
  }

  private wakeAll(): void {
    for (const w of this.waiters.splice(0)) w();
  }

  private handBack(): void {
    for (const m of this.queue.splice(0)) m.nak(NAK_MIN_DELAY_MS);
  }

  /** Ends the outstanding request, hands back what is queued, and releases waiting loops. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.starting?.catch(() => undefined);
    const current = this.current;
    if (current) {
      await current.messages.close().catch(() => undefined);
      // the server must have dropped the request before the nak below, or it redelivers into it
      await this.flush().catch(() => undefined);
    }
    this.handBack();
    this.wakeAll();
  }
}
