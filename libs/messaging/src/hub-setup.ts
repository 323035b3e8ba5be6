import type { HubKeyPurpose, Topology } from '@lt/contracts';
import { ensureHubKeys, loadHubPublicKeys, type HubKeyFile } from '@lt/platform';
import type { NatsConnection } from '@nats-io/transport-node';
import { describeMissingHubKeys, publishHubKeys, type HubKeysPublication } from './hub-keys-kv';
import { ensureTopology, openAgencyKv, type StreamOptions } from './streams';

export interface HubSetup {
  /** the active key of each purpose (made when missing) */
  hubKeys: Record<HubKeyPurpose, HubKeyFile>;
  published: HubKeysPublication;
}

/**
 * What a hub needs on NATS and in its data folder before any service starts: every stream and
 * bucket (with the operator's connection: services may only read their settings), the hub keys,
 * and their public halves in the directory bucket. Idempotent: `npm start` runs it at every start,
 * `lienthong hub init` once for a deployment (compose, systemd).
 */
export async function setUpHub(nc: NatsConnection, topo: Topology, dataDir: string, streams: StreamOptions, say: (line: string) => void): Promise<HubSetup> {
  await ensureTopology(nc, topo, { ...streams, onNote: streams.onNote ?? say });
  say(
    `streams ${Object.values(topo.streams).join(', ')} and bucket ${topo.kvAgencies} ready${streams.replicas ? ` (${streams.replicas} replica${streams.replicas > 1 ? 's' : ''})` : ''}`,
  );
  const hubKeys = ensureHubKeys(dataDir);
  // a wiped data folder gets new key ids, published beside the old ones (docs/hub-keys.md)
  const published = await publishHubKeys(await openAgencyKv(nc, topo), loadHubPublicKeys(dataDir));
  if (published.missingLocally.length) say(describeMissingHubKeys(published.missingLocally));
  return { hubKeys, published };
}
