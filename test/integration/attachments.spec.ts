import { createHash, randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm } from '@nats-io/obj';
import type { INestApplicationContext } from '@nestjs/common';
import { attachmentSubjects, LtError, type ErrorCode, type StatusBody } from '@lt/contracts';
import { AttachmentService, MAX_ACTIVE_UPLOADS_PER_AGENCY, type AttachmentSettings } from '@lt/attachments';
import { bootHubContext, connectNats, type NatsConnection } from '@lt/messaging';
import { AttachmentChannel, connect, uploadAttachment, type InboxMessage, type LienThongClient } from '@lt/sdk';
import { AttachmentsModule } from '../../apps/attachments/src';
import { createHarness, type Harness } from '../../apps/router/src/testing/harness';
import { makeTestAgency, SAMPLE_BODY } from '../../libs/sdk/src/testing/fixtures';

/**
 * Attachments end to end on the real NATS (anonymous, a namespace of its own) and PostgreSQL:
 * SDK upload -> router binding -> SDK download, and the bad input of issue 12, each with its code.
 * Authentication-on checks are in nats-permissions.spec.ts.
 */
jest.setTimeout(120_000);

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.07.H41'; // not addressed

const settings: AttachmentSettings = { maxBytes: 8 * 1024 * 1024, maxPerEnvelope: 3, unboundTtlMs: 60_000, retentionMs: 86_400_000, sweepIntervalMs: 0 };

let h: Harness;
let app: INestApplicationContext;
let service: AttachmentService;
let a: LienThongClient;
let b: LienThongClient;
let cNc: NatsConnection;
let dir: string;

async function codeOf(p: Promise<unknown>): Promise<ErrorCode | 'none'> {
  try {
    await p;
    return 'none';
  } catch (e) {
    return e instanceof LtError ? e.code : ((e as Error).message as ErrorCode);
  }
}

async function drain(r: Readable): Promise<{ sha256: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const c of r) {
    hash.update(c as Buffer);
    size += (c as Buffer).byteLength;
  }
  return { sha256: hash.digest('hex'), size };
}

async function next(client: LienThongClient, kind: string): Promise<InboxMessage> {
  for await (const m of client.inbox({ batch: 8 })) {
    await m.ack();
    if (m.kind === kind) return m;
  }
  throw new Error('inbox ended');
}

/** The hub's refusal (02) of envelope `id` in A's inbox: its reasonCode. */
async function refusalOf(id: string): Promise<string | undefined> {
  for await (const m of a.inbox({ batch: 8 })) {
    await m.ack();
    const body = m.envelope.body as StatusBody;
    if (m.kind === 'status' && body.responseFor === id && body.statusCode === '02') return body.reasonCode;
  }
  return undefined;
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lt-att-int-'));
  h = await createHarness();
  const ag: Record<string, Awaited<ReturnType<typeof makeTestAgency>>> = { [A]: await makeTestAgency(A), [B]: await makeTestAgency(B, { parentCode: A, tier: 'district' }), [C]: await makeTestAgency(C, { parentCode: A, tier: 'district' }) };
  await h.putAgencies(Object.values(ag).map((t) => t.entry));
  await h.startRouter();
  app = await bootHubContext(AttachmentsModule.forRoot({ nc: h.nc, log: h.log, topology: h.topo, settings, storage: 'memory' }), h.log);
  service = app.get(AttachmentService);
  const opts = (code: string) => ({ natsUrl: 'nats://127.0.0.1:4222', ns: h.topo.ns, agencyCode: code, privateJwk: ag[code]!.privateJwk, keyId: ag[code]!.keyId, stateDir: false as const });
  a = await connect(opts(A));
  b = await connect(opts(B));
  cNc = await connectNats('nats://127.0.0.1:4222', 'att-int-c');
});

afterAll(async () => {
  await a?.close();
  await b?.close();
  await cNc?.close();
  await app?.close();
  const jsm = await jetstreamManager(h.nc);
  const s = attachmentSubjects(h.topo);
  for (const st of [`OBJ_${s.bucket}`, `KV_${s.index}`]) await jsm.streams.delete(st).catch(() => undefined);
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a document with a file', () => {
  let sent: { id: string; sha256: string; size: number };
  let received: InboxMessage;

  it('travels from A to B: same SHA-256, verified while reading', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 12345);
    const path = join(dir, 'ban-do.pdf');
    writeFileSync(path, bytes);
    const progress: number[] = [];
    const r = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'có tệp' }, attachments: [{ path }], onProgress: (done) => progress.push(done) });
    const ref = r.envelope.attachments![0]!;
    expect(ref).toMatchObject({ name: 'ban-do.pdf', mediaType: 'application/pdf', size: bytes.byteLength, sha256: createHash('sha256').update(bytes).digest('hex') });
    expect(ref.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(progress.at(-1)).toBe(bytes.byteLength);
    sent = { id: ref.id!, sha256: ref.sha256, size: ref.size };
    received = await next(b, 'document');
    expect(received.id).toBe(r.id);
    // the delivery fact the audit logs names each attachment's digest and size
    expect(received.headers['Lt-Attachments']).toBe(`${sent.id}:${sent.size}:${sent.sha256}`);
    expect(await drain(received.attachment('ban-do.pdf'))).toEqual({ sha256: sent.sha256, size: sent.size });
  });

  it('the sender may read it back; an agency it was not addressed to gets ATTACHMENT_NOT_FOUND', async () => {
    const chA = new AttachmentChannel(a.nc, h.topo, A);
    expect((await chA.call<{ size: number }>('get', { id: sent.id })).size).toBe(sent.size);
    const chC = new AttachmentChannel(cNc, h.topo, C);
    expect(await codeOf(chC.call('get', { id: sent.id }))).toBe('ATTACHMENT_NOT_FOUND');
    expect(await codeOf(chC.call('get', { id: randomBytes(16).toString('hex') }))).toBe('ATTACHMENT_NOT_FOUND');
  });

  it('a second envelope naming the same upload is refused with ATTACHMENT_IN_USE', async () => {
    const again = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'lại' }, attachments: [{ id: sent.id, name: 'ban-do.pdf', mediaType: 'application/pdf', size: sent.size, sha256: sent.sha256 }] });
    expect(await refusalOf(again.id)).toBe('ATTACHMENT_IN_USE');
  });
});

describe('bad input', () => {
  const ch = () => new AttachmentChannel(a.nc, h.topo, A, 5_000);
  const base = { mediaType: 'application/pdf', size: 10, sha256: '0'.repeat(64) };

  it('names with path separators or control characters: ATTACHMENT_NAME_INVALID', async () => {
    for (const name of ['../etc/passwd.pdf', 'a\\b.pdf', 'x\u0007.pdf', 'a'.repeat(201)]) {
      expect(await codeOf(ch().call('open', { ...base, name }))).toBe('ATTACHMENT_NAME_INVALID');
    }
  });

  it('over the size limit at open, or as soon as exceeded: ATTACHMENT_TOO_LARGE; too many: ATTACHMENT_TOO_MANY', async () => {
    expect(await codeOf(ch().call('open', { ...base, name: 'big.pdf', size: settings.maxBytes + 1 }))).toBe('ATTACHMENT_TOO_LARGE');
    expect(await codeOf(ch().call('open', { ...base, name: 'x.pdf', count: 4 }))).toBe('ATTACHMENT_TOO_MANY');
    // size not declared: refused at the first chunk past the limit
    const over = Readable.from((function* () {
      for (let i = 0; i < 40; i++) yield randomBytes(256 * 1024);
    })());
    expect(await codeOf(uploadAttachment(ch(), { name: 'stream.pdf', stream: over }, { resumes: 0 }))).toBe('ATTACHMENT_TOO_LARGE');
  });

  it('a declared size or digest that does not match: ATTACHMENT_SIZE_MISMATCH / ATTACHMENT_DIGEST_MISMATCH, nothing kept', async () => {
    const bytes = randomBytes(600_000);
    const sha256 = createHash('sha256').update(bytes).digest('hex');
    expect(await codeOf(uploadAttachment(ch(), { name: 's.pdf', stream: Readable.from([bytes]), size: 500_000, sha256 }, { resumes: 0 }))).toBe('ATTACHMENT_SIZE_MISMATCH');
    expect(await codeOf(uploadAttachment(ch(), { name: 's.pdf', stream: Readable.from([bytes]), size: 700_000, sha256 }, { resumes: 0 }))).toBe('ATTACHMENT_SIZE_MISMATCH');
    expect(await codeOf(uploadAttachment(ch(), { name: 'd.pdf', stream: Readable.from([bytes]), size: bytes.byteLength, sha256: '1'.repeat(64) }, { resumes: 0 }))).toBe(
      'ATTACHMENT_DIGEST_MISMATCH',
    );
  });

  it('an envelope naming an upload of another agency, or one not complete, is refused', async () => {
    const chB = new AttachmentChannel(b.nc, h.topo, B);
    const bytes = randomBytes(1000);
    const ofB = await uploadAttachment(chB, { name: 'b.txt', stream: Readable.from([bytes]) });
    const foreign = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'của người khác' }, attachments: [ofB] });
    expect(await refusalOf(foreign.id)).toBe('ATTACHMENT_NOT_FOUND');
    const open = await ch().call<{ id: string }>('open', { name: 'half.txt', mediaType: 'text/plain', size: 10, sha256: '0'.repeat(64) });
    const half = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'dở dang' }, attachments: [{ id: open.id, name: 'half.txt', mediaType: 'text/plain', size: 10, sha256: '0'.repeat(64) }] });
    expect(await refusalOf(half.id)).toBe('ATTACHMENT_INCOMPLETE');
  });

  it('a chunk altered in storage: the reader errors with ATTACHMENT_DIGEST_MISMATCH before the end, the last chunk never handed over', async () => {
    const bytes = randomBytes(256 * 1024 * 3 + 99);
    const path = join(dir, 'alter.pdf');
    writeFileSync(path, bytes);
    const r = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'bị sửa' }, attachments: [{ path }] });
    const msg = await next(b, 'document');
    expect(msg.id).toBe(r.id);
    // replace the second chunk in the bucket's stream with other bytes of the same length
    const s = attachmentSubjects(h.topo);
    const jsm = await jetstreamManager(h.nc);
    const obj = await new Objm(h.nc).open(s.bucket);
    const nuid = (await obj.info(r.envelope.attachments![0]!.id!))!.nuid;
    const stream = `OBJ_${s.bucket}`;
    const c0 = await jsm.direct.getMessage(stream, { seq: 1, next_by_subj: `$O.${s.bucket}.C.${nuid}` });
    const c1 = await jsm.direct.getMessage(stream, { seq: c0!.seq + 1, next_by_subj: `$O.${s.bucket}.C.${nuid}` });
    const c2 = await jsm.direct.getMessage(stream, { seq: c1!.seq + 1, next_by_subj: `$O.${s.bucket}.C.${nuid}` });
    const c3 = await jsm.direct.getMessage(stream, { seq: c2!.seq + 1, next_by_subj: `$O.${s.bucket}.C.${nuid}` });
    // chunks after the altered one are re-appended in order, so only the bytes differ
    for (const m of [c1!, c2!, c3!]) await jsm.streams.deleteMessage(stream, m.seq);
    const js = jetstream(h.nc);
    await js.publish(`$O.${s.bucket}.C.${nuid}`, randomBytes(c1!.data.byteLength));
    await js.publish(`$O.${s.bucket}.C.${nuid}`, c2!.data);
    await js.publish(`$O.${s.bucket}.C.${nuid}`, c3!.data);
    const seen: number[] = [];
    const reader = msg.attachment('alter.pdf');
    const err = await new Promise<unknown>((resolve) => {
      reader.on('data', (c: Buffer) => seen.push(c.byteLength));
      reader.on('error', resolve);
      reader.on('end', () => resolve(null));
    });
    expect((err as LtError).code).toBe('ATTACHMENT_DIGEST_MISMATCH');
    expect((err as LtError).details?.name).toBe('alter.pdf');
    expect(seen.reduce((x, y) => x + y, 0)).toBeLessThan(bytes.byteLength);
  });

  it('too many uploads in progress for one agency: RATE_LIMITED, other agencies unaffected', async () => {
    const chC = new AttachmentChannel(cNc, h.topo, C, 5_000);
    const open = () => chC.call('open', { name: 'c.txt', mediaType: 'text/plain', size: 1, sha256: '0'.repeat(64) });
    for (let i = 0; i < MAX_ACTIVE_UPLOADS_PER_AGENCY; i++) await open();
    expect(await codeOf(open())).toBe('RATE_LIMITED');
    expect(await codeOf(ch().call('open', { ...base, name: 'a.pdf' }))).toBe('none');
  });

  it('a connection dropped mid-upload: resumed from what the hub has, same digest', async () => {
    const nc = await connectNats('nats://127.0.0.1:4222', 'att-int-drop');
    try {
      const bytes = randomBytes(256 * 1024 * 12);
      const path = join(dir, 'drop.pdf');
      writeFileSync(path, bytes);
      const chunks: number[] = [];
      let dropped = false;
      const ch = new AttachmentChannel(nc, h.topo, A, 2_000);
      const call = ch.call.bind(ch);
      ch.call = (async (op: string, body: unknown, data?: Uint8Array, hdrs?: Record<string, string>) => {
        if (op === 'chunk') {
          chunks.push(Number(hdrs?.['Lt-Att-Offset']));
          if (chunks.length === 5 && !dropped) {
            dropped = true;
            nc.reconnect();
          }
        }
        return call(op as never, body, data, hdrs);
      }) as typeof ch.call;
      const ref = await uploadAttachment(ch, { path }, { window: 4 });
      expect(ref.sha256).toBe(createHash('sha256').update(bytes).digest('hex'));
      expect(dropped).toBe(true);
      // nothing before the hub's count was sent twice beyond the window in flight at the drop
      expect(chunks.length).toBeLessThanOrEqual(12 + 4);
      const st = await ch.call<{ state: string; received: number }>('status', { id: ref.id });
      expect(st).toMatchObject({ state: 'complete', received: bytes.byteLength });
    } finally {
      await nc.close();
    }
  });
});

describe('life cycle', () => {
  it('a recall makes the attachments unreadable for a recipient that had not read them; one that had keeps them', async () => {
    const path = join(dir, 'thu-hoi.pdf');
    writeFileSync(path, randomBytes(600_000));
    const unread = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'thu hồi' }, attachments: [{ path }] });
    const read = await a.sendDocument({ to: [B], body: { ...SAMPLE_BODY, subject: 'đã đọc' }, attachments: [{ path }] });
    const m1 = await next(b, 'document');
    const m2 = await next(b, 'document');
    const [mUnread, mRead] = m1.id === unread.id ? [m1, m2] : [m2, m1];
    expect((await drain(mRead.attachment('thu-hoi.pdf'))).size).toBe(600_000);
    await a.recall(unread.id);
    await a.recall(read.id);
    await expect(drain(mUnread.attachment('thu-hoi.pdf'))).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
    expect((await drain(mRead.attachment('thu-hoi.pdf'))).size).toBe(600_000);
    // only the sender may revoke
    await expect(b.revokeAttachments(read.id)).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
  });

  it('an upload no envelope names is removed by the sweeper after the unbound TTL', async () => {
    const ch = new AttachmentChannel(a.nc, h.topo, A);
    const ref = await uploadAttachment(ch, { name: 'orphan.txt', stream: Readable.from([randomBytes(100)]) });
    expect(await service.sweep(Date.now())).toBe(0);
    expect(await service.sweep(Date.now() + settings.unboundTtlMs + 1000)).toBeGreaterThanOrEqual(1);
    expect(await codeOf(ch.call('status', { id: ref.id }))).toBe('ATTACHMENT_NOT_FOUND');
  });
});
