import { createHash } from 'node:crypto';
import { Readable } from 'node:stream';
import { ATT_ERROR_HEADER, ATT_ID_HEADER, ATT_OFFSET_HEADER, LtError, type AttachmentGetReply, type AttachmentRef, type Envelope, type ErrorBody } from '@lt/contracts';
import type { AttachmentChannel, TransferProgress } from './attachment-upload';

export interface DownloadOptions {
  /** chunks requested ahead (default 8): the most this reader holds in memory */
  window?: number;
  onProgress?: TransferProgress;
}

const dec = new TextDecoder();

/** The attachment named `name` in a signed envelope; ATTACHMENT_NOT_FOUND when it names none, or none that travelled through the hub. */
export function attachmentRefOf(envelope: Envelope, name: string): AttachmentRef & { id: string } {
  const ref = envelope.attachments?.find((a) => a.name === name);
  if (!ref) throw new LtError('ATTACHMENT_NOT_FOUND', `envelope ${envelope.id} names no attachment ${JSON.stringify(name)}`, { name, envelopeId: envelope.id });
  if (!ref.id) {
    throw new LtError('ATTACHMENT_NOT_FOUND', `attachment ${JSON.stringify(name)} of envelope ${envelope.id} did not travel through the hub (no id)`, {
      name,
      envelopeId: envelope.id,
    });
  }
  return ref as AttachmentRef & { id: string };
}

/**
 * The bytes of an attachment as a Node Readable, checked against the size and SHA-256 the
 * sender signed. Chunks are requested `window` ahead and handed over in order; the last chunk
 * is held back until the whole is verified, so a mismatch errors the stream (code naming the
 * attachment) before its end and a reader never sees a complete, unverified file.
 */
export function downloadAttachment(ch: AttachmentChannel, ref: AttachmentRef & { id: string }, opts: DownloadOptions = {}): Readable {
  const window = Math.max(1, opts.window ?? 8);
  const name = ref.name;
  const details = { name, attachmentId: ref.id };
  async function* chunks(): AsyncGenerator<Uint8Array> {
    const info = await ch.call<AttachmentGetReply>('get', { id: ref.id });
    if (info.size !== ref.size || info.sha256 !== ref.sha256) {
      throw new LtError('ATTACHMENT_DIGEST_MISMATCH', `attachment ${JSON.stringify(name)}: the hub holds other bytes than the envelope names`, details);
    }
    const hash = createHash('sha256');
    let requested = 0;
    let received = 0;
    const ahead: Array<Promise<Uint8Array>> = [];
    const request = (offset: number) => {
      const p = ch.raw('read', new Uint8Array(0), { [ATT_ID_HEADER]: ref.id, [ATT_OFFSET_HEADER]: String(offset) }).then((m) => {
        if (m.headers?.get(ATT_ERROR_HEADER)) throw LtError.fromBody(JSON.parse(dec.decode(m.data)) as ErrorBody);
        return m.data;
      });
      p.catch(() => undefined); // awaited in order below
      ahead.push(p);
    };
    let held: Uint8Array | null = null;
    while (received < ref.size) {
      while (ahead.length < window && requested < ref.size) {
        request(requested);
        requested += info.chunkBytes;
      }
      const data = await ahead.shift()!;
      if (data.byteLength === 0) break;
      received += data.byteLength;
      if (received > ref.size) break;
      hash.update(data);
      if (held) yield held;
      held = data;
      opts.onProgress?.(received, ref.size, name);
    }
    if (received !== ref.size) {
      throw new LtError('ATTACHMENT_SIZE_MISMATCH', `attachment ${JSON.stringify(name)}: ${received} bytes read, ${ref.size} signed`, { ...details, received });
    }
    const digest = hash.digest('hex');
    if (digest !== ref.sha256) {
      throw new LtError('ATTACHMENT_DIGEST_MISMATCH', `attachment ${JSON.stringify(name)}: the bytes read have SHA-256 ${digest}, the envelope signed ${ref.sha256}`, {
        ...details,
        sha256: digest,
      });
    }
    if (held) yield held;
  }
  return Readable.from(chunks(), { objectMode: false, highWaterMark: 1 });
}
