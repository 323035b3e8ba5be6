export { createRegistryService, type RegistryService, type RegistryServiceDeps } from './registry.service';
export { buildUseCases, type RegistryUseCases } from './registry.use-cases';
export { importReplicaSubject } from './rpc/registry.rpc';
export { resolveFinalSuccessor, tierProblem } from './domain/agency-rules';
export { toKvEntry, toHubEvent, type AgencyWithKeys, type RegistryEventData, type RegistryChangeType } from './domain/agency';
export type { AgencyDetails } from './use-cases/get-agency/get-agency.use-case';
export type { HistoryEntry } from './use-cases/agency-history/agency-history.use-case';
export type { ImportReport, ImportMode } from './use-cases/import-agencies/import-agencies.use-case';
export { parseCsv, CsvParser } from './use-cases/import-agencies/csv-parser';
