import type { PublishedHubKey } from '@lt/contracts';
import type { AgencyDirectory } from '@lt/directory';
import type { HubKeysPublication } from '@lt/messaging';

/**
 * The registry's agencies bucket as the router uses it (adapters/kv-directory-source.ts): where
 * the hub's public keys are published for agencies, and where the routing directory comes from.
 */
export interface DirectorySource {
  /** publishes the hub's public keys (publishHubKeys: idempotent, keeps what the data folder lost as retired) */
  publishHubKeys(keys: readonly PublishedHubKey[]): Promise<HubKeysPublication>;
  /** resolves once the current entries are in `directory`; keeps it current until stop() */
  follow(directory: AgencyDirectory): Promise<void>;
  stop(): Promise<void>;
}

export const DIRECTORY_SOURCE = Symbol('DIRECTORY_SOURCE');

/** The in-memory AgencyDirectory: the source writes it, the routing decision reads it. */
export const AGENCY_DIRECTORY = Symbol('AGENCY_DIRECTORY');
