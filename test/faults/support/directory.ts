import { REGISTRY_RPC, type Agency, type Topology } from '@lt/contracts';
import { importSyntheticDirectory, registerSyntheticKeys, syntheticDirectory, type SyntheticAgency } from '@lt/directory';
import type { NatsConnection, RpcClient } from '@lt/messaging';
import type { KeyFile } from '@lt/platform';

export const ACTOR = { sub: 'fault-tests', role: 'admin' };

/**
 * The fault runs' directory: 10 ministries with 4 units each, 6 provinces each with 4
 * departments and 3 districts of 12 communes (314 agencies), registered through the registry's
 * request-reply API as the gateway does.
 */
export function faultDirectory(): SyntheticAgency[] {
  return syntheticDirectory({ communesPerDistrict: 12 });
}

export async function importDirectory(nc: NatsConnection, topo: Topology, agencies: readonly SyntheticAgency[]): Promise<void> {
  await importSyntheticDirectory(nc, topo, agencies, ACTOR);
}

/** A fresh Ed25519 key per agency, registered through key.add one at a time; resolves once every key is in KV. */
export async function registerKeys(nc: NatsConnection, topo: Topology, codes: readonly string[], keyId = 'k1'): Promise<Map<string, KeyFile>> {
  return registerSyntheticKeys(nc, topo, codes, { actor: ACTOR, keyId });
}

/** agency.update through the registry (contact change); resolves with the agency's new version. */
export async function updateContact(rpc: RpcClient, topo: Topology, code: string, telephone: string): Promise<number> {
  const a = await rpc.call<Agency>(topo.rpcSubject('registry', REGISTRY_RPC.update), { actor: ACTOR, code, contact: { telephone } }, 5_000);
  return a.version;
}
