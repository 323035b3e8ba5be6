import type { JsMsg } from '@nats-io/jetstream';

/**
 * Bridges one JetStream fetch into a queue the inbox generator pulls from one message at a time.
 * Messages fetched but not handed out (the application stopped iterating, or the client closed)
 * stay reachable through drain(), so they can be nak'ed at once instead of waiting for ack wait.
 */
export class FetchQueue {
  private readonly items: JsMsg[] = [];
  private wake?: () => void;
  private failure?: unknown;
  done = false;

  constructor(source: AsyncIterable<JsMsg>) {
    void this.pump(source);
  }

  private async pump(source: AsyncIterable<JsMsg>): Promise<void> {
    try {
      for await (const m of source) {
        this.items.push(m);
        this.notify();
      }
    } catch (err) {
      this.failure = err;
    } finally {
      this.done = true;
      this.notify();
    }
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  /** Next message, undefined once the fetch has ended and everything was handed out; throws what the fetch threw. */
  async next(): Promise<JsMsg | undefined> {
    for (;;) {
      const m = this.items.shift();
      if (m) return m;
      if (this.done) {
        if (this.failure !== undefined) throw this.failure;
        return undefined;
      }
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  drain(): JsMsg[] {
    return this.items.splice(0);
  }
}
