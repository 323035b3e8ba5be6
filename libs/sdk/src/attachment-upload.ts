import { createHash } from 'node:crypto';
import { createReadStream, statSync } from 'node:fs';
import { basename } from 'node:path';
import type { Readable } from 'node:stream';
import { headers as natsHeaders } from '@nats-io/nats-core';
import {
  ATT_ID_HEADER,
  ATT_OFFSET_HEADER,
  attachmentSubjects,
  LtError,
  toLtError,
  type AttachmentChunkReply,
  type AttachmentCompleteReply,
  type AttachmentOp,
  type AttachmentOpenReply,
  type AttachmentRef,
  type AttachmentStatusReply,
  type ErrorBody,
  type Topology,
} from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import { mediaTypeForFileName } from './attachments';

/** An attachment whose bytes travel through the hub: a file, or a stream (read once, not rewound). */
export type AttachmentSource =
  | { path: string; name?: string; type?: string }
  | {
      stream: Readable | AsyncIterable<Uint8Array>;
      name: string;
      type?: string;
      /** declared up front when known: the hub then refuses an oversize upload at once */
      size?: number;
      sha256?: string;
    };

/** What sendDocument accepts as an attachment: bytes to upload, or a reference already made. */
export type AttachmentInput = AttachmentRef | AttachmentSource;

export function isAttachmentSource(a: AttachmentInput): a is AttachmentSource {
  return 'path' in a || 'stream' in a;
}

/** Progress of one transfer, for a bar: bytes done of total (total -1 when unknown). */
export type TransferProgress = (done: number, total: number, name: string) => void;

export interface UploadOptions {
  /** chunks in flight (default 8): memory on both sides is this many chunks */
  window?: number;
  /** attachments of the envelope (checked by the hub against its per-envelope limit at open) */
  count?: number;
  onProgress?: TransferProgress;
  /** per request (default 30 s) */
  timeoutMs?: number;
  /** times a dropped upload is resumed from what the hub has (default 5) */
  resumes?: number;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Request-reply on the agency's own attachments subjects; errors come back as LtError with the hub's code. */
export class AttachmentChannel {
  private readonly subjects;

  constructor(
    readonly nc: NatsConnection,
    topo: Pick<Topology, 'ns'>,
    readonly agencyCode: string,
    readonly timeoutMs = 30_000,
  ) {
    this.subjects = attachmentSubjects(topo);
  }

  async call<T>(op: AttachmentOp, body: unknown, data?: Uint8Array, hdrs?: Record<string, string>): Promise<T> {
    const reply = await this.raw(op, data ?? enc.encode(JSON.stringify(body)), hdrs);
    const parsed = JSON.parse(dec.decode(reply.data)) as { ok: true; result: T } | { ok: false; error: ErrorBody };
    if (!parsed.ok) throw LtError.fromBody(parsed.error);
    return parsed.result;
  }

  async raw(op: AttachmentOp, data: Uint8Array, hdrs?: Record<string, string>) {
    const h = hdrs ? natsHeaders() : undefined;
    if (hdrs) for (const [k, v] of Object.entries(hdrs)) h!.set(k, v);
    try {
      return await this.nc.request(this.subjects.op(this.agencyCode, op), data, { timeout: this.timeoutMs, ...(h ? { headers: h } : {}) });
    } catch (err) {
      const message = (err as Error).message ?? String(err);
      const code = /timeout/i.test(message) ? 'TIMEOUT' : 'UNAVAILABLE';
      throw new LtError(code, `attachments service (${op}): ${message}`, { op });
    }
  }
}

/** SHA-256 and size of a file, read once in 1 MiB pieces. */
async function digestFile(path: string): Promise<{ size: number; sha256: string }> {
  const h = createHash('sha256');
  let size = 0;
  for await (const piece of createReadStream(path, { highWaterMark: 1024 * 1024 })) {
    h.update(piece as Buffer);
    size += (piece as Buffer).byteLength;
  }
  return { size, sha256: h.digest('hex') };
}

/** Splits any byte stream into chunks of exactly `size` bytes (the last one shorter). */
async function* rechunk(src: AsyncIterable<Uint8Array>, size: number): AsyncGenerator<Uint8Array> {
  let buf = Buffer.alloc(size);
  let fill = 0;
  for await (const piece of src) {
    let p = Buffer.isBuffer(piece) ? piece : Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength);
    while (p.byteLength > 0) {
      const n = Math.min(size - fill, p.byteLength);
      p.copy(buf, fill, 0, n);
      fill += n;
      p = p.subarray(n);
      if (fill === size) {
        yield buf;
        buf = Buffer.alloc(size);
        fill = 0;
      }
    }
  }
  if (fill > 0) yield buf.subarray(0, fill);
}

/**
 * Uploads one attachment to the hub and returns the reference the envelope names. Chunks go
 * with up to `window` in flight; a chunk kept until the hub answers it. When the connection
 * drops, the upload asks the hub how much arrived (`status`) and goes on from there: from the
 * chunks it still holds, or, for a file, by reading the file again from that offset.
 */
export async function uploadAttachment(ch: AttachmentChannel, src: AttachmentSource, opts: UploadOptions = {}): Promise<AttachmentRef & { id: string }> {
  const isFile = 'path' in src;
  let name: string;
  let declared: { size?: number; sha256?: string };
  if (isFile) {
    try {
      if (!statSync(src.path).isFile()) throw new Error('not a regular file');
    } catch (e) {
      throw new LtError('VALIDATION_FAILED', `attachment file ${JSON.stringify(src.path)} cannot be read: ${(e as Error).message}`, { field: 'attachments', path: src.path });
    }
    name = src.name ?? basename(src.path);
    declared = await digestFile(src.path);
  } else {
    name = src.name;
    declared = { ...(src.size !== undefined ? { size: src.size } : {}), ...(src.sha256 !== undefined ? { sha256: src.sha256 } : {}) };
  }
  const mediaType = src.type ?? mediaTypeForFileName(name);
  const open = await ch.call<AttachmentOpenReply>('open', { name, mediaType, ...declared, ...(opts.count !== undefined ? { count: opts.count } : {}) });
  const chunkBytes = open.chunkBytes;
  const window = Math.max(1, opts.window ?? 8);
  const total = declared.size ?? -1;
  const hash = createHash('sha256');
  let hashed = 0; // bytes hashed so far (each byte once, in order, whatever the resumes)
  let sent = 0;
  let resumes = opts.resumes ?? 5;

  const source = (offset: number): AsyncIterator<Uint8Array> => {
    if (isFile) return rechunk(createReadStream(src.path, { start: offset, highWaterMark: chunkBytes }), chunkBytes)[Symbol.asyncIterator]();
    if (offset !== 0) throw new LtError('UNAVAILABLE', `attachment ${JSON.stringify(name)}: the hub lost the upload and a stream cannot be read again; send it again`, { name });
    return rechunk(src.stream as AsyncIterable<Uint8Array>, chunkBytes)[Symbol.asyncIterator]();
  };

  let iter = source(0);
  let offset = 0;
  // chunks sent and not yet answered, oldest first
  let inFlight: Array<{ offset: number; data: Uint8Array; reply: Promise<AttachmentChunkReply> }> = [];
  const send = (at: number, data: Uint8Array) => {
    const reply = ch.call<AttachmentChunkReply>('chunk', undefined, data, { [ATT_ID_HEADER]: open.id, [ATT_OFFSET_HEADER]: String(at) });
    reply.catch(() => undefined); // awaited in order below
    inFlight.push({ offset: at, data, reply });
  };
  let exhausted = false;
  while (!exhausted || inFlight.length > 0) {
    while (!exhausted && inFlight.length < window) {
      const next = await iter.next();
      if (next.done) {
        exhausted = true;
        break;
      }
      const data = next.value;
      if (offset + data.byteLength > hashed) {
        // bytes not hashed yet (a resume re-reads some that were): hash only the new part
        const skip = hashed - offset;
        hash.update(skip > 0 ? data.subarray(skip) : data);
        hashed = offset + data.byteLength;
      }
      send(offset, data);
      offset += data.byteLength;
    }
    const oldest = inFlight[0];
    if (!oldest) break;
    try {
      await oldest.reply;
      inFlight.shift();
      sent = oldest.offset + oldest.data.byteLength;
      opts.onProgress?.(sent, total, name);
    } catch (err) {
      const lt = toLtError(err);
      const transient = lt.code === 'TIMEOUT' || lt.code === 'UNAVAILABLE' || lt.code === 'ATTACHMENT_INCOMPLETE';
      if (!transient || resumes-- <= 0) throw lt;
      // let the other requests of the window settle, then ask the hub where it stands
      await Promise.allSettled(inFlight.map((f) => f.reply));
      const st = await retry(() => ch.call<AttachmentStatusReply>('status', { id: open.id }));
      const received = st.received;
      const kept = inFlight.filter((f) => f.offset >= received);
      inFlight = [];
      if (kept.length > 0 && kept[0]!.offset === received) {
        for (const f of kept) send(f.offset, f.data);
      } else if (received < offset) {
        await iter.return?.();
        iter = source(received);
        offset = received;
        exhausted = false;
      }
    }
  }
  const sha256 = hash.digest('hex');
  const ref = await ch.call<AttachmentCompleteReply>('complete', { id: open.id, size: offset, sha256 });
  return ref;
}

/** A status request right after a drop may fail while the client reconnects: a few tries, a second apart. */
async function retry<T>(fn: () => Promise<T>, tries = 10): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const lt = toLtError(err);
      if (i >= tries || (lt.code !== 'TIMEOUT' && lt.code !== 'UNAVAILABLE')) throw lt;
      await new Promise((r) => setTimeout(r, 1000));
    }
  }
}

/**
 * Uploads the sources among `inputs` (references pass through) and returns the references the
 * envelope names, in the same order. Uploads run one after another.
 */
export async function uploadAttachments(ch: AttachmentChannel, inputs: readonly AttachmentInput[], opts: Omit<UploadOptions, 'count'> = {}): Promise<AttachmentRef[]> {
  const out: AttachmentRef[] = [];
  for (const a of inputs) out.push(isAttachmentSource(a) ? await uploadAttachment(ch, a, { ...opts, count: inputs.length }) : a);
  return out;
}
