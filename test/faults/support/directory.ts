import { codeToSubjectTokens, LtError, REGISTRY_RPC, type Agency, type AgencyKvEntry, type ImportResult, type Topology } from '@lt/contracts';
import { openAgencyKv, RpcClient, type NatsConnection } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';

/**
 * The fault runs' directory: 10 ministries with 4 units each, 6 provinces each with 4
 * departments and 3 districts of 12 communes (314 agencies), registered through the registry's
 * request-reply API as the gateway does.
 */
export interface DirAgency {
  code: string;
  name: string;
  tier: 'central' | 'province' | 'district' | 'commune';
  parent: string;
}

export const ACTOR = { sub: 'fault-tests', role: 'admin' };
const p2 = (n: number) => String(n).padStart(2, '0');

export function faultDirectory(): DirAgency[] {
  const out: DirAgency[] = [];
  for (let g = 1; g <= 10; g++) {
    const root = `000.00.00.G${p2(g)}`;
    out.push({ code: root, name: `Bộ số ${g}`, tier: 'central', parent: '' });
    for (let u = 1; u <= 4; u++) out.push({ code: `000.00.${p2(u)}.G${p2(g)}`, name: `Tổng cục ${u} thuộc Bộ số ${g}`, tier: 'central', parent: root });
  }
  for (let h = 41; h <= 46; h++) {
    const root = `000.00.00.H${h}`;
    out.push({ code: root, name: `Ủy ban nhân dân tỉnh ${h}`, tier: 'province', parent: '' });
    for (let d = 1; d <= 4; d++) out.push({ code: `000.00.${p2(d)}.H${h}`, name: `Sở ${d} tỉnh ${h}`, tier: 'province', parent: root });
    for (let d = 30; d < 33; d++) {
      const district = `000.00.${d}.H${h}`;
      out.push({ code: district, name: `Ủy ban nhân dân huyện ${d}, tỉnh ${h}`, tier: 'district', parent: root });
      for (let c = 1; c <= 12; c++)
        out.push({ code: `000.${p2(c)}.${d}.H${h}`, name: `Ủy ban nhân dân xã ${c}, huyện ${d}`, tier: 'commune', parent: district });
    }
  }
  return out;
}

function toCsv(agencies: readonly DirAgency[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['code,name,tier,parent_code', ...agencies.map((a) => [a.code, a.name, a.tier, a.parent].map(cell).join(','))].join('\r\n') + '\r\n';
}

/**
 * A registry call retried while nobody answers: a service logs "ready" before the server has
 * necessarily processed its subscriptions, so the very first request may find no responders.
 */
async function callWhileStarting<T>(rpc: RpcClient, subject: string, payload: unknown, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      return await rpc.call<T>(subject, payload, timeoutMs);
    } catch (err) {
      if (!(err instanceof LtError) || err.code !== 'UNAVAILABLE' || Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export async function importDirectory(nc: NatsConnection, topo: Topology, agencies: readonly DirAgency[]): Promise<void> {
  const rpc = new RpcClient(nc, 120_000);
  const payload = { action: 'once', mode: 'all-or-nothing', csv: toCsv(agencies), actor: ACTOR };
  const r = await callWhileStarting<ImportResult>(rpc, topo.rpcSubject('registry', REGISTRY_RPC.importCsv), payload, 120_000);
  if (r.failed > 0 || r.created !== agencies.length)
    throw new Error(`directory import: created ${r.created} of ${agencies.length}: ${JSON.stringify(r.errors.slice(0, 3))}`);
}

/** A fresh Ed25519 key per agency, registered through key.add; resolves once every key is in KV. */
export async function registerKeys(nc: NatsConnection, topo: Topology, codes: readonly string[], keyId = 'k1'): Promise<Map<string, KeyFile>> {
  const rpc = new RpcClient(nc, 30_000);
  const keys = new Map(codes.map((c) => [c, newEd25519KeyFile(keyId)] as const));
  const subject = topo.rpcSubject('registry', REGISTRY_RPC.addKey);
  for (const [code, key] of keys)
    await callWhileStarting(rpc, subject, { actor: ACTOR, code, keyId: key.keyId, alg: key.alg, publicJwk: key.publicJwk }, 30_000);
  const kv = await openAgencyKv(nc, topo);
  const deadline = Date.now() + 30_000;
  let missing = [...codes];
  while (missing.length) {
    const still: string[] = [];
    for (const code of missing) {
      const e = await kv.get(codeToSubjectTokens(code));
      const entry = e?.value.length ? (JSON.parse(e.string()) as AgencyKvEntry) : undefined;
      if (!entry?.keys.some((k) => k.kid === `${code}#${keyId}`)) still.push(code);
    }
    missing = still;
    if (missing.length && Date.now() > deadline) throw new Error(`keys not in KV after 30 s: ${missing.slice(0, 5).join(', ')}`);
    if (missing.length) await new Promise((r) => setTimeout(r, 100));
  }
  return keys;
}

/** agency.update through the registry (contact change); resolves with the agency's new version. */
export async function updateContact(rpc: RpcClient, topo: Topology, code: string, telephone: string): Promise<number> {
  const a = await rpc.call<Agency>(topo.rpcSubject('registry', REGISTRY_RPC.update), { actor: ACTOR, code, contact: { telephone } }, 5_000);
  return a.version;
}
