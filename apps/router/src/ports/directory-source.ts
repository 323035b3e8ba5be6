import type { HubPublicKey } from '@lt/crypto';
import type { AgencyDirectory } from '@lt/directory';

/**
 * The registry's agencies bucket as the router uses it (adapters/kv-directory-source.ts): where
 * the hub's public key is published for agencies, and where the routing directory comes from.
 */
export interface DirectorySource {
  /** adds the key to the hub key list (idempotent); true when it wrote */
  publishHubKey(key: HubPublicKey): Promise<boolean>;
  /** resolves once the current entries are in `directory`; keeps it current until stop() */
  follow(directory: AgencyDirectory): Promise<void>;
  stop(): Promise<void>;
}

export const DIRECTORY_SOURCE = Symbol('DIRECTORY_SOURCE');

/** The in-memory AgencyDirectory: the source writes it, the routing decision reads it. */
export const AGENCY_DIRECTORY = Symbol('AGENCY_DIRECTORY');
