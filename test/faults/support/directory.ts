import { callerTokenHeaders, REGISTRY_RPC, type Agency, type Topology } from '@lt/contracts';
import { importSyntheticDirectory, registerSyntheticKeys, syntheticDirectory, type SyntheticAgency } from '@lt/directory';
import type { NatsConnection, RpcClient } from '@lt/messaging';
import { issueLocalToken, type KeyFile } from '@lt/platform';

/** The fault hub as far as registration needs it: the admin connection and the data folder whose token key the registry verifies. */
export interface DirectoryHub {
  nc: NatsConnection;
  topo: Topology;
  dataDir: string;
}

/** The registry takes its caller from a verified token only: a fresh admin token of the run's own token key per use. */
export const adminToken = (hub: DirectoryHub): string => issueLocalToken(hub.dataDir, { sub: 'fault-tests' });

/**
 * The fault runs' directory: 10 ministries with 4 units each, 6 provinces each with 4
 * departments and 3 districts of 12 communes (314 agencies), registered through the registry's
 * request-reply API as the gateway does.
 */
export function faultDirectory(): SyntheticAgency[] {
  return syntheticDirectory({ communesPerDistrict: 12 });
}

export async function importDirectory(hub: DirectoryHub, agencies: readonly SyntheticAgency[]): Promise<void> {
  await importSyntheticDirectory(hub.nc, hub.topo, agencies, adminToken(hub));
}

/** A fresh Ed25519 key per agency, registered through key.add one at a time; resolves once every key is in KV. */
export async function registerKeys(hub: DirectoryHub, codes: readonly string[], keyId = 'k1'): Promise<Map<string, KeyFile>> {
  return registerSyntheticKeys(hub.nc, hub.topo, codes, { callerToken: adminToken(hub), keyId });
}

/** agency.update through the registry (contact change), over `rpc`; resolves with the agency's new version. */
export async function updateContact(hub: DirectoryHub, rpc: RpcClient, code: string, telephone: string): Promise<number> {
  const admin = rpc.withHeaders(callerTokenHeaders(adminToken(hub)));
  const a = await admin.call<Agency>(hub.topo.rpcSubject('registry', REGISTRY_RPC.update), { code, contact: { telephone } }, 5_000);
  return a.version;
}
