import { jetstreamManager, jetstream, RetentionPolicy, StorageType, DiscardPolicy, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Topology } from '@lt/contracts';

export interface StreamOptions {
  inboxMaxAgeDays?: number;
  /** file storage in production; tests may use memory for speed */
  storage?: 'file' | 'memory';
}

const HOUR_MS = 3_600_000;

/** Stream definitions: submissions (work queue), inbox copies, events, dead letters. Dedup windows are sized to the redelivery horizon. */
export function streamConfigs(topo: Topology, opts: StreamOptions = {}): Array<Partial<StreamConfig> & { name: string }> {
  const storage = opts.storage === 'memory' ? StorageType.Memory : StorageType.File;
  return [
    {
      name: topo.streams.submit,
      subjects: [topo.submitWildcard],
      retention: RetentionPolicy.Workqueue,
      storage,
      // the design asks for at least an hour; the router also keeps every envelope id in Postgres forever
      duplicate_window: nanos(HOUR_MS),
      max_msg_size: 2 * 1024 * 1024,
    },
    {
      name: topo.streams.inbox,
      subjects: [topo.inboxWildcard],
      retention: RetentionPolicy.Limits,
      storage,
      max_age: nanos((opts.inboxMaxAgeDays ?? 30) * 24 * HOUR_MS),
      // inbox copies are re-published only when a router redelivery happens (ack wait, restarts)
      duplicate_window: nanos(20 * 60_000),
      max_msg_size: 2 * 1024 * 1024,
    },
    {
      name: topo.streams.events,
      subjects: [topo.eventWildcard],
      retention: RetentionPolicy.Limits,
      storage,
      duplicate_window: nanos(20 * 60_000),
    },
    {
      name: topo.streams.deadLetter,
      subjects: [topo.deadLetterWildcard],
      retention: RetentionPolicy.Limits,
      storage,
      discard: DiscardPolicy.Old,
    },
  ];
}

/** Creates or updates every stream and the agency KV bucket. Idempotent: safe at every boot. */
export async function ensureTopology(nc: NatsConnection, topo: Topology, opts: StreamOptions = {}): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(topo, opts)) {
    await ensureStream(jsm, cfg);
  }
  await openAgencyKv(nc, topo, true, opts.storage);
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }): Promise<void> {
  try {
    const info = await jsm.streams.info(cfg.name);
    // retention and storage cannot change on a live stream; update the rest
    const { retention: _r, storage: _s, ...update } = cfg;
    void _r;
    void _s;
    await jsm.streams.update(cfg.name, { ...info.config, ...update });
  } catch (err) {
    if (isNotFound(err)) {
      await jsm.streams.add(cfg);
      return;
    }
    throw err;
  }
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string | number; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /not found/i.test(e?.message ?? '');
}

export async function openAgencyKv(nc: NatsConnection, topo: Topology, create = false, storage?: 'file' | 'memory'): Promise<KV> {
  const kvm = new Kvm(jetstream(nc));
  return create
    ? kvm.create(topo.kvAgencies, { history: 5, storage: storage === 'memory' ? StorageType.Memory : StorageType.File })
    : kvm.open(topo.kvAgencies);
}

/** Deletes every stream and the bucket of a namespace (tests clean up after themselves). */
export async function destroyTopology(nc: NatsConnection, topo: Topology): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of [...Object.values(topo.streams), `KV_${topo.kvAgencies}`]) {
    try {
      await jsm.streams.delete(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
