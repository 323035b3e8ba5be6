import type { Type } from '@nestjs/common';
import { AddKeyUseCase } from './use-cases/add-key/add-key.use-case';
import { AgencyChildrenUseCase } from './use-cases/agency-children/agency-children.use-case';
import { AgencyHistoryUseCase } from './use-cases/agency-history/agency-history.use-case';
import { CloseAgencyUseCase } from './use-cases/close-agency/close-agency.use-case';
import { CreateAgencyUseCase } from './use-cases/create-agency/create-agency.use-case';
import { GetAgencyUseCase } from './use-cases/get-agency/get-agency.use-case';
import { ImportAgenciesUseCase } from './use-cases/import-agencies/import-agencies.use-case';
import { ListAgenciesUseCase } from './use-cases/list-agencies/list-agencies.use-case';
import { ListKeysUseCase } from './use-cases/list-keys/list-keys.use-case';
import { RevokeKeyUseCase } from './use-cases/revoke-key/revoke-key.use-case';
import { UpdateAgencyUseCase } from './use-cases/update-agency/update-agency.use-case';

export interface RegistryUseCases {
  createAgency: CreateAgencyUseCase;
  updateAgency: UpdateAgencyUseCase;
  closeAgency: CloseAgencyUseCase;
  importAgencies: ImportAgenciesUseCase;
  addKey: AddKeyUseCase;
  revokeKey: RevokeKeyUseCase;
  listKeys: ListKeysUseCase;
  getAgency: GetAgencyUseCase;
  listAgencies: ListAgenciesUseCase;
  agencyChildren: AgencyChildrenUseCase;
  agencyHistory: AgencyHistoryUseCase;
}

/** Every use case of the registry, by name: the module provides them, in-process callers get them by name. */
const USE_CASE_CLASSES: { [K in keyof RegistryUseCases]: Type<RegistryUseCases[K]> } = {
  createAgency: CreateAgencyUseCase,
  updateAgency: UpdateAgencyUseCase,
  closeAgency: CloseAgencyUseCase,
  importAgencies: ImportAgenciesUseCase,
  addKey: AddKeyUseCase,
  revokeKey: RevokeKeyUseCase,
  listKeys: ListKeysUseCase,
  getAgency: GetAgencyUseCase,
  listAgencies: ListAgenciesUseCase,
  agencyChildren: AgencyChildrenUseCase,
  agencyHistory: AgencyHistoryUseCase,
};

export const REGISTRY_USE_CASES: Array<Type<unknown>> = Object.values(USE_CASE_CLASSES);

/** The use case instances of a booted registry (bench, tests and scripts call them in-process). */
export function resolveUseCases(app: { get<T>(type: Type<T>): T }): RegistryUseCases {
  const entries = Object.entries(USE_CASE_CLASSES) as Array<[keyof RegistryUseCases, Type<unknown>]>;
  return Object.fromEntries(entries.map(([name, type]) => [name, app.get(type)])) as unknown as RegistryUseCases;
}
