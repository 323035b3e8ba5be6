/**
 * Test support: a synthetic agency tree for the benchmarks and the fault suite, registered through
 * the registry's request-reply API as the gateway and `npm start` do. Never used in production.
 */
import { callerTokenHeaders, codeToSubjectTokens, LtError, REGISTRY_RPC, type AgencyKvEntry, type ImportResult, type Tier, type Topology } from '@lt/contracts';
import { openAgencyKv, RpcClient, type NatsConnection } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';

/** One CSV row of the registry's import. */
export interface SyntheticAgency {
  code: string;
  name: string;
  tier: Tier;
  /** parent code, '' for a root */
  parent: string;
  address?: string;
}

/** How many agencies of each kind; codes follow the national code scheme (level 1 to 4). */
export interface SyntheticDirectoryShape {
  /** ministries G01, G02, ... each with `unitsPerMinistry` units */
  ministries: number;
  unitsPerMinistry: number;
  /** provinces H<firstProvince>, H<firstProvince + 1>, ... */
  firstProvince: number;
  provinces: number;
  departmentsPerProvince: number;
  /** districts 30, 31, ... of each province */
  districtsPerProvince: number;
  communesPerDistrict: number;
}

/** 10 ministries x 4 units; 6 provinces (H41-H46) x (4 departments, 3 districts x 6 communes): 242 agencies. */
const DEFAULT_SHAPE: SyntheticDirectoryShape = {
  ministries: 10,
  unitsPerMinistry: 4,
  firstProvince: 41,
  provinces: 6,
  departmentsPerProvince: 4,
  districtsPerProvince: 3,
  communesPerDistrict: 6,
};

const p2 = (n: number) => String(n).padStart(2, '0');

/** Ministries with their units, then provinces with departments and districts of communes; parents first. */
export function syntheticDirectory(overrides: Partial<SyntheticDirectoryShape> = {}): SyntheticAgency[] {
  const shape = { ...DEFAULT_SHAPE, ...overrides };
  const out: SyntheticAgency[] = [];
  for (let g = 1; g <= shape.ministries; g++) {
    const root = `000.00.00.G${p2(g)}`;
    out.push({ code: root, name: `Bộ số ${g}`, tier: 'central', parent: '' });
    for (let u = 1; u <= shape.unitsPerMinistry; u++)
      out.push({ code: `000.00.${p2(u)}.G${p2(g)}`, name: `Tổng cục ${u} thuộc Bộ số ${g}`, tier: 'central', parent: root });
  }
  for (let h = shape.firstProvince; h < shape.firstProvince + shape.provinces; h++) {
    const root = `000.00.00.H${h}`;
    out.push({ code: root, name: `Ủy ban nhân dân tỉnh ${h}`, tier: 'province', parent: '' });
    for (let d = 1; d <= shape.departmentsPerProvince; d++)
      out.push({ code: `000.00.${p2(d)}.H${h}`, name: `Sở ${d} tỉnh ${h}`, tier: 'province', parent: root });
    for (let d = 30; d < 30 + shape.districtsPerProvince; d++) {
      const district = `000.00.${d}.H${h}`;
      out.push({ code: district, name: `Ủy ban nhân dân huyện ${d}, tỉnh ${h}`, tier: 'district', parent: root });
      for (let c = 1; c <= shape.communesPerDistrict; c++)
        out.push({ code: `000.${p2(c)}.${d}.H${h}`, name: `Ủy ban nhân dân xã ${c}, huyện ${d}`, tier: 'commune', parent: district });
    }
  }
  return out;
}

/** Agencies per tier. */
export function syntheticTierCounts(agencies: readonly SyntheticAgency[]): Record<string, number> {
  const tiers: Record<string, number> = {};
  for (const a of agencies) tiers[a.tier] = (tiers[a.tier] ?? 0) + 1;
  return tiers;
}

const CSV_COLUMNS = {
  code: (a: SyntheticAgency) => a.code,
  name: (a: SyntheticAgency) => a.name,
  tier: (a: SyntheticAgency) => a.tier,
  parent_code: (a: SyntheticAgency) => a.parent,
  address: (a: SyntheticAgency) => a.address ?? '',
};

export type SyntheticCsvColumn = keyof typeof CSV_COLUMNS;

/** The registry's import CSV (CRLF, quoted where needed). */
export function syntheticDirectoryCsv(
  agencies: readonly SyntheticAgency[],
  columns: readonly SyntheticCsvColumn[] = ['code', 'name', 'tier', 'parent_code'],
): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  const rows = agencies.map((a) => columns.map((c) => cell(CSV_COLUMNS[c](a))).join(','));
  return [columns.join(','), ...rows].join('\r\n') + '\r\n';
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

/**
 * agency.import of the whole directory in one all-or-nothing request; throws unless every agency
 * was created. `callerToken`: an admin bearer token the registry verifies (issueLocalToken).
 */
export async function importSyntheticDirectory(
  nc: NatsConnection,
  topo: Topology,
  agencies: readonly SyntheticAgency[],
  callerToken: string,
): Promise<ImportResult> {
  const payload = { action: 'once', mode: 'all-or-nothing', csv: syntheticDirectoryCsv(agencies) };
  const rpc = new RpcClient(nc).withHeaders(callerTokenHeaders(callerToken));
  const result = await callWhileStarting<ImportResult>(rpc, topo.rpcSubject('registry', REGISTRY_RPC.importCsv), payload, 120_000);
  if (result.failed > 0 || result.created !== agencies.length) {
    throw new Error(`directory import: created ${result.created} of ${agencies.length}, failed ${result.failed}: ${JSON.stringify(result.errors.slice(0, 3))}`);
  }
  return result;
}

export interface SyntheticKeyOptions {
  /** an admin bearer token the registry verifies (issueLocalToken) */
  callerToken: string;
  /** default `k1` */
  keyId?: string;
  /** key.add requests in flight at once, default 1 */
  parallel?: number;
}

/**
 * A fresh Ed25519 key per agency, registered through key.add; resolves once every key is in KV,
 * where the router and the SDK read them.
 */
export async function registerSyntheticKeys(
  nc: NatsConnection,
  topo: Topology,
  codes: readonly string[],
  opts: SyntheticKeyOptions,
): Promise<Map<string, KeyFile>> {
  const keyId = opts.keyId ?? 'k1';
  const parallel = opts.parallel ?? 1;
  const keys = new Map(codes.map((code) => [code, newEd25519KeyFile(keyId)] as const));
  const rpc = new RpcClient(nc).withHeaders(callerTokenHeaders(opts.callerToken));
  const subject = topo.rpcSubject('registry', REGISTRY_RPC.addKey);
  const entries = [...keys];
  for (let i = 0; i < entries.length; i += parallel) {
    await Promise.all(
      entries.slice(i, i + parallel).map(([code, key]) => callWhileStarting(rpc, subject, { code, keyId, alg: key.alg, publicJwk: key.publicJwk }, 30_000)),
    );
  }
  await waitForKeysInKv(nc, topo, [...keys.keys()], keyId);
  return keys;
}

async function waitForKeysInKv(nc: NatsConnection, topo: Topology, codes: readonly string[], keyId: string, timeoutMs = 30_000): Promise<void> {
  const kv = await openAgencyKv(nc, topo);
  const deadline = Date.now() + timeoutMs;
  let missing = codes;
  for (;;) {
    const still: string[] = [];
    for (const code of missing) {
      const e = await kv.get(codeToSubjectTokens(code));
      const entry = e?.value.length ? (JSON.parse(e.string()) as AgencyKvEntry) : undefined;
      if (!entry?.keys.some((k) => k.kid === `${code}#${keyId}`)) still.push(code);
    }
    missing = still;
    if (missing.length === 0) return;
    if (Date.now() > deadline)
      throw new Error(`keys of ${missing.length} agencies not in KV ${topo.kvAgencies} after ${timeoutMs} ms (e.g. ${missing.slice(0, 3).join(', ')})`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
