import { createHash, randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { readEdxml, writeEdxmlDocument, type AttachmentSink } from './index';
import { fullDocumentXml } from './testing/fixtures';

const MB = 1024 * 1024;
const SIZE = 50 * MB;

// a full collection now and then shows what is retained, not garbage not yet collected
setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** SIZE random bytes in 64 KiB chunks, hashed as they go. */
function generated(): { stream: Readable; digest: () => string } {
  const hash = createHash('sha256');
  let produced = 0;
  const stream = new Readable({
    read() {
      if (produced >= SIZE) return void this.push(null);
      const chunk = randomBytes(Math.min(64 * 1024, SIZE - produced));
      produced += chunk.length;
      hash.update(chunk);
      this.push(chunk);
    },
  });
  return { stream, digest: () => hash.digest('hex') };
}

/** A sink that hashes, and notes the most memory retained while bytes arrive (after a full GC every 4 MB). */
function measuringSink(peak: { rss: number; heapAndBuffers: number }): AttachmentSink {
  return {
    open() {
      const hash = createHash('sha256');
      let size = 0;
      return {
        write(chunk) {
          hash.update(chunk);
          const before = size;
          size += chunk.length;
          if (Math.floor(before / (4 * MB)) === Math.floor(size / (4 * MB))) return;
          gc();
          const m = process.memoryUsage();
          peak.rss = Math.max(peak.rss, m.rss);
          peak.heapAndBuffers = Math.max(peak.heapAndBuffers, m.heapUsed + m.arrayBuffers);
        },
        end: async () => ({ size, sha256: hash.digest('hex') }),
        abort: async () => undefined,
      };
    },
  };
}

describe('streaming', () => {
  it('reads a package with a 50 MB attachment with flat memory, and its SHA-256 is right', async () => {
    const source = generated();
    const [head, tail] = fullDocumentXml({ attachmentBase64: '\u0000' }).split('\u0000');
    // base64 text of the attachment, cut into pieces that do not fall on 4-character groups
    async function* packageText() {
      yield head;
      let carry = Buffer.alloc(0);
      for await (const chunk of source.stream) {
        const all = Buffer.concat([carry, chunk as Buffer]);
        const whole = all.length - (all.length % 3);
        const b64 = all.subarray(0, whole).toString('base64');
        yield b64.slice(0, 1001);
        yield `\r\n${b64.slice(1001)}`;
        carry = all.subarray(whole);
      }
      yield carry.toString('base64');
      yield tail;
    }
    gc();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapAndBuffers: before.heapUsed + before.arrayBuffers };
    const pkg = await readEdxml(Readable.from(packageText()), { sink: measuringSink(peak) });
    if (pkg.kind !== 'document') throw new Error('expected a document');
    expect(pkg.attachments[0].size).toBe(SIZE);
    expect(pkg.attachments[0].sha256).toBe(source.digest());
    // retained: a few MB (pieces in flight); holding the base64 text alone would take 67 MB
    expect(peak.heapAndBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(SIZE / 3); // holding the attachment would be SIZE, its base64 4/3 of it; GC timing on a busy machine needs the margin
    // the process as a whole (the heap grows before it is collected, and keeps its pages a while)
    expect(peak.rss - before.rss).toBeLessThan(SIZE);
  });

  it('exports a 50 MB attachment as a stream that reads back with flat memory', async () => {
    const body = {
      code: { codeNumber: '9', codeNotation: 'BC-UBND' },
      subject: 'Báo cáo số liệu',
      from: { organId: '000.00.01.H41' },
      to: [{ organId: '000.00.02.H41' }],
    };
    const source = generated();
    let opened = 0;
    const out = writeEdxmlDocument({
      body,
      attachments: [{ name: 'so-lieu.zip', mediaType: 'application/zip', open: () => (opened++, source.stream) }],
    });
    // lazy: nothing is read before the header is consumed
    expect(opened).toBe(0);
    gc();
    const before = process.memoryUsage();
    const peak = { rss: before.rss, heapAndBuffers: before.heapUsed + before.arrayBuffers };
    const pkg = await readEdxml(out, { sink: measuringSink(peak) });
    if (pkg.kind !== 'document') throw new Error('expected a document');
    expect(opened).toBe(1);
    expect(pkg.attachments[0]).toMatchObject({ name: 'so-lieu.zip', mediaType: 'application/zip', size: SIZE, sha256: source.digest() });
    expect(peak.heapAndBuffers - (before.heapUsed + before.arrayBuffers)).toBeLessThan(SIZE / 3); // holding the attachment would be SIZE, its base64 4/3 of it; GC timing on a busy machine needs the margin
    expect(peak.rss - before.rss).toBeLessThan(SIZE);
  });
});
