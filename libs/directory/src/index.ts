/**
 * The agency directory held in memory by the router and the SDK: the registry's KV mirror
 * (AgencyKvEntry per agency, plus the hub keys) as Map lookups, kept current by a KV watch.
 */
export * from './views';
export { AgencyDirectory, type AgencyDirectoryOptions } from './agency-directory';
export { agencyEntryProblem, hubKeysProblem } from './entry-check';
export { KvDirectoryFeed, type KvDirectoryFeedOptions } from './kv-directory-feed';
export { KvDirectoryFollower } from './kv-directory-follower';

// Test support only (specs, benchmarks, the fault suite): synthetic agencies, keys and KV entries.
export { testAgency, testAgencyEntry, type TestAgency, type TestEntrySpec } from './testing/agency-entries';
export {
  importSyntheticDirectory,
  registerSyntheticKeys,
  syntheticDirectory,
  syntheticDirectoryCsv,
  syntheticTierCounts,
  type SyntheticAgency,
  type SyntheticCsvColumn,
  type SyntheticDirectoryShape,
  type SyntheticKeyOptions,
} from './testing/synthetic-directory';
