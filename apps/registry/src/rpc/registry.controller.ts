import { Controller, Inject } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { LtError, REGISTRY_RPC } from '@lt/contracts';
import { PER_REPLICA } from '@lt/messaging';
import { asObject, describe, invalid, parseActor } from '../domain/input';
import { IMPORT_FORWARDER, type ImportForwarder } from '../ports';
import { AddKeyUseCase } from '../use-cases/add-key/add-key.use-case';
import { AgencyChildrenUseCase } from '../use-cases/agency-children/agency-children.use-case';
import { AgencyHistoryUseCase } from '../use-cases/agency-history/agency-history.use-case';
import { CloseAgencyUseCase } from '../use-cases/close-agency/close-agency.use-case';
import { CreateAgencyUseCase } from '../use-cases/create-agency/create-agency.use-case';
import { GetAgencyUseCase } from '../use-cases/get-agency/get-agency.use-case';
import { ImportAgenciesUseCase } from '../use-cases/import-agencies/import-agencies.use-case';
import { ListAgenciesUseCase } from '../use-cases/list-agencies/list-agencies.use-case';
import { ListKeysUseCase } from '../use-cases/list-keys/list-keys.use-case';
import { RevokeKeyUseCase } from '../use-cases/revoke-key/revoke-key.use-case';
import { UpdateAgencyUseCase } from '../use-cases/update-agency/update-agency.use-case';

function split(payload: unknown, what: string): { actor: ReturnType<typeof parseActor>; rest: Record<string, unknown> } {
  const { actor, ...rest } = asObject(payload ?? {}, what);
  return { actor: parseActor(actor), rest };
}

function withoutActor(payload: unknown, what: string): Record<string, unknown> {
  const { actor: _actor, ...rest } = asObject(payload ?? {}, what);
  void _actor;
  return rest;
}

function takeCode(o: Record<string, unknown>): { code: string; rest: Record<string, unknown> } {
  const { code, ...rest } = o;
  if (typeof code !== 'string') throw invalid('code', `must be an agency code string, got ${describe(code)}`);
  return { code, rest };
}

/**
 * Request-reply surface of the registry (subject = topology.rpcSubject('registry', method)).
 * Writes carry `actor: {sub, role}`: the gateway authenticates and authorises; the registry
 * records who did it. Reads ignore `actor` when present.
 */
@Controller()
export class RegistryController {
  constructor(
    private readonly createAgency: CreateAgencyUseCase,
    private readonly updateAgency: UpdateAgencyUseCase,
    private readonly closeAgency: CloseAgencyUseCase,
    private readonly importAgencies: ImportAgenciesUseCase,
    private readonly addAgencyKey: AddKeyUseCase,
    private readonly revokeAgencyKey: RevokeKeyUseCase,
    private readonly listAgencyKeys: ListKeysUseCase,
    private readonly getAgency: GetAgencyUseCase,
    private readonly listAgencies: ListAgenciesUseCase,
    private readonly agencyChildren: AgencyChildrenUseCase,
    private readonly agencyHistory: AgencyHistoryUseCase,
    @Inject(IMPORT_FORWARDER) private readonly forwarder: ImportForwarder,
  ) {}

  @MessagePattern(REGISTRY_RPC.create)
  create(@Payload() p: unknown) {
    const { actor, rest } = split(p, 'agency.create payload');
    return this.createAgency.execute(actor, rest);
  }

  @MessagePattern(REGISTRY_RPC.get)
  get(@Payload() p: unknown) {
    return this.getAgency.execute(takeCode(withoutActor(p, 'agency.get payload')).code);
  }

  @MessagePattern(REGISTRY_RPC.list)
  list(@Payload() p: unknown) {
    return this.listAgencies.execute(withoutActor(p, 'agency.list payload'));
  }

  @MessagePattern(REGISTRY_RPC.children)
  children(@Payload() p: unknown) {
    const { code, rest } = takeCode(withoutActor(p, 'agency.children payload'));
    const { depth, ...extra } = rest;
    if (Object.keys(extra).length) throw invalid('agency.children payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return this.agencyChildren.execute(code, depth);
  }

  @MessagePattern(REGISTRY_RPC.update)
  update(@Payload() p: unknown) {
    const { actor, rest } = split(p, 'agency.update payload');
    const { code, rest: patch } = takeCode(rest);
    return this.updateAgency.execute(actor, code, patch);
  }

  @MessagePattern(REGISTRY_RPC.close)
  close(@Payload() p: unknown) {
    const { actor, rest } = split(p, 'agency.close payload');
    const { code, rest: input } = takeCode(rest);
    return this.closeAgency.execute(actor, code, input);
  }

  @MessagePattern(REGISTRY_RPC.history)
  history(@Payload() p: unknown) {
    return this.agencyHistory.execute(withoutActor(p, 'agency.history payload'));
  }

  @MessagePattern(REGISTRY_RPC.addKey)
  addKey(@Payload() p: unknown) {
    const { actor, rest } = split(p, 'key.add payload');
    const { code, rest: key } = takeCode(rest);
    return this.addAgencyKey.execute(actor, code, key);
  }

  @MessagePattern(REGISTRY_RPC.revokeKey)
  revokeKey(@Payload() p: unknown) {
    const { actor, rest } = split(p, 'key.revoke payload');
    const { code, rest: r } = takeCode(rest);
    const { keyId, kid, reason, ...extra } = r;
    if (Object.keys(extra).length) throw invalid('key.revoke payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return this.revokeAgencyKey.execute(actor, code, (keyId ?? kid) as string, reason as string);
  }

  @MessagePattern(REGISTRY_RPC.listKeys)
  listKeys(@Payload() p: unknown) {
    const { code, rest } = takeCode(withoutActor(p, 'key.list payload'));
    return this.listAgencyKeys.execute(code, rest.activeOnly === true || rest.activeOnly === 'true');
  }

  /** The shared import endpoint: any replica; a request for a session held elsewhere is handed over. */
  @MessagePattern(REGISTRY_RPC.importCsv)
  importCsv(@Payload() p: unknown) {
    return this.runImport(p, false);
  }

  /** This replica's own import endpoint (`<subject>.<replicaId>`): forwarded requests land here. */
  @MessagePattern(REGISTRY_RPC.importCsv, { [PER_REPLICA]: true })
  importCsvHere(@Payload() p: unknown) {
    return this.runImport(p, true);
  }

  private async runImport(p: unknown, local: boolean): Promise<unknown> {
    const o = asObject(p ?? {}, 'agency.import payload');
    const importer = this.importAgencies;
    switch (o.action) {
      case 'begin':
        return importer.begin(parseActor(o.actor), o.mode);
      case 'once':
        if (typeof o.csv !== 'string') throw invalid('csv', `must be the CSV text, got ${describe(o.csv)}`);
        return importer.importCsv(parseActor(o.actor), o.mode, o.csv);
      case 'chunk':
      case 'commit':
      case 'abort': {
        const owner = typeof o.importId === 'string' ? o.importId.split('_')[0] : undefined;
        // the session lives on another replica: hand the request over as is
        if (!local && owner && owner !== importer.instanceId) return this.forwarder.forward(owner, p);
        if (o.action === 'chunk') return importer.chunk(o.importId, o.text);
        if (o.action === 'commit') return importer.commit(o.importId);
        return importer.abort(o.importId);
      }
      default:
        throw new LtError('VALIDATION_FAILED', `action must be begin, chunk, commit, abort or once, got ${describe(o.action)}`, { field: 'action' });
    }
  }
}
