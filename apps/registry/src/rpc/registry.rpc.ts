import { LtError, REGISTRY_RPC, type Topology } from '@lt/contracts';
import type { RpcClient, RpcServer } from '@lt/messaging';
import { asObject, describe, invalid, parseActor } from '../domain/input';
import type { RegistryUseCases } from '../registry.use-cases';

/**
 * Request-reply surface of the registry (subject = topology.rpcSubject('registry', method)).
 * Writes carry `actor: {sub, role}`: the gateway authenticates and authorises; the registry
 * records who did it. Reads ignore `actor` when present.
 */

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

/** Subject of the replica-specific import endpoint (chunks of a session go to the replica that holds it). */
export function importReplicaSubject(topo: Topology, instanceId: string): string {
  return `${topo.rpcSubject('registry', REGISTRY_RPC.importCsv)}.${instanceId}`;
}

export interface RegistryRpcOptions {
  /** a second server whose queue group only this replica joins, for import sessions */
  replicaServer?: RpcServer;
  /** to forward chunks of a session held by another replica */
  client?: RpcClient;
  /** how long a forwarded import request may take */
  forwardTimeoutMs?: number;
}

export function serveRegistryRpc(server: RpcServer, topo: Topology, uc: RegistryUseCases, opts: RegistryRpcOptions = {}): void {
  const subject = (method: string) => topo.rpcSubject('registry', method);

  server.serve(subject(REGISTRY_RPC.create), (p) => {
    const { actor, rest } = split(p, 'agency.create payload');
    return uc.createAgency.execute(actor, rest);
  });
  server.serve(subject(REGISTRY_RPC.get), (p) => uc.getAgency.execute(takeCode(withoutActor(p, 'agency.get payload')).code));
  server.serve(subject(REGISTRY_RPC.list), (p) => uc.listAgencies.execute(withoutActor(p, 'agency.list payload')));
  server.serve(subject(REGISTRY_RPC.children), (p) => {
    const { code, rest } = takeCode(withoutActor(p, 'agency.children payload'));
    const { depth, ...extra } = rest;
    if (Object.keys(extra).length) throw invalid('agency.children payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return uc.agencyChildren.execute(code, depth);
  });
  server.serve(subject(REGISTRY_RPC.update), (p) => {
    const { actor, rest } = split(p, 'agency.update payload');
    const { code, rest: patch } = takeCode(rest);
    return uc.updateAgency.execute(actor, code, patch);
  });
  server.serve(subject(REGISTRY_RPC.close), (p) => {
    const { actor, rest } = split(p, 'agency.close payload');
    const { code, rest: input } = takeCode(rest);
    return uc.closeAgency.execute(actor, code, input);
  });
  server.serve(subject(REGISTRY_RPC.history), (p) => uc.agencyHistory.execute(withoutActor(p, 'agency.history payload')));
  server.serve(subject(REGISTRY_RPC.addKey), (p) => {
    const { actor, rest } = split(p, 'key.add payload');
    const { code, rest: key } = takeCode(rest);
    return uc.addKey.execute(actor, code, key);
  });
  server.serve(subject(REGISTRY_RPC.revokeKey), (p) => {
    const { actor, rest } = split(p, 'key.revoke payload');
    const { code, rest: r } = takeCode(rest);
    const { keyId, kid, reason, ...extra } = r;
    if (Object.keys(extra).length) throw invalid('key.revoke payload', `has unknown field(s) ${Object.keys(extra).join(', ')}`);
    return uc.revokeKey.execute(actor, code, (keyId ?? kid) as string, reason as string);
  });
  server.serve(subject(REGISTRY_RPC.listKeys), (p) => {
    const { code, rest } = takeCode(withoutActor(p, 'key.list payload'));
    return uc.listKeys.execute(code, rest.activeOnly === true || rest.activeOnly === 'true');
  });

  const importHandler = (local: boolean) => async (p: unknown) => {
    const o = asObject(p ?? {}, 'agency.import payload');
    const importer = uc.importAgencies;
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
        if (!local && owner && owner !== importer.instanceId && opts.client) {
          // the session lives on another replica: hand the request over as is
          return opts.client.call(importReplicaSubject(topo, owner), p, opts.forwardTimeoutMs ?? 120_000);
        }
        if (o.action === 'chunk') return importer.chunk(o.importId, o.text);
        if (o.action === 'commit') return importer.commit(o.importId);
        return importer.abort(o.importId);
      }
      default:
        throw new LtError('VALIDATION_FAILED', `action must be begin, chunk, commit, abort or once, got ${describe(o.action)}`, { field: 'action' });
    }
  };
  server.serve(subject(REGISTRY_RPC.importCsv), importHandler(false));
  opts.replicaServer?.serve(importReplicaSubject(topo, uc.importAgencies.instanceId), importHandler(true));
}
