import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { Agent, request, type IncomingMessage } from 'node:http';
import { pipeline } from 'node:stream/promises';
import { Transform } from 'node:stream';

/**
 * The bench's side of the connector's HTTP API: what an agency's own system does, with keep-alive
 * connections (one socket per request in flight), multipart bodies streamed from disk and
 * downloads streamed to disk, so the bench process holds no file in memory.
 */

/**
 * Runs `fn(0) .. fn(count - 1)` with at most `window` calls in flight (a new one starts as soon as
 * one settles), in index order; rejects with the first failure, after which no new call starts.
 */
export async function inFlight(count: number, window: number, fn: (i: number) => Promise<void>): Promise<void> {
  if (!Number.isInteger(window) || window < 1) throw new RangeError(`window must be a positive integer (got ${window})`);
  let next = 0;
  let failed = false;
  const lane = async () => {
    while (!failed && next < count) {
      const i = next++;
      try {
        await fn(i);
      } catch (err) {
        failed = true;
        throw err;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(window, count) }, lane));
}

/** The bytes around a file in a multipart/form-data body: a `document` part (JSON), then one file part. */
export interface MultipartFraming {
  contentType: string;
  head: Buffer;
  tail: Buffer;
  /** head + file + tail */
  contentLength: number;
}

export function multipartFraming(o: {
  documentJson: string;
  fileField: string;
  fileName: string;
  fileType: string;
  fileSize: number;
  boundary?: string;
}): MultipartFraming {
  const boundary = o.boundary ?? `lt-bench-${randomBytes(12).toString('hex')}`;
  // a quote or a line break in the file name would end the header early
  if (/["\r\n]/.test(o.fileName)) throw new RangeError(`file name ${JSON.stringify(o.fileName)} must not hold a quote or a line break`);
  const head = Buffer.from(
    `--${boundary}\r\n` +
      'Content-Disposition: form-data; name="document"\r\n' +
      'Content-Type: application/json\r\n\r\n' +
      `${o.documentJson}\r\n` +
      `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="${o.fileField}"; filename="${o.fileName}"\r\n` +
      `Content-Type: ${o.fileType}\r\n\r\n`,
    'utf8',
  );
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8');
  return { contentType: `multipart/form-data; boundary=${boundary}`, head, tail, contentLength: head.length + o.fileSize + tail.length };
}

export interface HttpReply {
  status: number;
  headers: IncomingMessage['headers'];
  text: string;
}

export class ConnectorHttpClient {
  private readonly agent: Agent;
  private readonly base: URL;

  constructor(baseUrl: string, maxSockets: number) {
    this.base = new URL(baseUrl);
    this.agent = new Agent({ keepAlive: true, maxSockets, maxFreeSockets: maxSockets });
  }

  /** One request with a small body (JSON); the whole answer as text. */
  send(method: string, path: string, body?: Buffer, contentType = 'application/json'): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (body) {
        headers['content-type'] = contentType;
        headers['content-length'] = body.length;
      }
      const req = request(this.url(path), { method, agent: this.agent, headers }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  }

  /** POST of a multipart body whose file part is read from `file` while it is sent. */
  postMultipartFile(path: string, framing: MultipartFraming, file: string): Promise<HttpReply> {
    return new Promise<HttpReply>((resolve, reject) => {
      const req = request(
        this.url(path),
        { method: 'POST', agent: this.agent, headers: { 'content-type': framing.contentType, 'content-length': framing.contentLength } },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
          res.on('error', reject);
        },
      );
      req.on('error', reject);
      req.write(framing.head);
      const rs = createReadStream(file, { highWaterMark: 256 * 1024 });
      rs.on('error', (err) => req.destroy(err));
      rs.on('end', () => req.end(framing.tail));
      rs.pipe(req, { end: false });
    });
  }

  /** GET streamed to `file`; the SHA-256 and size of what was written, or the error answer when not 200. */
  async download(path: string, file: string): Promise<{ status: number; headers: IncomingMessage['headers']; size: number; sha256: string; text?: string }> {
    const res = await new Promise<IncomingMessage>((resolve, reject) => {
      const req = request(this.url(path), { method: 'GET', agent: this.agent }, resolve);
      req.on('error', reject);
      req.end();
    });
    if (res.statusCode !== 200) {
      const chunks: Buffer[] = [];
      for await (const c of res) chunks.push(c as Buffer);
      return { status: res.statusCode ?? 0, headers: res.headers, size: 0, sha256: '', text: Buffer.concat(chunks).toString('utf8') };
    }
    const hash = createHash('sha256');
    let size = 0;
    const tap = new Transform({
      transform(chunk: Buffer, _enc, done) {
        hash.update(chunk);
        size += chunk.length;
        done(null, chunk);
      },
    });
    await pipeline(res, tap, createWriteStream(file));
    // a connection cut short after the headers ends the stream early: the length tells
    const expected = Number(res.headers['content-length'] ?? Number.NaN);
    if (Number.isFinite(expected) && expected !== size) throw new Error(`download of ${path} ended after ${size} of ${expected} bytes`);
    return { status: 200, headers: res.headers, size, sha256: hash.digest('hex') };
  }

  close(): void {
    this.agent.destroy();
  }

  private url(path: string): URL {
    return new URL(path, this.base);
  }
}
