import { jetstreamManager, jetstream, RetentionPolicy, StorageType, type JetStreamManager, type StreamConfig } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { nanos } from '@nats-io/nats-core';
import type { NatsConnection } from '@nats-io/transport-node';
import type { Topology } from '@lt/contracts';
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
}

const HOUR_MS = 3_600_000;

/** Stream definitions: submissions (work queue), inbox copies, events, dead letters. Dedup windows are sized to the redelivery horizon. */
export function streamConfigs(topo: Topology, opts: StreamOptions = {}): Array<Partial<StreamConfig> & { name: string }> {
  const storage = opts.storage === 'memory' ? StorageType.Memory : StorageType.File;
  const limits = effectiveLimits(opts);
  return [
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
  ];
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
  const jsm = await jetstreamManager(nc);
  for (const cfg of streamConfigs(topo, opts)) {
    await ensureStream(jsm, cfg, opts, cfg.name === topo.streams.inbox);
  }
  await openAgencyKv(nc, topo, true, opts.storage);
  await openTokenRevocationKv(nc, topo, true, opts.storage);
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
      throw reservationError(addErr, cfg) ?? addErr;
    }
    return;
  }
  // retention and storage cannot change on a live stream; update the rest
  const { retention: _r, storage: _s, ...rest } = cfg;
  void _r;
  void _s;
  let update: Partial<StreamConfig> & { name: string } = rest;
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
    throw reservationError(err, update) ?? err;
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

export async function openAgencyKv(nc: NatsConnection, topo: Topology, create = false, storage?: 'file' | 'memory'): Promise<KV> {
  const kvm = new Kvm(jetstream(nc));
  return create
    ? kvm.create(topo.kvAgencies, { history: 5, storage: storage === 'memory' ? StorageType.Memory : StorageType.File })
    : kvm.open(topo.kvAgencies);
}

/**
 * Revoked bearer tokens, key = jti. An entry is kept as long as a token can live
 * (MAX_TOKEN_TTL_SECONDS), after which the token it names is refused as expired anyway.
 */
export async function openTokenRevocationKv(nc: NatsConnection, topo: Topology, create = false, storage?: 'file' | 'memory'): Promise<KV> {
  const kvm = new Kvm(jetstream(nc));
  return create
    ? kvm.create(topo.kvTokenRevocations, {
        history: 1,
        ttl: MAX_TOKEN_TTL_SECONDS * 1000,
        storage: storage === 'memory' ? StorageType.Memory : StorageType.File,
      })
    : kvm.open(topo.kvTokenRevocations);
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
