import { jetstreamManager } from '@nats-io/jetstream';
import type { ImportResult, Topology } from '@lt/contracts';
import { importSyntheticDirectory, registerSyntheticKeys, syntheticDirectory, syntheticTierCounts, type SyntheticAgency } from '@lt/directory';
import type { NatsConnection } from '@lt/messaging';
import { issueLocalToken, type KeyFile } from '@lt/platform';
import pino from 'pino';
import { connect, inboxConsumerConfig, type LienThongClient } from '@lt/sdk';
import { PUBLISH_TIMEOUT_MS } from './baselines';
import { ADMIN_TIMEOUT_MS } from './hub';

/**
 * The bench's agency directory, registered through the registry's request-reply API exactly as
 * the gateway and `npm start` do: ministries with their units, provinces with departments,
 * districts and communes, and one district holding `communes` communes for the broadcast.
 */

export interface BenchDirectory {
  agencies: SyntheticAgency[];
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

/** The bench hub as far as registration needs it: the admin connection and the data folder whose token key the registry verifies. */
export interface DirectoryHub {
  nc: NatsConnection;
  topo: Topology;
  dataDir: string;
}

/** The registry takes its caller from a verified token only: an admin token of the bench's own token key. */
const adminToken = (hub: DirectoryHub) => issueLocalToken(hub.dataDir, { sub: 'bench', ttlSeconds: 3600 });
const p2 = (n: number) => String(n).padStart(2, '0');
const p3 = (n: number) => String(n).padStart(3, '0');

/** 10 ministries x 4 units; 6 provinces x (4 departments, 3 districts x 6 communes); 1 district of `communes` communes. */
export function benchDirectory(communes: number): BenchDirectory {
  const agencies = syntheticDirectory();
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
  return { agencies, broadcastDistrict, broadcaster, tiers: syntheticTierCounts(agencies) };
}

/** Imports the directory in one request (all or nothing). */
export async function importDirectory(hub: DirectoryHub, dir: BenchDirectory): Promise<ImportResult> {
  return importSyntheticDirectory(hub.nc, hub.topo, dir.agencies, adminToken(hub));
}

/**
 * Senders spread over the tiers (every n-th agency outside the broadcast district, plus the
 * broadcaster), each with a fresh Ed25519 key registered through `key.add`; resolves once the
 * keys are in KV, where the SDK and the router read them.
 */
export async function registerSenders(hub: DirectoryHub, dir: BenchDirectory, count: number): Promise<Sender[]> {
  const pool = dir.agencies.filter((a) => a.parent !== dir.broadcastDistrict && a.code !== dir.broadcastDistrict && a.code !== dir.broadcaster);
  const step = pool.length / (count - 1);
  const chosen = [dir.broadcaster, ...Array.from({ length: count - 1 }, (_, i) => pool[Math.floor(i * step)]!.code)];
  const keys = await registerSyntheticKeys(hub.nc, hub.topo, chosen, { callerToken: adminToken(hub), keyId: 'bench1', parallel: 8 });
  return chosen.map((code) => ({ code, key: keys.get(code)! }));
}

/** One durable inbox consumer per agency, as in production (created on registration or first connect). */
export async function createInboxConsumers(nc: NatsConnection, topo: Topology, codes: readonly string[]): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  for (let i = 0; i < codes.length; i += 64) {
    await Promise.all(codes.slice(i, i + 64).map((code) => jsm.consumers.add(topo.streams.inbox, inboxConsumerConfig(topo, code))));
  }
}

/** One SDK client per sender on a shared connection: sending only (no inbox, no automatic 01). */
export async function connectSenders(nc: NatsConnection, ns: string, senders: Sender[]): Promise<LienThongClient[]> {
  const logger = pino({ level: 'warn' }, pino.destination(2));
  const clients: LienThongClient[] = [];
  for (const s of senders) {
    clients.push(
      await connect({
        nc,
        ns,
        agencyCode: s.code,
        privateJwk: s.key.privateJwk,
        keyId: s.key.keyId,
        alg: s.key.alg,
        ensureInbox: false,
        autoArrived: false,
        publishTimeoutMs: PUBLISH_TIMEOUT_MS,
        logger,
      }),
    );
  }
  return clients;
}
