/**
 * The agency directory held in memory by the router and the SDK: the registry's KV mirror
 * (AgencyKvEntry per agency, plus the hub keys) as Map lookups, kept current by a KV watch.
 */
export * from './views';
export { AgencyDirectory, type AgencyDirectoryOptions } from './agency-directory';
export { agencyEntryProblem, hubKeysProblem } from './entry-check';
export { KvDirectoryFeed, type KvDirectoryFeedOptions } from './kv-directory-feed';
