import type { AgencyRepository } from './ports';
import type { ImportOptions } from './use-cases/import-agencies/import-agencies.use-case';
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
import type { RegistryContext } from './use-cases/shared/registry-context';

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

/** Plain constructors: every use case gets exactly the ports it needs. */
export function buildUseCases(ctx: RegistryContext, importOptions?: ImportOptions): RegistryUseCases {
  const repo: AgencyRepository = ctx.repo;
  return {
    createAgency: new CreateAgencyUseCase(ctx),
    updateAgency: new UpdateAgencyUseCase(ctx),
    closeAgency: new CloseAgencyUseCase(ctx),
    importAgencies: new ImportAgenciesUseCase(ctx, importOptions),
    addKey: new AddKeyUseCase(ctx),
    revokeKey: new RevokeKeyUseCase(ctx),
    listKeys: new ListKeysUseCase(repo),
    getAgency: new GetAgencyUseCase(repo),
    listAgencies: new ListAgenciesUseCase(repo),
    agencyChildren: new AgencyChildrenUseCase(repo),
    agencyHistory: new AgencyHistoryUseCase(repo),
  };
}
