import type { PublishedHubKey } from '@lt/contracts';
import { KvDirectoryFollower } from '@lt/directory';
import { publishHubKeys, type HubKeysPublication } from '@lt/messaging';
import type { DirectorySource } from '../ports/directory-source';

/**
 * The agencies KV bucket the registry mirrors its directory into, followed into the router's
 * directory (KvDirectoryFollower, libs/directory); the hub keys are published into its hub key
 * list in the same bucket, opened once.
 */
export class KvDirectorySource extends KvDirectoryFollower implements DirectorySource {
  async publishHubKeys(keys: readonly PublishedHubKey[]): Promise<HubKeysPublication> {
    return publishHubKeys(await this.bucket(), keys);
  }
}
