import { Readable } from 'node:stream';
import busboy from 'busboy';
import { inFlight, multipartFraming } from './connector-http';

/** What busboy (the connector's own multipart parser) makes of head + file + tail. */
async function parse(
  contentType: string,
  body: Buffer,
): Promise<{ fields: Record<string, string>; files: Array<{ field: string; name: string; type: string; bytes: Buffer }> }> {
  return new Promise((resolve, reject) => {
    const fields: Record<string, string> = {};
    const files: Array<{ field: string; name: string; type: string; bytes: Buffer }> = [];
    const bb = busboy({ headers: { 'content-type': contentType } });
    bb.on('field', (name, value) => (fields[name] = value));
    bb.on('file', (field, stream, info) => {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => files.push({ field, name: info.filename ?? '', type: info.mimeType, bytes: Buffer.concat(chunks) }));
    });
    bb.on('close', () => resolve({ fields, files }));
    bb.on('error', reject);
    Readable.from([body]).pipe(bb);
  });
}

describe('multipartFraming', () => {
  const doc = JSON.stringify({ to: ['000.00.02.H41'], body: { subject: 'Về việc thử nghiệm' } });

  it('frames a document part and one file part that busboy parses back byte for byte', async () => {
    const file = Buffer.from('a\r\n--not-a-boundary\r\nb\u0000\u00ff', 'latin1');
    const f = multipartFraming({
      documentJson: doc,
      fileField: 'attachment',
      fileName: 'ban-do.bin',
      fileType: 'application/octet-stream',
      fileSize: file.length,
    });
    const body = Buffer.concat([f.head, file, f.tail]);
    expect(f.contentLength).toBe(body.length);
    const parsed = await parse(f.contentType, body);
    expect(parsed.fields).toEqual({ document: doc });
    expect(parsed.files).toHaveLength(1);
    expect(parsed.files[0]).toMatchObject({ field: 'attachment', name: 'ban-do.bin', type: 'application/octet-stream' });
    expect(parsed.files[0]!.bytes.equals(file)).toBe(true);
  });

  it('counts the document in bytes, not characters', () => {
    const a = multipartFraming({ documentJson: 'ă', fileField: 'f', fileName: 'x', fileType: 't', fileSize: 0, boundary: 'b' });
    const b = multipartFraming({ documentJson: 'a', fileField: 'f', fileName: 'x', fileType: 't', fileSize: 0, boundary: 'b' });
    expect(a.contentLength - b.contentLength).toBe(1);
  });

  it('refuses a file name that would break the part header', () => {
    expect(() => multipartFraming({ documentJson: doc, fileField: 'f', fileName: 'a"b', fileType: 't', fileSize: 1 })).toThrow(/quote or a line break/);
    expect(() => multipartFraming({ documentJson: doc, fileField: 'f', fileName: 'a\r\nb', fileType: 't', fileSize: 1 })).toThrow(RangeError);
  });
});

describe('inFlight', () => {
  it('runs every index once, in order of start, never more than the window at a time', async () => {
    let running = 0;
    let most = 0;
    const started: number[] = [];
    await inFlight(50, 7, async (i) => {
      started.push(i);
      running++;
      most = Math.max(most, running);
      await new Promise((r) => setTimeout(r, (i * 7) % 5));
      running--;
    });
    expect(started).toEqual(Array.from({ length: 50 }, (_, i) => i));
    expect(most).toBe(7);
  });

  it('keeps the window full: a slow call does not hold up the others', async () => {
    const done: number[] = [];
    await inFlight(4, 2, async (i) => {
      await new Promise((r) => setTimeout(r, i === 0 ? 60 : 5));
      done.push(i);
    });
    expect(done).toEqual([1, 2, 3, 0]);
  });

  it('rejects with the first failure and starts nothing after it', async () => {
    const started: number[] = [];
    await expect(
      inFlight(100, 3, async (i) => {
        started.push(i);
        await new Promise((r) => setTimeout(r, 1));
        if (i === 4) throw new Error('boom at 4');
      }),
    ).rejects.toThrow('boom at 4');
    expect(Math.max(...started)).toBeLessThan(4 + 3);
  });

  it('copes with fewer items than the window and refuses a window below 1', async () => {
    const seen: number[] = [];
    await inFlight(2, 32, async (i) => void seen.push(i));
    expect(seen).toEqual([0, 1]);
    await expect(inFlight(1, 0, async () => undefined)).rejects.toThrow(RangeError);
  });
});
