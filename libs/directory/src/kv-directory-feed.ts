import type { KV, KvWatchEntry } from '@nats-io/kv';
import type { Logger } from '@lt/platform';
import type { AgencyDirectory } from './agency-directory';

type WatchIterator = AsyncIterable<KvWatchEntry> & { stop(): void };

export interface KvDirectoryFeedOptions {
  /** start() stops waiting for initial values after this long without any (default 2 s) */
  silenceMs?: number;
  /** pause before the watch is opened again after it ended (default 500 ms) */
  retryDelayMs?: number;
}

/**
 * Keeps an AgencyDirectory in step with the registry's KV bucket: initial values, then every
 * update. `start()` resolves once the initial values are in, so nothing is decided against a
 * half-loaded directory. If the watch ends (NATS outage, consumer lost) it is opened again from the
 * last revision seen, for as long as the feed runs. Entries the directory refuses are logged and
 * skipped; the feed never stops for one.
 */
export class KvDirectoryFeed {
  private iter?: WatchIterator;
  private stopped = false;
  private lastRevision = 0;
  private loop?: Promise<void>;
  /** ends start()'s wait; stop() calls it too, so a start() given up on does not hang */
  private markLoaded: () => void = () => undefined;
  private readonly silenceMs: number;
  private readonly retryDelayMs: number;

  constructor(
    private readonly kv: KV,
    private readonly directory: AgencyDirectory,
    private readonly log: Logger,
    opts: KvDirectoryFeedOptions = {},
  ) {
    this.silenceMs = opts.silenceMs ?? 2_000;
    this.retryDelayMs = opts.retryDelayMs ?? 500;
  }

  /** highest KV revision applied (or skipped) so far */
  get revision(): number {
    return this.lastRevision;
  }

  async start(): Promise<void> {
    const loaded = new Promise<void>((r) => (this.markLoaded = r));
    const markLoaded = () => this.markLoaded();
    const iter = await this.openWatch();
    let received = 0;
    this.loop = this.run(iter, () => received++, markLoaded);
    let silence: NodeJS.Timeout | undefined;
    try {
      // an empty bucket delivers nothing: ask how much there is once the watch exists
      const status = await this.kv.status();
      if (status.values === 0) markLoaded();
      // a bucket holding only purged history may deliver nothing either: give up waiting if silent
      silence = setInterval(() => {
        if (received === 0) markLoaded();
      }, this.silenceMs);
      await loaded;
    } catch (err) {
      await this.stop();
      throw err;
    } finally {
      clearInterval(silence);
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.markLoaded();
    this.iter?.stop();
    await this.loop;
  }

  private async openWatch(): Promise<WatchIterator> {
    const opts = this.lastRevision > 0 ? { resumeFromRevision: this.lastRevision + 1 } : {};
    const iter = (await this.kv.watch(opts)) as unknown as WatchIterator;
    this.iter = iter;
    if (this.stopped) iter.stop();
    return iter;
  }

  private async run(first: WatchIterator, onEntry: () => void, markLoaded: () => void): Promise<void> {
    let iter: WatchIterator | null = first;
    while (!this.stopped) {
      try {
        iter ??= await this.openWatch();
        for await (const e of iter) {
          onEntry();
          this.handle(e);
          // delta: messages still pending behind this one; isUpdate: past the watch's initial values
          if (e.delta === 0 || e.isUpdate) markLoaded();
        }
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: (err as Error).message }, 'directory watch interrupted; resuming');
      }
      iter = null;
      if (!this.stopped) await new Promise((r) => setTimeout(r, this.retryDelayMs));
    }
  }

  private handle(e: KvWatchEntry): void {
    this.lastRevision = Math.max(this.lastRevision, e.revision);
    let value: unknown = null;
    if (e.operation === 'PUT') {
      try {
        value = e.json();
      } catch {
        this.log.warn({ key: e.key, revision: e.revision }, 'directory: KV value is not JSON; skipped');
        return;
      }
      // null stands for a deletion below: a PUT of null is a bad value, not one
      if (value === null) {
        this.log.warn({ key: e.key, revision: e.revision }, 'directory: KV value is null; skipped');
        return;
      }
    }
    const r = this.directory.applyKv(e.key, value);
    if (!r.applied && !r.ignored) this.log.warn({ key: e.key, revision: e.revision, reason: r.reason }, 'directory: KV entry not applied');
  }
}
