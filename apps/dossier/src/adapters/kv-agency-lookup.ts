import type { Topology } from '@lt/contracts';
import { AgencyDirectory, KvDirectoryFollower } from '@lt/directory';
import type { NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import type { AgencyFeed, AgencyInfo, AgencyLookup } from '../ports';

/**
 * The agency directory the registry mirrors into the KV bucket, held in memory and kept current
 * by a KV watch (libs/directory, as the router does). The service never verifies agency
 * signatures, so keys are imported only if ever read: never.
 */
export class KvAgencyLookup implements AgencyLookup, AgencyFeed {
  private readonly directory = new AgencyDirectory({ importKeys: 'on-first-use' });
  private readonly follower: KvDirectoryFollower;

  constructor(nc: NatsConnection, topo: Topology, log: Logger) {
    this.follower = new KvDirectoryFollower(nc, topo, log);
  }

  /** number of agencies held */
  get size(): number {
    return this.directory.size;
  }

  /** Resolves once the bucket's current entries are loaded; updates keep arriving until stop(). */
  start(): Promise<void> {
    return this.follower.follow(this.directory);
  }

  stop(): Promise<void> {
    return this.follower.stop();
  }

  agency(code: string): AgencyInfo | undefined {
    return this.directory.agency(code);
  }
}
