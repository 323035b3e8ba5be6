import { randomUUID } from 'node:crypto';
import { AckPolicy, jetstream, jetstreamManager, RetentionPolicy, StorageType, type JetStreamClient, type PubAck } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { insertMany } from '@lt/database';
import type { NatsConnection } from '@lt/messaging';
import { ADMIN_TIMEOUT_MS, type BenchHub } from './hub';
import { startSampling, type ProcessUsage, type TrackedProcess } from './procstat';
import { ProgressBar } from './progress';
import { perSecond } from './stats';

/**
 * What the hub is compared with, measured in the same run on the same servers: raw JetStream
 * (async publish of the very payloads the hub carries into a file stream, then a pull consumer
 * that acks them) and raw PostgreSQL inserts into the bench database.
 */

export interface Payload {
  subject: string;
  bytes: Uint8Array;
  id: string;
}

/**
 * Publishes with at most `window` PubAcks outstanding (JetStream acks in order, so awaiting the
 * oldest keeps the window full). `onAcked(i)` runs as each publish is confirmed.
 */
export async function publishWindowed(
  js: JetStreamClient,
  count: number,
  item: (i: number) => Payload,
  window: number,
  onAcked?: (i: number) => void,
): Promise<void> {
  const inFlight: Array<Promise<PubAck | undefined>> = [];
  let failure: unknown;
  // every publish gets a handler at once, so a failure never surfaces as an unhandled rejection
  const settle = (p: Promise<PubAck>, idx: number) =>
    p.then(
      (a) => (onAcked?.(idx), a),
      (err) => ((failure ??= err), undefined),
    );
  for (let i = 0; i < count && failure === undefined; i++) {
    const p = item(i);
    inFlight.push(settle(js.publish(p.subject, p.bytes, { msgID: p.id }), i));
    if (inFlight.length >= window) await inFlight.shift();
  }
  await Promise.all(inFlight);
  if (failure !== undefined) throw failure;
}

/** Publishes wait this long for their PubAck: a busy shared machine can stall the server for seconds. */
export const PUBLISH_TIMEOUT_MS = 30_000;

export interface JetStreamBaseline {
  messages: number;
  meanBytes: number;
  publishPerSec: number;
  consumePerSec: number;
  publishMs: number;
  consumeMs: number;
  /** CPU and RSS of the hub's processes (nats-server, the bench) while publishing and while consuming */
  publishUsage: ProcessUsage[];
  consumeUsage: ProcessUsage[];
}

export async function rawJetStream(
  hub: BenchHub,
  nc: NatsConnection,
  payloads: readonly Payload[],
  window: number,
  processes: readonly TrackedProcess[],
  /** replicas of the raw stream (the cluster bench: the hub's own count) */
  replicas = 1,
): Promise<JetStreamBaseline> {
  const jsm = await jetstreamManager(hub.nc, { timeout: ADMIN_TIMEOUT_MS });
  const stream = `${hub.topo.ns.toUpperCase()}_RAW`;
  const prefix = `${hub.topo.ns}.raw`;
  hub.trackStream(stream);
  // the inbox stream's settings (file, limits, dedup window), without the hub around it
  await jsm.streams.add({
    name: stream,
    subjects: [`${prefix}.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(20 * 60_000),
    max_msg_size: 2 * 1024 * 1024,
    ...(replicas > 1 ? { num_replicas: replicas } : {}),
  });
  const js = jetstream(nc, { timeout: PUBLISH_TIMEOUT_MS });
  const n = payloads.length;
  let bytes = 0;
  for (const p of payloads) bytes += p.bytes.byteLength;

  const toRaw = (p: Payload, tag = ''): Payload => ({
    // same bytes and message id, the submit subject's tokens under the raw prefix
    subject: `${prefix}.${tag ? `${tag}.` : ''}${p.subject.split('.').slice(2).join('.')}`,
    bytes: p.bytes,
    id: `${p.id}${tag}`,
  });
  const consumeAll = async (durable: string, count: number, onMsg?: (done: number) => void) => {
    await jsm.consumers.add(stream, { durable_name: durable, ack_policy: AckPolicy.Explicit, max_ack_pending: 20_000 });
    const iter = await (await js.consumers.get(stream, durable)).consume({ max_messages: 1_024 });
    let done = 0;
    for await (const m of iter) {
      m.ack();
      done++;
      onMsg?.(done);
      if (done >= count) break;
    }
    await iter.close();
    return done;
  };

  // warm-up, not measured: the first few thousand publishes and deliveries run through cold code
  // (JIT) and a fresh stream; measured cold, the first baseline came out up to 3x slower
  const warm = Math.min(3_000, n);
  await publishWindowed(js, warm, (i) => toRaw(payloads[i]!, 'w'), window);
  await consumeAll('rawwarm', warm);
  await jsm.consumers.delete(stream, 'rawwarm');
  await jsm.streams.purge(stream);

  const pubBar = new ProgressBar('baseline: raw JetStream publish ', n, 'msgs');
  let acked = 0;
  let sampler = startSampling(processes);
  const t0 = performance.now();
  await publishWindowed(
    js,
    n,
    (i) => toRaw(payloads[i]!),
    window,
    () => pubBar.update(++acked),
  );
  const publishMs = performance.now() - t0;
  const publishUsage = sampler.stop();
  pubBar.done(acked);

  const conBar = new ProgressBar('baseline: raw JetStream consume ', n, 'msgs');
  sampler = startSampling(processes);
  const t1 = performance.now();
  const consumed = await consumeAll('raw', n, (d) => conBar.update(d));
  const consumeMs = performance.now() - t1;
  const consumeUsage = sampler.stop();
  conBar.done(consumed);
  await nc.flush();
  await jsm.streams.delete(stream);
  return {
    messages: n,
    meanBytes: bytes / n,
    publishPerSec: perSecond(n, publishMs),
    consumePerSec: perSecond(n, consumeMs),
    publishMs,
    consumeMs,
    publishUsage,
    consumeUsage,
  };
}

export interface PostgresBaseline {
  /** one multi-row INSERT per 12,000 rows (libs/database insertMany) */
  multiRowPerSec: number;
  /** 512 rows per statement, the router's batch size */
  batch512PerSec: number;
  /** one INSERT per row, autocommit */
  singleRowPerSec: number;
  rows: number;
}

export async function rawPostgres(hub: BenchHub, rows: number): Promise<PostgresBaseline> {
  const ds = hub.ds;
  // the shape of the router's envelope register (uuid primary key, a few text columns, a timestamp)
  await ds.query(
    'CREATE TABLE bench_raw_envelopes (id uuid PRIMARY KEY, sender text NOT NULL, submit_seq bigint NOT NULL, digest text NOT NULL, received_at timestamptz NOT NULL)',
  );
  const cols = ['id', 'sender', 'submit_seq', 'digest', 'received_at'];
  const now = new Date().toISOString();
  const make = (n: number, offset: number) => Array.from({ length: n }, (_, i) => [randomUUID(), '000.00.05.H41', offset + i, 'ab'.repeat(32), now]);
  try {
    const bar = new ProgressBar('baseline: raw PostgreSQL INSERT ', rows, 'rows');
    const data = make(rows, 0);
    const t0 = performance.now();
    await insertMany(ds, 'bench_raw_envelopes', cols, data);
    const multiMs = performance.now() - t0;
    bar.done(rows);

    const batchRows = Math.min(rows, 51_200);
    const batched = make(batchRows, rows);
    const t1 = performance.now();
    for (let i = 0; i < batched.length; i += 512) await insertMany(ds, 'bench_raw_envelopes', cols, batched.slice(i, i + 512));
    const batchMs = performance.now() - t1;

    const singles = make(1_000, rows + batchRows);
    const t2 = performance.now();
    for (const r of singles) await ds.query('INSERT INTO bench_raw_envelopes (id, sender, submit_seq, digest, received_at) VALUES ($1,$2,$3,$4,$5)', r);
    const singleMs = performance.now() - t2;
    return {
      rows,
      multiRowPerSec: perSecond(rows, multiMs),
      batch512PerSec: perSecond(batchRows, batchMs),
      singleRowPerSec: perSecond(singles.length, singleMs),
    };
  } finally {
    await ds.query('DROP TABLE IF EXISTS bench_raw_envelopes');
  }
}
