import { jetstreamManager } from '@nats-io/jetstream';
import { codeToSubjectTokens, REGISTRY_RPC, type AgencyKvEntry, type ImportResult, type Topology } from '@lt/contracts';
import { openAgencyKv, RpcClient, type NatsConnection } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { inboxConsumerConfig } from '@lt/sdk';
import { ADMIN_TIMEOUT_MS } from './hub';

/**
 * The bench's agency directory, registered through the registry's request-reply API exactly as
 * the gateway and `npm start` do: ministries with their units, provinces with departments,
 * districts and communes, and one district holding `communes` communes for the broadcast.
 */

export interface BenchAgency {
  code: string;
  name: string;
  tier: 'central' | 'province' | 'district' | 'commune';
  parent: string;
}

export interface BenchDirectory {
  agencies: BenchAgency[];
  /** the district whose communes receive the broadcast */
  broadcastDistrict: string;
  /** the province that broadcasts (parent of broadcastDistrict) */
  broadcaster: string;
  tiers: Record<string, number>;
}

export interface Sender {
  code: string;
  key: KeyFile;
}

const ADMIN = { sub: 'bench', role: 'admin' };
const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');

/** 10 ministries x 4 units; 6 provinces x (4 departments, 3 districts x 6 communes); 1 district of `communes` communes. */
export function benchDirectory(communes: number): BenchDirectory {
  const agencies: BenchAgency[] = [];
  for (let g = 1; g <= 10; g++) {
    const root = `000.00.00.G${p2(g)}`;
    agencies.push({ code: root, name: `Bộ số ${g}`, tier: 'central', parent: '' });
    for (let u = 1; u <= 4; u++) agencies.push({ code: `000.00.${p2(u)}.G${p2(g)}`, name: `Tổng cục ${u} thuộc Bộ số ${g}`, tier: 'central', parent: root });
  }
  for (let h = 41; h <= 46; h++) {
    const root = `000.00.00.H${h}`;
    agencies.push({ code: root, name: `Ủy ban nhân dân tỉnh ${h}`, tier: 'province', parent: '' });
    for (let d = 1; d <= 4; d++) agencies.push({ code: `000.00.${p2(d)}.H${h}`, name: `Sở ${d} tỉnh ${h}`, tier: 'province', parent: root });
    for (let d = 30; d < 33; d++) {
      const district = `000.00.${d}.H${h}`;
      agencies.push({ code: district, name: `Ủy ban nhân dân huyện ${d}, tỉnh ${h}`, tier: 'district', parent: root });
      for (let c = 1; c <= 6; c++)
        agencies.push({ code: `000.${p2(c)}.${d}.H${h}`, name: `Ủy ban nhân dân xã ${c}, huyện ${d}`, tier: 'commune', parent: district });
    }
  }
  // a district far larger than any real one, so one broadcast fans out into `communes` copies;
  // level-4 codes (DDD.CC.99.H41) with the district as explicit parent
  const broadcaster = '000.00.00.H41';
  const broadcastDistrict = '000.00.99.H41';
  agencies.push({ code: broadcastDistrict, name: 'Ủy ban nhân dân huyện thử nghiệm phát rộng', tier: 'district', parent: broadcaster });
  for (let i = 0; i < communes; i++) {
    agencies.push({
      code: `${p3((i % 100) + 1)}.${p2(Math.floor(i / 100) + 1)}.99.H41`,
      name: `Xã thử nghiệm ${i + 1}`,
      tier: 'commune',
      parent: broadcastDistrict,
    });
  }
  const tiers: Record<string, number> = {};
  for (const a of agencies) tiers[a.tier] = (tiers[a.tier] ?? 0) + 1;
  return { agencies, broadcastDistrict, broadcaster, tiers };
}

export function toCsv(agencies: readonly BenchAgency[]): string {
  const cell = (v: string) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
  return ['code,name,tier,parent_code', ...agencies.map((a) => [a.code, a.name, a.tier, a.parent].map(cell).join(','))].join('\r\n') + '\r\n';
}

/** Imports the directory in one request (all or nothing). */
export async function importDirectory(nc: NatsConnection, topo: Topology, dir: BenchDirectory): Promise<ImportResult> {
  const rpc = new RpcClient(nc, 120_000);
  const result = await rpc.call<ImportResult>(topo.rpcSubject('registry', REGISTRY_RPC.importCsv), {
    action: 'once',
    mode: 'all-or-nothing',
    csv: toCsv(dir.agencies),
    actor: ADMIN,
  });
  if (result.failed > 0 || result.created !== dir.agencies.length) {
    throw new Error(
      `directory import: created ${result.created} of ${dir.agencies.length}, failed ${result.failed}: ${JSON.stringify(result.errors.slice(0, 3))}`,
    );
  }
  return result;
}

/**
 * Senders spread over the tiers (every n-th agency outside the broadcast district, plus the
 * broadcaster), each with a fresh Ed25519 key registered through `key.add`.
 */
export async function registerSenders(nc: NatsConnection, topo: Topology, dir: BenchDirectory, count: number): Promise<Sender[]> {
  const pool = dir.agencies.filter((a) => a.parent !== dir.broadcastDistrict && a.code !== dir.broadcastDistrict && a.code !== dir.broadcaster);
  const step = pool.length / (count - 1);
  const chosen = [dir.broadcaster, ...Array.from({ length: count - 1 }, (_, i) => pool[Math.floor(i * step)]!.code)];
  const rpc = new RpcClient(nc, 30_000);
  const senders: Sender[] = chosen.map((code) => ({ code, key: newEd25519KeyFile('bench1') }));
  const subject = topo.rpcSubject('registry', REGISTRY_RPC.addKey);
  for (let i = 0; i < senders.length; i += 8) {
    await Promise.all(
      senders.slice(i, i + 8).map((s) => rpc.call(subject, { actor: ADMIN, code: s.code, keyId: s.key.keyId, alg: s.key.alg, publicJwk: s.key.publicJwk })),
    );
  }
  await waitForKeysInKv(nc, topo, senders);
  return senders;
}

/** The SDK and the router read keys from KV: wait until every sender's key is there. */
async function waitForKeysInKv(nc: NatsConnection, topo: Topology, senders: readonly Sender[], timeoutMs = 30_000): Promise<void> {
  const kv = await openAgencyKv(nc, topo);
  const until = Date.now() + timeoutMs;
  let missing = senders.map((s) => s.code);
  while (Date.now() < until) {
    const still: string[] = [];
    for (const code of missing) {
      const e = await kv.get(codeToSubjectTokens(code));
      const entry = e?.value.length ? (JSON.parse(e.string()) as AgencyKvEntry) : undefined;
      if (!entry?.keys.some((k) => k.kid === `${code}#bench1`)) still.push(code);
    }
    missing = still;
    if (missing.length === 0) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`keys of ${missing.length} senders not in KV ${topo.kvAgencies} after ${timeoutMs} ms (e.g. ${missing.slice(0, 3).join(', ')})`);
}

/** One durable inbox consumer per agency, as in production (DESIGN.md "Messaging": created on registration or first connect). */
export async function createInboxConsumers(nc: NatsConnection, topo: Topology, codes: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  for (let i = 0; i < codes.length; i += 64) {
    await Promise.all(codes.slice(i, i + 64).map((code) => jsm.consumers.add(topo.streams.inbox, inboxConsumerConfig(topo, code))));
  }
}
