import type { KV } from '@nats-io/kv';
import type { Topology } from '@lt/contracts';
import { openAgencyKv, type NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import type { AgencyDirectory } from './agency-directory';
import { KvDirectoryFeed, type KvDirectoryFeedOptions } from './kv-directory-feed';

/**
 * The registry's agencies bucket, followed into an AgencyDirectory: what a service that holds
 * the directory in memory runs at boot (`follow`) and at shutdown (`stop`). The bucket is opened
 * on first use and kept (opened again after a failed attempt); `bucket()` hands it out for other
 * writes to the same bucket (the router's hub key).
 */
export class KvDirectoryFollower {
  private kv?: Promise<KV>;
  private feed?: KvDirectoryFeed;

  constructor(
    private readonly nc: NatsConnection,
    private readonly topo: Topology,
    private readonly log: Logger,
    private readonly feedOptions: KvDirectoryFeedOptions = {},
  ) {}

  /** Resolves once the bucket's current entries are in `directory`; keeps it current until stop(). */
  async follow(directory: AgencyDirectory): Promise<void> {
    const feed = new KvDirectoryFeed(await this.bucket(), directory, this.log, this.feedOptions);
    this.feed = feed;
    await feed.start();
  }

  /** Stops the watch; what the directory holds stays readable. */
  async stop(): Promise<void> {
    const feed = this.feed;
    this.feed = undefined;
    await feed?.stop();
  }

  /** The agencies bucket, opened once. */
  bucket(): Promise<KV> {
    this.kv ??= openAgencyKv(this.nc, this.topo).catch((err: unknown) => {
      this.kv = undefined;
      throw err;
    });
    return this.kv;
  }
}
