import type { HubPublicKey } from '@lt/crypto';
import { KvDirectoryFollower } from '@lt/directory';
import type { DirectorySource } from '../ports/directory-source';
import { publishHubKey } from './hub-key-publisher';

/**
 * The agencies KV bucket the registry mirrors its directory into, followed into the router's
 * directory (KvDirectoryFollower, libs/directory); the hub key is added to its hub key list in
 * the same bucket, opened once.
 */
export class KvDirectorySource extends KvDirectoryFollower implements DirectorySource {
  async publishHubKey(key: HubPublicKey): Promise<boolean> {
    return publishHubKey(await this.bucket(), key);
  }
}
