import { jetstreamManager, jetstream, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import { LtError, type Topology } from '@lt/contracts';
import { MAX_TOKEN_TTL_SECONDS } from '@lt/crypto';
import type { StreamLimits } from '@lt/platform';
import { DEV_STREAM_LIMITS, keepStoredMessages, limitConfig, reservationError } from './stream-limits';

export interface StreamOptions {
  /** the inbox age limit when `limits` is not given (kept for callers that set only this) */
  inboxMaxAgeDays?: number;
  /** file storage in production; tests may use memory for speed */
  storage?: 'file' | 'memory';
  /**
   * Limits to create and update the streams with (services: loadStreamLimits()). Absent: new
   * streams get DEV_STREAM_LIMITS and existing ones keep the limits they have.
   */
  limits?: StreamLimits;
  /** told when an update keeps a limit higher than asked so that no stored message is deleted */
  onNote?: (text: string) => void;
  /**
   * Replicas of every stream and bucket (LT_STREAM_REPLICAS: 3 on a three-node cluster). Absent:
   * new streams get 1 and existing ones keep theirs.
   */
  replicas?: number;
}

const HOUR_MS = 3_600_000;

/** Stream definitions: submissions (work queue), inbox copies, events, dead letters. Dedup windows are sized to the redelivery horizon. */
export function streamConfigs(topo: Topology, opts: StreamOptions = {}): Array<Partial<StreamConfig> & { name: string }> {
  const storage = opts.storage === 'memory' ? StorageType.Memory : StorageType.File;
  const limits = effectiveLimits(opts);
  const replicas = opts.replicas ?? 1;
  return (
    [
      {
        name: topo.streams.submit,
        subjects: [topo.submitWildcard],
        retention: RetentionPolicy.Workqueue,
        storage,
        // the design asks for at least an hour; the router also keeps every envelope id in Postgres forever
        duplicate_window: nanos(HOUR_MS),
        max_msg_size: 2 * 1024 * 1024,
        // accepted, not yet routed submissions: full (bytes, or one agency's backlog per subject) =
        // the agency's publish is refused (SDK: HUB_FULL), nothing stored is dropped; no age limit by
        // default, since only the router's answer may remove a submission
        ...limitConfig(limits.submit),
      },
      {
        name: topo.streams.inbox,
        subjects: [topo.inboxWildcard],
        retention: RetentionPolicy.Limits,
        storage,
        // inbox copies are re-published only when a router redelivery happens (ack wait, restarts)
        duplicate_window: nanos(20 * 60_000),
        max_msg_size: 2 * 1024 * 1024,
        // delivered copies: full = the router's publish fails and it keeps the submission (naks with
        // backoff) until copies age out; no per-subject cap, since one recipient at its cap would
        // hold back every batch addressed to it
        ...limitConfig(limits.inbox),
      },
      {
        name: topo.streams.events,
        subjects: [topo.eventWildcard],
        retention: RetentionPolicy.Limits,
        storage,
        duplicate_window: nanos(20 * 60_000),
        // audit facts (refusals, registry changes): full = publishers retry from their own state
        // (router: the unacked submission; registry, dossier: their outboxes), no event is dropped
        ...limitConfig(limits.events),
      },
      {
        name: topo.streams.deadLetter,
        subjects: [topo.deadLetterWildcard],
        retention: RetentionPolicy.Limits,
        storage,
        // a dead letter is the last copy of a submission: full = the router keeps the submission in
        // the submit stream (retried) rather than deleting an older dead letter
        ...limitConfig(limits.deadLetter),
      },
    ] as Array<Partial<StreamConfig> & { name: string }>
  ).map((cfg) => ({ ...cfg, num_replicas: replicas }));
}

function effectiveLimits(opts: StreamOptions): StreamLimits {
  if (opts.limits) return opts.limits;
  const dev = DEV_STREAM_LIMITS[opts.storage === 'memory' ? 'memory' : 'file'];
  return opts.inboxMaxAgeDays === undefined ? dev : { ...dev, inbox: { ...dev.inbox, maxAgeMs: opts.inboxMaxAgeDays * 24 * HOUR_MS } };
}

/** The limit fields, left out of an update when the caller configured none. */
const LIMIT_FIELDS = ['max_bytes', 'max_age', 'discard', 'max_msgs_per_subject', 'discard_new_per_subject'] as const;

/** Creates or updates every stream, the agency KV bucket and the token revocation bucket. Idempotent: safe at every boot. */
export async function ensureTopology(nc: NatsConnection, topo: Topology, opts: StreamOptions = {}): Promise<void> {
  // refused before anything changes: a server outside a cluster would accept the count and keep one copy
  if ((opts.replicas ?? 1) > 1 && !nc.info?.cluster) {
    throw new LtError(
      'UNAVAILABLE',
      `LT_STREAM_REPLICAS is ${opts.replicas} but the NATS server at ${nc.getServer()} is not part of a cluster: set it to 1, or connect to a JetStream cluster`,
      {
        replicas: opts.replicas,
      },
    );
  }
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(topo, opts)) {
    await ensureStream(jsm, cfg, opts, cfg.name === topo.streams.inbox);
  }
  await openAgencyKv(nc, topo, true, opts.storage, opts.replicas);
  await openTokenRevocationKv(nc, topo, true, opts.storage, opts.replicas);
  await checkReplicated(jsm, topo.streams.submit, opts.replicas);
}

/**
 * A single nats-server (2.9) records num_replicas 3 and keeps one copy without a word: such a
 * stream would claim a safety it does not have. Refuses when the stream has fewer peers than asked.
 */
async function checkReplicated(jsm: JetStreamManager, stream: string, replicas: number | undefined): Promise<void> {
  if (replicas === undefined || replicas < 2) return;
  const info = await jsm.streams.info(stream);
  const copies = 1 + (info.cluster?.replicas?.length ?? 0);
  if (copies >= replicas) return;
  throw new LtError(
    'UNAVAILABLE',
    `stream ${stream} asks for ${replicas} replicas but the NATS server keeps ${copies} (${info.cluster ? `cluster ${info.cluster.name ?? ''}` : 'not a JetStream cluster'}): LT_STREAM_REPLICAS above 1 needs a JetStream cluster with at least that many nodes`,
    { stream, replicas, copies },
  );
}

/**
 * Scales an existing stream (a bucket's KV_/OBJ_ stream, which the client library creates but never
 * updates) to `replicas`. A no-op when it already has that count or no count is configured.
 */
export async function ensureReplicas(jsm: JetStreamManager, stream: string, replicas: number | undefined): Promise<void> {
  if (replicas === undefined) return;
  const info = await jsm.streams.info(stream);
  if ((info.config.num_replicas ?? 1) === replicas) return;
  try {
    await jsm.streams.update(stream, { ...info.config, num_replicas: replicas });
  } catch (err) {
    throw replicaError(err, stream, replicas) ?? err;
  }
}

/** A replica count the server cannot give (a single server, or fewer nodes than replicas), as a message naming the setting. */
export function replicaError(err: unknown, stream: string, replicas: number | undefined): LtError | null {
  const message = (err as Error | undefined)?.message ?? '';
  if (!/replicas|insufficient resources|no suitable peers/i.test(message)) return null;
  return new LtError(
    'UNAVAILABLE',
    `stream ${stream} cannot have ${replicas} replicas on this NATS server (${message}): LT_STREAM_REPLICAS above 1 needs a JetStream cluster with at least that many nodes`,
    { stream, replicas },
  );
}

async function ensureStream(jsm: JetStreamManager, cfg: Partial<StreamConfig> & { name: string }, opts: StreamOptions, isInbox: boolean): Promise<void> {
  let info;
  try {
    info = await jsm.streams.info(cfg.name);
  } catch (err) {
    if (!isNotFound(err)) throw err;
    try {
      await jsm.streams.add(cfg);
    } catch (addErr) {
      throw reservationError(addErr, cfg) ?? replicaError(addErr, cfg.name, cfg.num_replicas) ?? addErr;
    }
    return;
  }
  // retention and storage cannot change on a live stream; update the rest
  const { retention: _r, storage: _s, ...rest } = cfg;
  void _r;
  void _s;
  let update: Partial<StreamConfig> & { name: string } = rest;
  // no configured count: an existing stream keeps its replicas
  if (opts.replicas === undefined) delete update.num_replicas;
  if (opts.limits) {
    update = await keepStoredMessages(jsm, info, update, opts.onNote ?? (() => undefined));
  } else {
    // no configured limits: keep the stream's own (only the inbox age, when given, as before)
    const keepAge = isInbox && opts.inboxMaxAgeDays !== undefined;
    for (const f of LIMIT_FIELDS) if (!(f === 'max_age' && keepAge)) delete update[f];
  }
  // nothing to change: no update request (a service whose NATS user may only read stream info passes)
  if (unchanged(info.config, update)) return;
  try {
    await jsm.streams.update(cfg.name, { ...info.config, ...update });
  } catch (err) {
    throw reservationError(err, update) ?? replicaError(err, cfg.name, update.num_replicas) ?? err;
  }
}

/** Whether every field of `update` already has that value (the server leaves out false flags). */
function unchanged(current: StreamConfig, update: Partial<StreamConfig>): boolean {
  const cur = current as unknown as Record<string, unknown>;
  return Object.entries(update).every(([k, v]) => JSON.stringify(cur[k] ?? (v === false ? false : undefined)) === JSON.stringify(v));
}

function isNotFound(err: unknown): boolean {
  const e = err as { code?: string | number; api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /not found/i.test(e?.message ?? '');
}

export async function openAgencyKv(nc: NatsConnection, topo: Topology, create = false, storage?: 'file' | 'memory', replicas?: number): Promise<KV> {
  const kvm = new Kvm(jetstream(nc));
  if (!create) return kvm.open(topo.kvAgencies);
  return createBucket(nc, `KV_${topo.kvAgencies}`, replicas, () =>
    kvm.create(topo.kvAgencies, { history: 5, storage: storage === 'memory' ? StorageType.Memory : StorageType.File, replicas: replicas ?? 1 }),
  );
}

/** Creates or opens a bucket with the client library, then scales its stream to `replicas` when it existed with another count. */
async function createBucket<T>(nc: NatsConnection, stream: string, replicas: number | undefined, create: () => Promise<T>): Promise<T> {
  let bucket: T;
  try {
    bucket = await create();
  } catch (err) {
    throw replicaError(err, stream, replicas) ?? err;
  }
  await ensureReplicas(await jetstreamManager(nc), stream, replicas);
  return bucket;
}

/**
 * Revoked bearer tokens, key = jti. An entry is kept as long as a token can live
 * (MAX_TOKEN_TTL_SECONDS), after which the token it names is refused as expired anyway.
 */
export async function openTokenRevocationKv(nc: NatsConnection, topo: Topology, create = false, storage?: 'file' | 'memory', replicas?: number): Promise<KV> {
  const kvm = new Kvm(jetstream(nc));
  if (!create) return kvm.open(topo.kvTokenRevocations);
  return createBucket(nc, `KV_${topo.kvTokenRevocations}`, replicas, () =>
    kvm.create(topo.kvTokenRevocations, {
      history: 1,
      ttl: MAX_TOKEN_TTL_SECONDS * 1000,
      storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
      replicas: replicas ?? 1,
    }),
  );
}

/** Deletes every stream and the buckets of a namespace (tests clean up after themselves). */
export async function destroyTopology(nc: NatsConnection, topo: Topology): Promise<void> {
  const jsm = await jetstreamManager(nc);
  for (const name of [...Object.values(topo.streams), `KV_${topo.kvAgencies}`, `KV_${topo.kvTokenRevocations}`]) {
    try {
      await jsm.streams.delete(name);
    } catch (err) {
      if (!isNotFound(err)) throw err;
    }
  }
}
