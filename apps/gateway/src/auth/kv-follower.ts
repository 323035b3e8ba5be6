import type { KV, KvWatchEntry } from '@nats-io/kv';
import { LtError } from '@lt/contracts';
import type { Logger } from '@lt/platform';

type WatchIterator = AsyncIterable<KvWatchEntry> & { stop(): void };

export interface KvFollowerOptions {
  /** pause before the bucket or the watch is tried again (default 1 s) */
  retryDelayMs?: number;
  /** initial values are taken as loaded after this long without any (default 2 s) */
  silenceMs?: number;
}

/**
 * Follows one KV bucket into memory for the gateway's checks: initial values, then every update,
 * resuming from the last revision after an interruption. `start()` makes one attempt and
 * resolves once the initial values are in; if the bucket cannot be opened (not created yet, NATS
 * away) it keeps trying in the background, and `assertReady()` refuses with UNAVAILABLE meanwhile,
 * so a check never passes against a list that was never loaded.
 */
export abstract class KvFollower {
  private kv?: KV;
  private iter?: WatchIterator;
  private loop?: Promise<void>;
  private retry?: NodeJS.Timeout;
  private stopped = false;
  private loaded = false;
  private received = 0;
  private lastRevision = 0;
  private markLoaded: () => void = () => undefined;
  private readonly initialValues = new Promise<void>((r) => (this.markLoaded = r));
  private readonly retryDelayMs: number;
  private readonly silenceMs: number;

  protected constructor(
    protected readonly what: string,
    private readonly openBucket: () => Promise<KV>,
    protected readonly log: Logger,
    opts: KvFollowerOptions = {},
  ) {
    this.retryDelayMs = opts.retryDelayMs ?? 1000;
    this.silenceMs = opts.silenceMs ?? 2000;
  }

  /** Applies one entry: value is the parsed JSON of a PUT, null for a deletion. */
  protected abstract apply(key: string, value: unknown): void;

  get ready(): boolean {
    return this.loaded;
  }

  assertReady(): void {
    if (!this.loaded) throw new LtError('UNAVAILABLE', `the gateway has not loaded the ${this.what} yet; retry in a few seconds`, { what: this.what });
  }

  async start(): Promise<void> {
    this.stopped = false;
    try {
      await this.attempt();
    } catch (err) {
      this.log.warn({ err: (err as Error).message, what: this.what }, 'cannot follow KV bucket yet; retrying in the background');
      this.scheduleRetry();
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markLoaded();
    if (this.retry) clearTimeout(this.retry);
    this.iter?.stop();
    await this.loop;
  }

  protected bucket(): KV {
    if (!this.kv) throw new LtError('UNAVAILABLE', `the ${this.what} bucket is not open yet; retry in a few seconds`);
    return this.kv;
  }

  private scheduleRetry(): void {
    if (this.stopped) return;
    this.retry = setTimeout(() => {
      this.attempt().catch(() => this.scheduleRetry());
    }, this.retryDelayMs);
  }

  private async attempt(): Promise<void> {
    const kv = (this.kv ??= await this.openBucket());
    // the loop, once running, keeps the watch open (and reopens it) by itself
    if (!this.loop) {
      const iter = await this.openWatch();
      this.loop = this.run(iter);
    }
    // an empty bucket delivers nothing; a bucket of expired history may not either
    if ((await kv.status()).values === 0) this.markLoaded();
    const silence = setInterval(() => this.received === 0 && this.markLoaded(), this.silenceMs);
    try {
      await this.initialValues;
    } finally {
      clearInterval(silence);
    }
    if (!this.stopped) this.loaded = true;
  }

  private async openWatch(): Promise<WatchIterator> {
    const opts = this.lastRevision > 0 ? { resumeFromRevision: this.lastRevision + 1 } : {};
    const iter = (await this.bucket().watch(opts)) as unknown as WatchIterator;
    this.iter = iter;
    if (this.stopped) iter.stop();
    return iter;
  }

  private async run(first: WatchIterator): Promise<void> {
    let iter: WatchIterator | null = first;
    while (!this.stopped) {
      try {
        iter ??= await this.openWatch();
        for await (const e of iter) {
          this.received++;
          this.handle(e);
          // delta: entries still pending behind this one; isUpdate: past the initial values
          if (e.delta === 0 || e.isUpdate) this.markLoaded();
        }
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: (err as Error).message, what: this.what }, 'KV watch interrupted; resuming');
      }
      iter = null;
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
  }

  private handle(e: KvWatchEntry): void {
    this.lastRevision = Math.max(this.lastRevision, e.revision);
    if (e.operation !== 'PUT') return this.apply(e.key, null);
    let value: unknown;
    try {
      value = e.json();
    } catch {
      this.log.warn({ key: e.key, what: this.what }, 'KV value is not JSON; skipped');
      return;
    }
    this.apply(e.key, value);
  }
}
