import type { IncomingMessage } from 'node:http';
import { Readable } from 'node:stream';
import busboy from 'busboy';
import { LtError, parseJsonBytes } from '@lt/contracts';

/** What a request body is, by its Content-Type. */
export type BodyKind = 'json' | 'xml' | 'multipart';

export const ACCEPTED_TYPES = ['application/json', 'application/xml', 'text/xml', 'multipart/form-data'] as const;

export function bodyKindOf(req: IncomingMessage, accepted: readonly BodyKind[]): BodyKind {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  const kind: BodyKind | undefined =
    type === 'application/json' || type.endsWith('+json')
      ? 'json'
      : type === 'application/xml' || type === 'text/xml' || type.endsWith('+xml')
        ? 'xml'
        : type === 'multipart/form-data'
          ? 'multipart'
          : undefined;
  if (!kind || !accepted.includes(kind)) {
    const names = accepted.map((k) => (k === 'json' ? 'application/json' : k === 'xml' ? 'application/xml' : 'multipart/form-data'));
    throw new LtError('UNSUPPORTED_MEDIA_TYPE', `Content-Type ${type ? JSON.stringify(type) : '(none)'} is not accepted here; send ${names.join(' or ')}`, {
      accepted: names,
    });
  }
  return kind;
}

/**
 * The whole body, refused with PAYLOAD_TOO_LARGE as soon as it passes `maxBytes` (the rest is not
 * read). Events rather than `for await`: this is on the path of every JSON document.
 */
export function readBodyBytes(req: Readable, maxBytes: number): Promise<Buffer> {
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (b: Buffer) => {
      size += b.length;
      if (size > maxBytes) {
        req.off('data', onData);
        req.resume();
        reject(new LtError('PAYLOAD_TOO_LARGE', `request body is over ${maxBytes} bytes (LT_CONNECTOR_MAX_PACKAGE_BYTES)`, { maxBytes }));
        return;
      }
      chunks.push(b);
    };
    req.on('data', onData);
    req.once('end', () => resolve(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size)));
    req.once('error', reject);
  });
}

export async function readJsonBody(req: Readable, maxBytes: number): Promise<unknown> {
  const bytes = await readBodyBytes(req, maxBytes);
  if (bytes.length === 0) throw new LtError('BAD_REQUEST', 'request body is empty');
  return parseJsonBytes(bytes, { maxBytes });
}

/** A request body stream that errors with PAYLOAD_TOO_LARGE once it passes `maxBytes`. */
export function limitedStream(req: Readable, maxBytes: number): Readable {
  let size = 0;
  const out = new Readable({ read: () => req.resume() });
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > maxBytes) {
      req.pause();
      out.destroy(new LtError('PAYLOAD_TOO_LARGE', `request body is over ${maxBytes} bytes (LT_CONNECTOR_MAX_PACKAGE_BYTES)`, { maxBytes }));
      return;
    }
    if (!out.push(chunk)) req.pause();
  });
  req.on('end', () => out.push(null));
  req.on('error', (err) => out.destroy(err));
  return out;
}

export interface MultipartFile {
  field: string;
  name: string;
  type: string;
  stream: Readable;
}

export interface MultipartHandlers {
  /** a `document` part (field or file) with its content type: JSON or edXML */
  onDocument(bytes: Buffer, kind: 'json' | 'xml'): void;
  /** an attachment part: must consume `file.stream` (the request is paused until it does) */
  onFile(file: MultipartFile): Promise<void>;
}

/**
 * multipart/form-data, streamed (busboy): a `document` part with the JSON document or the edXML
 * package, then one part per attachment, each handed over as a stream while it arrives, so an
 * attachment of any size passes with flat memory.
 */
export function readMultipart(req: IncomingMessage, maxDocumentBytes: number, maxFileBytes: number, h: MultipartHandlers): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    let failed = false;
    let chain: Promise<void> = Promise.resolve();
    const fail = (err: unknown) => {
      if (failed) return;
      failed = true;
      req.unpipe(bb);
      req.resume();
      reject(err);
    };
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fieldSize: maxDocumentBytes, fileSize: maxFileBytes, files: 100, fields: 10, parts: 110 } });
    } catch (err) {
      reject(new LtError('BAD_REQUEST', `multipart body: ${(err as Error).message}`));
      return;
    }
    const documentPart = (bytes: Buffer, type: string) => {
      const kind = type.includes('xml') ? 'xml' : 'json';
      try {
        h.onDocument(bytes, kind);
      } catch (err) {
        fail(err);
      }
    };
    bb.on('field', (field, value, info) => {
      if (field !== 'document')
        return fail(new LtError('BAD_REQUEST', `multipart field ${JSON.stringify(field)} is not known: send "document" and file parts`, { field }));
      if (info.valueTruncated)
        return fail(new LtError('PAYLOAD_TOO_LARGE', `multipart document part is over ${maxDocumentBytes} bytes`, { maxBytes: maxDocumentBytes }));
      documentPart(Buffer.from(value, 'utf8'), info.mimeType === 'text/plain' && value.trimStart().startsWith('<') ? 'application/xml' : info.mimeType);
    });
    bb.on('file', (field, stream, info) => {
      if (failed) return stream.resume();
      if (field === 'document') {
        const chunks: Buffer[] = [];
        stream.on('data', (c: Buffer) => chunks.push(c));
        stream.on('limit', () => fail(new LtError('PAYLOAD_TOO_LARGE', `multipart document part is over ${maxFileBytes} bytes`)));
        stream.on('end', () => documentPart(Buffer.concat(chunks), info.mimeType));
        return;
      }
      stream.on('limit', () =>
        stream.destroy(
          new LtError('ATTACHMENT_TOO_LARGE', `attachment ${JSON.stringify(info.filename)} is over ${maxFileBytes} bytes`, { name: info.filename }),
        ),
      );
      const file = { field, name: info.filename ?? field, type: info.mimeType, stream };
      chain = chain.then(() => (failed ? void stream.resume() : h.onFile(file)));
      chain.catch(fail);
    });
    bb.on('error', (err) => fail(new LtError('BAD_REQUEST', `multipart body: ${(err as Error).message}`)));
    bb.on('partsLimit', () => fail(new LtError('ATTACHMENT_TOO_MANY', 'multipart body has more than 110 parts')));
    bb.on('filesLimit', () => fail(new LtError('ATTACHMENT_TOO_MANY', 'multipart body has more than 100 attachments')));
    bb.on('close', () => {
      chain.then(() => {
        if (!failed) resolve();
      }, fail);
    });
    req.pipe(bb);
  });
}
