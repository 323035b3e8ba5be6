import { generateKeyPairSync } from 'node:crypto';
import { FixedClock } from '@lt/platform';
import type { Actor } from '@lt/contracts';
import { InMemoryAgencyRepository } from '../adapters/in-memory-agency.repository';
import type { RegistryUseCases } from '../registry.use-cases';
import { AddKeyUseCase } from '../use-cases/add-key/add-key.use-case';
import { AgencyChildrenUseCase } from '../use-cases/agency-children/agency-children.use-case';
import { AgencyHistoryUseCase } from '../use-cases/agency-history/agency-history.use-case';
import { CloseAgencyUseCase } from '../use-cases/close-agency/close-agency.use-case';
import { CreateAgencyUseCase } from '../use-cases/create-agency/create-agency.use-case';
import { GetAgencyUseCase } from '../use-cases/get-agency/get-agency.use-case';
import { ImportAgenciesUseCase, type ImportOptions } from '../use-cases/import-agencies/import-agencies.use-case';
import { ListAgenciesUseCase } from '../use-cases/list-agencies/list-agencies.use-case';
import { ListKeysUseCase } from '../use-cases/list-keys/list-keys.use-case';
import { RevokeKeyUseCase } from '../use-cases/revoke-key/revoke-key.use-case';
import { UpdateAgencyUseCase } from '../use-cases/update-agency/update-agency.use-case';
import type { RegistryContext } from '../use-cases/shared/registry-context';

export const ADMIN: Actor = { sub: 'admin@test', role: 'admin' };

/** The use cases by hand, for unit tests without a Nest container (the module wires the same constructors). */
export function buildUseCases(ctx: RegistryContext, importOptions?: ImportOptions): RegistryUseCases {
  return {
    createAgency: new CreateAgencyUseCase(ctx),
    updateAgency: new UpdateAgencyUseCase(ctx),
    closeAgency: new CloseAgencyUseCase(ctx),
    importAgencies: new ImportAgenciesUseCase(ctx, importOptions),
    addKey: new AddKeyUseCase(ctx),
    revokeKey: new RevokeKeyUseCase(ctx),
    listKeys: new ListKeysUseCase(ctx.repo),
    getAgency: new GetAgencyUseCase(ctx.repo),
    listAgencies: new ListAgenciesUseCase(ctx.repo),
    agencyChildren: new AgencyChildrenUseCase(ctx.repo),
    agencyHistory: new AgencyHistoryUseCase(ctx.repo),
  };
}

/** Use cases over the in-memory repository with a fixed clock; `flushes` counts outbox kicks. */
export function inMemoryRegistry(start = '2026-01-01T00:00:00.000Z'): {
  uc: RegistryUseCases;
  repo: InMemoryAgencyRepository;
  clock: FixedClock;
  flushes: { count: number };
  ctx: RegistryContext;
} {
  const repo = new InMemoryAgencyRepository();
  const clock = new FixedClock(new Date(start));
  const flushes = { count: 0 };
  const ctx: RegistryContext = {
    repo,
    clock,
    outbox: {
      flushQuietly: async () => {
        flushes.count++;
        return true;
      },
    },
  };
  return { uc: buildUseCases(ctx), repo, clock, flushes, ctx };
}

/** A fresh public JWK for the algorithm, as an agency would register it. */
export function publicJwk(alg: 'EdDSA' | 'ES256'): Record<string, unknown> {
  const { publicKey } = alg === 'EdDSA' ? generateKeyPairSync('ed25519') : generateKeyPairSync('ec', { namedCurve: 'P-256' });
  return publicKey.export({ format: 'jwk' }) as Record<string, unknown>;
}

/** A small 4-tier directory: central G12 with a unit, province H41 with a department, a district, a commune and a one-stop unit. */
export const SEED_CSV = [
  'code,name,tier,parent_code',
  '000.00.00.G12,Bộ Tài chính,central,',
  '000.00.18.G12,Tổng cục Thuế,central,000.00.00.G12',
  '000.00.00.H41,"Ủy ban nhân dân tỉnh Nghệ An",province,',
  '000.00.02.H41,Sở Nội vụ tỉnh Nghệ An,province,000.00.00.H41',
  '000.00.30.H41,Ủy ban nhân dân thành phố Vinh,district,000.00.00.H41',
  '000.01.30.H41,Ủy ban nhân dân phường Hưng Bình,commune,000.00.30.H41',
  '001.01.30.H41,Bộ phận một cửa phường Hưng Bình,commune,000.01.30.H41',
].join('\n');
