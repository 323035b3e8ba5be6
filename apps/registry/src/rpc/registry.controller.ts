import { Controller, Inject } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import { CALLER_TOKEN_HEADER, LtError, REGISTRY_RPC, type Actor } from '@lt/contracts';
import { CallerVerifier, NatsRpcContext, PER_REPLICA } from '@lt/messaging';
import { asObject, describe, invalid } from '../domain/input';
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

/** The payload as an object; `actor` is refused: who calls is the verified caller token, never a field. */
export function fields(payload: unknown, what: string): Record<string, unknown> {
  const o = asObject(payload ?? {}, what);
  if ('actor' in o) {
    throw invalid(
      'actor',
      `is not read: who calls is the caller's bearer token (Authorization over HTTP, the ${CALLER_TOKEN_HEADER} header over NATS); remove actor from the ${what}`,
    );
  }
  return o;
}

function takeCode(o: Record<string, unknown>): { code: string; rest: Record<string, unknown> } {
  const { code, ...rest } = o;
  if (typeof code !== 'string') throw invalid('code', `must be an agency code string, got ${describe(code)}`);
  return { code, rest };
}

/**
 * Request-reply surface of the registry (subject = topology.rpcSubject('registry', method)).
 * Who calls is never taken from the payload: every write (create, update, close, key add and
 * revoke, every import action) needs an admin bearer token in the Lt-Caller-Token header, which
 * the gateway forwards and this service verifies with the hub's public token key; the history
 * records its sub and role. No or a bad token: UNAUTHENTICATED; another role: FORBIDDEN. Reads
 * need no token: NATS lets only the gateway and the operator publish here, and the directory is
 * readable by every token holder (and in KV) anyway. A payload with `actor` is refused
 * (VALIDATION_FAILED). docs/security-identity.md.
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
    private readonly callers: CallerVerifier,
  ) {}

  /** The verified admin calling a write, before anything in the payload is looked at. */
  private admin(ctx: NatsRpcContext): Actor {
    const c = this.callers.require(ctx, ['admin']);
    return { sub: c.sub, role: c.role };
  }

  @MessagePattern(REGISTRY_RPC.create)
  create(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    const actor = this.admin(ctx);
    return this.createAgency.execute(actor, fields(p, 'agency.create payload'));
  }

  @MessagePattern(REGISTRY_RPC.get)
  get(@Payload() p: unknown) {
    return this.getAgency.execute(takeCode(fields(p, 'agency.get payload')).code);
  }

  @MessagePattern(REGISTRY_RPC.list)
  list(@Payload() p: unknown) {
    return this.listAgencies.execute(fields(p, 'agency.list payload'));
  }

  @MessagePattern(REGISTRY_RPC.children)
  children(@Payload() p: unknown) {
    const { code, rest } = takeCode(fields(p, 'agency.children payload'));
    const { depth, ...extra } = rest;
    if (Object.keys(extra).length) throw invalid('agency.children payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return this.agencyChildren.execute(code, depth);
  }

  @MessagePattern(REGISTRY_RPC.update)
  update(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    const actor = this.admin(ctx);
    const { code, rest: patch } = takeCode(fields(p, 'agency.update payload'));
    return this.updateAgency.execute(actor, code, patch);
  }

  @MessagePattern(REGISTRY_RPC.close)
  close(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    const actor = this.admin(ctx);
    const { code, rest: input } = takeCode(fields(p, 'agency.close payload'));
    return this.closeAgency.execute(actor, code, input);
  }

  @MessagePattern(REGISTRY_RPC.history)
  history(@Payload() p: unknown) {
    return this.agencyHistory.execute(fields(p, 'agency.history payload'));
  }

  @MessagePattern(REGISTRY_RPC.addKey)
  addKey(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    const actor = this.admin(ctx);
    const { code, rest: key } = takeCode(fields(p, 'key.add payload'));
    return this.addAgencyKey.execute(actor, code, key);
  }

  @MessagePattern(REGISTRY_RPC.revokeKey)
  revokeKey(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    const actor = this.admin(ctx);
    const { code, rest: r } = takeCode(fields(p, 'key.revoke payload'));
    const { keyId, kid, reason, ...extra } = r;
    if (Object.keys(extra).length) throw invalid('key.revoke payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return this.revokeAgencyKey.execute(actor, code, (keyId ?? kid) as string, reason as string);
  }

  @MessagePattern(REGISTRY_RPC.listKeys)
  listKeys(@Payload() p: unknown) {
    const { code, rest } = takeCode(fields(p, 'key.list payload'));
    return this.listAgencyKeys.execute(code, rest.activeOnly === true || rest.activeOnly === 'true');
  }

  /** The shared import endpoint: any replica; a request for a session held elsewhere is handed over. */
  @MessagePattern(REGISTRY_RPC.importCsv)
  importCsv(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    return this.runImport(p, ctx, false);
  }

  /** This replica's own import endpoint (`<subject>.<replicaId>`): forwarded requests land here. */
  @MessagePattern(REGISTRY_RPC.importCsv, { [PER_REPLICA]: true })
  importCsvHere(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext) {
    return this.runImport(p, ctx, true);
  }

  /** Every action is a write: each request (chunks and forwarded ones included) carries the admin's token. */
  private async runImport(p: unknown, ctx: NatsRpcContext, local: boolean): Promise<unknown> {
    const actor = this.admin(ctx);
    const o = fields(p, 'agency.import payload');
    const importer = this.importAgencies;
    switch (o.action) {
      case 'begin':
        return importer.begin(actor, o.mode);
      case 'once':
        if (typeof o.csv !== 'string') throw invalid('csv', `must be the CSV text, got ${describe(o.csv)}`);
        return importer.importCsv(actor, o.mode, o.csv);
      case 'chunk':
      case 'commit':
      case 'abort': {
        const owner = typeof o.importId === 'string' ? o.importId.split('_')[0] : undefined;
        // the session lives on another replica: hand the request over as is
        if (!local && owner && owner !== importer.instanceId) return this.forwarder.forward(owner, p, ctx.getHeader(CALLER_TOKEN_HEADER));
        if (o.action === 'chunk') return importer.chunk(o.importId, o.text);
        if (o.action === 'commit') return importer.commit(o.importId);
        return importer.abort(o.importId);
      }
      default:
        throw new LtError('VALIDATION_FAILED', `action must be begin, chunk, commit, abort or once, got ${describe(o.action)}`, { field: 'action' });
    }
  }
}
