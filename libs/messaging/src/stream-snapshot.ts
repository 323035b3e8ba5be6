import { createInbox, type ConnectionOptions, type Msg, type NatsConnection } from '@nats-io/nats-core';
import type { StreamConfig, StreamState } from '@nats-io/jetstream';
import { attachmentSubjects, LtError, type Topology } from '@lt/contracts';

/**
 * JetStream stream snapshots and restores through the server's own API, which nats.js v3 does not
 * wrap: `$JS.API.STREAM.SNAPSHOT.<stream>` streams an s2-compressed tar of the stream's store (and
 * of its consumers' state) to a subject of ours; `$JS.API.STREAM.RESTORE.<stream>` takes it back
 * chunk by chunk. The bytes are the server's format: kept as they come, never parsed here.
 *
 * Protocol (nats-server 2.9+, as jsm.go drives it): every snapshot chunk carries a reply subject
 * (`$JS.SNAPSHOT.ACK.…`) that must be answered, or the server stops after 2 s without flow
 * response; the end is an empty message whose status header is 204, anything else is an error. A
 * restore answers with a `deliver_subject` (`$JS.SNAPSHOT.RESTORE.…`); each chunk is a request
 * answered empty (or with an error), and an empty request ends it, answered with the stream's
 * create response once the server has rebuilt the stream. Memory streams cannot be snapshotted.
 */

/** What the server says about the stream when the snapshot starts: restored together with the bytes. */
export interface StreamSnapshotMeta {
  config: StreamConfig;
  state: StreamState;
}

export interface StreamSnapshotOptions {
  /** bytes per chunk the server sends (default 128 KiB, under the default 1 MiB max_payload) */
  chunkSize?: number;
  /** include the consumers (config and delivery state): default true */
  consumers?: boolean;
  /** no chunk for this long = the snapshot failed (default 30 s) */
  idleTimeoutMs?: number;
  /** told the byte count after each chunk */
  onProgress?: (bytes: number) => void;
}

export interface StreamRestoreOptions {
  /** bytes per chunk sent (default 64 KiB, what jsm.go sends) */
  chunkSize?: number;
  /** per chunk answer (default 30 s) */
  chunkTimeoutMs?: number;
  /** the server rebuilding the stream after the last chunk (default 10 min) */
  finishTimeoutMs?: number;
  onProgress?: (bytes: number) => void;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

interface ApiError {
  code?: number;
  err_code?: number;
  description?: string;
}

function apiReply<T>(m: Msg, what: string): T {
  let body: T & { error?: ApiError };
  try {
    body = JSON.parse(dec.decode(m.data)) as T & { error?: ApiError };
  } catch {
    throw new LtError('INTERNAL', `${what}: the server's answer is not JSON`);
  }
  if (body.error) {
    const e = body.error;
    throw new LtError('UNAVAILABLE', `${what}: ${e.description ?? 'error'} (${e.code ?? '?'}/${e.err_code ?? '?'})`, { errCode: e.err_code ?? null });
  }
  return body;
}

/**
 * Streams a snapshot of `stream` to `sink`, chunk by chunk, in order; resolves with the stream's
 * config and state once the server says it is complete. `sink` may be async: the chunk is acked
 * first (the server's flow-control window is 2 s), written in order behind it.
 */
export async function snapshotStream(
  nc: NatsConnection,
  stream: string,
  sink: (chunk: Uint8Array) => void | Promise<void>,
  opts: StreamSnapshotOptions = {},
): Promise<StreamSnapshotMeta> {
  // the connection's own reply prefix: an agency's user may subscribe only under its own
  const deliver = createInbox((nc as Partial<{ options: ConnectionOptions }>).options?.inboxPrefix);
  let bytes = 0;
  let writes: Promise<void> = Promise.resolve();
  let settle!: { ok: () => void; fail: (err: Error) => void };
  const done = new Promise<void>((ok, fail) => (settle = { ok, fail }));
  const idleMs = opts.idleTimeoutMs ?? 30_000;
  let idle: NodeJS.Timeout | undefined;
  const arm = () => {
    if (idle) clearTimeout(idle);
    idle = setTimeout(() => settle.fail(new LtError('TIMEOUT', `snapshot of ${stream}: no data from the server for ${idleMs} ms`)), idleMs);
  };
  // subscribed before asking, so the first chunk has somewhere to go
  const sub = nc.subscribe(deliver, {
    callback: (err, m) => {
      if (err) return settle.fail(err);
      arm();
      if (m.data.length === 0) {
        const code = m.headers?.code ?? 0;
        if (code !== 0 && code !== 204)
          return settle.fail(new LtError('UNAVAILABLE', `snapshot of ${stream} failed: ${code} ${m.headers?.description ?? ''}`.trim()));
        return settle.ok();
      }
      if (m.reply) m.respond();
      const chunk = m.data;
      bytes += chunk.length;
      const at = bytes;
      writes = writes.then(async () => {
        await sink(chunk);
        opts.onProgress?.(at);
      });
      writes.catch((e: Error) => settle.fail(e));
    },
  });
  try {
    arm();
    const req = { deliver_subject: deliver, no_consumers: opts.consumers === false, chunk_size: opts.chunkSize ?? 128 * 1024 };
    const reply = await nc.request(`$JS.API.STREAM.SNAPSHOT.${stream}`, enc.encode(JSON.stringify(req)), { timeout: 10_000 });
    const meta = apiReply<StreamSnapshotMeta>(reply, `snapshot of ${stream}`);
    await done;
    await writes;
    return { config: meta.config, state: meta.state };
  } finally {
    if (idle) clearTimeout(idle);
    sub.unsubscribe();
  }
}

/**
 * Creates `meta.config.name` from a snapshot: the stream must not exist. `chunks` yields the
 * snapshot's bytes in order (any sizes: they are re-cut to `chunkSize`). Resolves with the state
 * of the restored stream.
 */
export async function restoreStream(
  nc: NatsConnection,
  meta: StreamSnapshotMeta,
  chunks: AsyncIterable<Uint8Array>,
  opts: StreamRestoreOptions = {},
): Promise<StreamState> {
  const stream = meta.config.name;
  const start = await nc.request(`$JS.API.STREAM.RESTORE.${stream}`, enc.encode(JSON.stringify({ config: meta.config, state: meta.state })), {
    timeout: 10_000,
  });
  const { deliver_subject: target } = apiReply<{ deliver_subject: string }>(start, `restore of ${stream}`);
  const size = opts.chunkSize ?? 64 * 1024;
  const timeout = opts.chunkTimeoutMs ?? 30_000;
  let sent = 0;
  const send = async (chunk: Uint8Array) => {
    const r = await nc.request(target, chunk, { timeout });
    if (r.data.length > 0) apiReply(r, `restore of ${stream}`);
    sent += chunk.length;
    opts.onProgress?.(sent);
  };
  let pending: Uint8Array = new Uint8Array(0);
  for await (const part of chunks) {
    pending = pending.length ? concat(pending, part) : part;
    while (pending.length >= size) {
      await send(pending.subarray(0, size));
      pending = pending.subarray(size);
    }
  }
  if (pending.length) await send(pending);
  const end = await nc.request(target, new Uint8Array(0), { timeout: opts.finishTimeoutMs ?? 600_000 });
  return apiReply<{ state: StreamState }>(end, `restore of ${stream}`).state;
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

/**
 * Every stream of a namespace's hub, in the order a backup snapshots them: what the router reads
 * (submit) before what it writes (inbox, events, dead letters), so a submission acked before its
 * snapshot has its copies in the later ones; the attachments index before the object store, so an
 * upload the index calls complete has all its chunks in the later snapshot.
 */
export function namespaceStreams(topo: Topology): string[] {
  const att = attachmentSubjects(topo);
  return [
    topo.streams.submit,
    topo.streams.inbox,
    topo.streams.events,
    topo.streams.deadLetter,
    `KV_${topo.kvAgencies}`,
    `KV_${topo.kvTokenRevocations}`,
    `KV_${att.index}`,
    `OBJ_${att.bucket}`,
  ];
}
