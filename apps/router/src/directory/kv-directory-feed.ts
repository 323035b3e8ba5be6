import type { KV, KvWatchEntry } from '@nats-io/kv';
import { HUB_KEYS_KV_KEY, subjectTokensToCode } from '@lt/contracts';
import type { Logger } from '@lt/platform';
import type { Directory } from './directory';

type WatchIterator = AsyncIterable<KvWatchEntry> & { stop(): void };

/**
 * Keeps a Directory in step with the registry's KV bucket: initial values, then every update.
 * `start()` resolves once the initial values are in, so the router never routes against a
 * half-loaded directory. If the watch ends (NATS outage), it resumes from the last revision seen.
 */
export class KvDirectoryFeed {
  private iter?: WatchIterator;
  private stopped = false;
  private lastRevision = 0;
  private loop?: Promise<void>;

  constructor(
    private readonly kv: KV,
    private readonly directory: Directory,
    private readonly log: Logger,
  ) {}

  async start(): Promise<void> {
    let markLoaded!: () => void;
    const loaded = new Promise<void>((r) => (markLoaded = r));
    const iter = await this.openWatch();
    let received = 0;
    this.loop = this.run(iter, () => received++, markLoaded);
    // an empty bucket delivers nothing: ask how much there is once the watch exists
    const status = await this.kv.status();
    if (status.values === 0) markLoaded();
    // a bucket holding only purged history may deliver nothing either: give up waiting if silent
    const silence = setInterval(() => {
      if (received === 0) markLoaded();
    }, 2_000);
    try {
      await loaded;
    } finally {
      clearInterval(silence);
    }
  }

  private async openWatch(): Promise<WatchIterator> {
    const opts = this.lastRevision > 0 ? { resumeFromRevision: this.lastRevision + 1 } : {};
    const iter = (await this.kv.watch(opts)) as unknown as WatchIterator;
    this.iter = iter;
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
          // delta = messages still pending behind this one when it was delivered
          if (e.delta === 0) markLoaded();
        }
      } catch (err) {
        if (this.stopped) break;
        this.log.warn({ err: (err as Error).message }, 'directory watch interrupted; resuming');
      }
      iter = null;
      if (!this.stopped) await new Promise((r) => setTimeout(r, 500));
    }
  }

  private handle(e: KvWatchEntry): void {
    this.lastRevision = Math.max(this.lastRevision, e.revision);
    if (e.key === HUB_KEYS_KV_KEY || e.key.startsWith('_')) return;
    let code: string;
    try {
      code = subjectTokensToCode(e.key);
    } catch {
      this.log.warn({ key: e.key }, 'directory: KV key is not an agency code; skipped');
      return;
    }
    if (e.operation !== 'PUT') {
      this.directory.remove(code);
      return;
    }
    let value: unknown;
    try {
      value = e.json();
    } catch {
      this.log.warn({ key: e.key, revision: e.revision }, 'directory: KV value is not JSON; skipped');
      return;
    }
    const a = (value as { agency?: { code?: unknown } } | null)?.agency;
    if (a?.code !== code) {
      this.log.warn({ key: e.key, agencyCode: a?.code }, 'directory: KV value names another agency than its key; skipped');
      return;
    }
    const r = this.directory.apply(value);
    if (!r.applied) this.log.warn({ key: e.key, reason: r.reason }, 'directory: KV entry not applied');
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.iter?.stop();
    await this.loop;
  }
}
