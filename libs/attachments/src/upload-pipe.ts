/**
 * Chunks handed from request handlers to `obj.put()`: a ReadableStream whose `pull` waits for the
 * next chunk. A chunk's promise settles once put() has taken it, i.e. once the chunk before it is
 * stored in JetStream (put publishes one chunk per read). The service answers a chunk only then,
 * so a sender's window of chunks in flight is what the service holds in memory, whatever the size.
 */
export class UploadPipe {
  readonly stream: ReadableStream<Uint8Array>;
  private readonly queue: Array<{ data: Uint8Array; taken: () => void }> = [];
  private waiting?: () => void;
  private ended = false;
  private failure?: Error;

  constructor() {
    this.stream = new ReadableStream<Uint8Array>(
      {
        pull: async (controller) => {
          while (this.queue.length === 0 && !this.ended && !this.failure) await new Promise<void>((resolve) => (this.waiting = resolve));
          if (this.failure) {
            controller.error(this.failure);
            return;
          }
          const next = this.queue.shift();
          if (next) {
            controller.enqueue(next.data);
            next.taken();
          } else controller.close();
        },
      },
      // pull only when put() reads: nothing buffered ahead of it
      { highWaterMark: 0 },
    );
  }

  /** Resolves once put() has read the chunk. */
  push(data: Uint8Array): Promise<void> {
    return new Promise<void>((taken) => {
      this.queue.push({ data, taken });
      this.wake();
    });
  }

  end(): void {
    this.ended = true;
    this.wake();
  }

  /** Fails put(): nothing of this upload becomes an object. */
  abort(err: Error): void {
    this.failure = err;
    for (const q of this.queue.splice(0)) q.taken();
    this.wake();
  }

  private wake(): void {
    const w = this.waiting;
    this.waiting = undefined;
    w?.();
  }
}
