import SwaggerParser from '@apidevtools/swagger-parser';
import { createHash, randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import type { INestApplicationContext } from '@nestjs/common';
import pino from 'pino';
import { attachmentSubjects } from '@lt/contracts';
import { loadConnectorSettings, runConnector, type ConnectorSettings, type RunningConnector } from '@lt/connector';
import { bootHubContext } from '@lt/messaging';
import { ConfigError } from '@lt/platform';
import { verifyWebhook } from '@lt/sdk';
import { AttachmentsModule } from '../../apps/attachments/src';
import { createHarness, NATS_URL, type Harness } from '../../apps/router/src/testing/harness';
import { makeTestAgency, type TestAgency } from '../../libs/sdk/src/testing/fixtures';
import { makeCertificates } from '../support/certificates';
import { xmlLeaves } from '../support/xml-leaves';

/**
 * The agency connector on the real NATS and PostgreSQL (router, attachments service): two
 * connectors for two agencies exchanging JSON, edXML packages, statuses and attachments over HTTP,
 * webhooks to a real HTTP receiver, who may call, and each bad input of issue 13 with its code.
 */
jest.setTimeout(120_000);

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

let h: Harness;
let attachments: INestApplicationContext;
let dir: string;
let agencies: Record<string, TestAgency>;
let ca: RunningConnector;
let cb: RunningConnector;
let receiver: WebhookReceiver;

interface Reply<T = Record<string, unknown>> {
  status: number;
  body: T;
  text: string;
  headers: Headers;
}

async function call<T = Record<string, unknown>>(
  base: string,
  method: string,
  path: string,
  body?: string | Buffer | FormData,
  headers: Record<string, string> = {},
): Promise<Reply<T>> {
  const res = await fetch(`${base}${path}`, { method, headers, ...(body !== undefined ? { body } : {}) });
  const text = await res.text();
  let parsed: unknown;
  try {
    parsed = text ? JSON.parse(text) : undefined;
  } catch {
    parsed = undefined;
  }
  return { status: res.status, body: parsed as T, text, headers: res.headers };
}
const json = (v: unknown) => ({ body: JSON.stringify(v), headers: { 'content-type': 'application/json' } });
const xml = { 'content-type': 'application/xml' };

function settings(code: string, extra: Partial<ConnectorSettings> = {}): ConnectorSettings {
  return { ...loadConnectorSettings({}), port: 0, dataDir: dir, stateDir: join(dir, 'connector', code), ...extra };
}

function start(code: string, extra: Partial<ConnectorSettings> = {}): Promise<RunningConnector> {
  const ag = agencies[code]!;
  return runConnector({
    agencyCode: code,
    settings: settings(code, extra),
    hub: { natsUrl: NATS_URL, ns: h.topo.ns, privateJwk: ag.privateJwk, keyId: ag.keyId },
    log,
    webhookPacing: { baseDelayMs: 50, maxDelayMs: 200, timeoutMs: 1000 },
  });
}

/** Waits until `check` gives a value. */
async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 20_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await check();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function pendingItem(c: RunningConnector, match: (i: Record<string, string>) => boolean): Promise<Record<string, string>> {
  return until('a pending message', async () => {
    const r = await call<{ items: Record<string, string>[] }>(c.url, 'GET', '/v1/inbox?limit=1000');
    return r.body.items.find(match);
  });
}

/** An edXML package written from the national field list (QCVN 102:2016), every header field filled. */
function nationalPackage(documentId: string, number: string, opts: { date?: string; to?: string; subject?: string } = {}): string {
  const date = opts.date ?? '2026/12/04';
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:edXML xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:edXMLEnvelope>
    <edXML:edXMLHeader>
      <edXML:MessageHeader>
        <edXML:From>
          <edXML:OrganId>${A}</edXML:OrganId>
          <edXML:OrganizationInCharge>Ủy ban nhân dân tỉnh Nghệ An</edXML:OrganizationInCharge>
          <edXML:OrganName>Văn phòng UBND tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganAdd>16 Trường Thi, TP. Vinh, Nghệ An</edXML:OrganAdd>
          <edXML:Email>vanphong@nghean.gov.vn</edXML:Email>
          <edXML:Telephone>02383844111</edXML:Telephone>
          <edXML:Fax>02383844112</edXML:Fax>
          <edXML:Website>https://nghean.gov.vn</edXML:Website>
        </edXML:From>
        <edXML:To>
          <edXML:OrganId>${opts.to ?? B}</edXML:OrganId>
          <edXML:OrganName>Sở Nội vụ tỉnh Nghệ An</edXML:OrganName>
          <edXML:OrganAdd>Số 8 Trường Thi, TP. Vinh</edXML:OrganAdd>
          <edXML:Email>sonoivu@nghean.gov.vn</edXML:Email>
          <edXML:Telephone>02383598000</edXML:Telephone>
        </edXML:To>
        <edXML:DocumentId>${documentId}</edXML:DocumentId>
        <edXML:Code>
          <edXML:CodeNumber>${number}</edXML:CodeNumber>
          <edXML:CodeNotation>UBND-TH</edXML:CodeNotation>
        </edXML:Code>
        <edXML:PromulgationInfo>
          <edXML:Place>Nghệ An</edXML:Place>
          <edXML:PromulgationDate>${date}</edXML:PromulgationDate>
        </edXML:PromulgationInfo>
        <edXML:DocumentType>
          <edXML:Type>1</edXML:Type>
          <edXML:TypeDetail>2</edXML:TypeDetail>
          <edXML:TypeName>Công văn</edXML:TypeName>
        </edXML:DocumentType>
        <edXML:Subject>${opts.subject ?? 'V/v báo cáo kết quả cải cách hành chính năm 2026'}</edXML:Subject>
        <edXML:Content>Đề nghị Sở Nội vụ tổng hợp &amp; báo cáo trước ngày 20/12.</edXML:Content>
        <edXML:SignerInfo>
          <edXML:Competence>TL. CHỦ TỊCH</edXML:Competence>
          <edXML:Position>Chánh Văn phòng</edXML:Position>
          <edXML:FullName>Nguyễn Văn Hải</edXML:FullName>
        </edXML:SignerInfo>
        <edXML:DueDate>2026/12/20</edXML:DueDate>
        <edXML:ToPlaces>
          <edXML:Place>Như trên</edXML:Place>
          <edXML:Place>Lưu: VT, TH</edXML:Place>
        </edXML:ToPlaces>
        <edXML:OtherInfo>
          <edXML:Priority>1</edXML:Priority>
          <edXML:SphereOfPromulgation>Nội bộ</edXML:SphereOfPromulgation>
          <edXML:TyperNotation>HT</edXML:TyperNotation>
          <edXML:PromulgationAmount>5</edXML:PromulgationAmount>
          <edXML:PageAmount>2</edXML:PageAmount>
          <edXML:Appendixes>
            <edXML:Appendix>Phụ lục I: Biểu mẫu</edXML:Appendix>
          </edXML:Appendixes>
        </edXML:OtherInfo>
        <edXML:SteeringType>1</edXML:SteeringType>
        <edXML:ResponseFor>
          <edXML:OrganId>${B}</edXML:OrganId>
          <edXML:Code>45/SNV-CCHC</edXML:Code>
          <edXML:PromulgationDate>2026/11/30</edXML:PromulgationDate>
          <edXML:DocumentId>${B},2026/11/30,45/SNV-CCHC</edXML:DocumentId>
        </edXML:ResponseFor>
        <edXML:Bussiness>
          <edXML:BussinessDocType>0</edXML:BussinessDocType>
          <edXML:BussinessDocReason>Văn bản mới</edXML:BussinessDocReason>
          <edXML:Paper>1</edXML:Paper>
          <edXML:StaffInfo>
            <edXML:Department>Phòng Tổng hợp</edXML:Department>
            <edXML:Staff>Trần Thị Lan</edXML:Staff>
            <edXML:Mobile>0912345678</edXML:Mobile>
            <edXML:Email>lantt@nghean.gov.vn</edXML:Email>
          </edXML:StaffInfo>
        </edXML:Bussiness>
      </edXML:MessageHeader>
      <edXML:TraceHeaderList>
        <edXML:TraceHeader>
          <edXML:OrganId>${A}</edXML:OrganId>
          <edXML:Timestamp>2026/12/04 09:15:00</edXML:Timestamp>
        </edXML:TraceHeader>
      </edXML:TraceHeaderList>
    </edXML:edXMLHeader>
    <edXML:edXMLBody>
      <edXML:edXMLManifest>
        <edXML:Reference>
          <edXML:ContentId>cid:1</edXML:ContentId>
          <edXML:AttachmentName>cong-van.pdf</edXML:AttachmentName>
          <edXML:ContentType>application/pdf</edXML:ContentType>
        </edXML:Reference>
      </edXML:edXMLManifest>
    </edXML:edXMLBody>
  </edXML:edXMLEnvelope>
  <edXML:AttachmentEncoded>
    <edXML:Attachment>
      <edXML:ContentId>cid:1</edXML:ContentId>
      <edXML:AttachmentName>cong-van.pdf</edXML:AttachmentName>
      <edXML:ContentType>application/pdf</edXML:ContentType>
      <edXML:ContentTransferEncoded>${PDF_BYTES.toString('base64')}</edXML:ContentTransferEncoded>
    </edXML:Attachment>
  </edXML:AttachmentEncoded>
</edXML:edXML>`;
}
const PDF_BYTES = Buffer.concat([Buffer.from('%PDF-1.7\n'), randomBytes(200_000)]);

function statusPackage(code: string, documentId: string, responseTo: string, from: string, extra = ''): string {
  return `<?xml version="1.0" encoding="UTF-8"?>
<edXML:Status xmlns:edXML="http://www.mic.gov.vn/TBT/QCVN_102_2016">
  <edXML:ResponseFor>
    <edXML:OrganId>${responseTo}</edXML:OrganId>
    <edXML:Code>101/UBND-TH</edXML:Code>
    <edXML:PromulgationDate>2026/12/04</edXML:PromulgationDate>
    <edXML:DocumentId>${documentId}</edXML:DocumentId>
  </edXML:ResponseFor>
  <edXML:From>
    <edXML:OrganId>${from}</edXML:OrganId>
    <edXML:OrganName>Sở Nội vụ tỉnh Nghệ An</edXML:OrganName>
  </edXML:From>
  <edXML:StatusCode>${code}</edXML:StatusCode>
  <edXML:Description>Đã vào sổ văn bản đến</edXML:Description>
  <edXML:Timestamp>2026/12/04 10:00:00</edXML:Timestamp>${extra}
  <edXML:StaffInfo>
    <edXML:Department>Văn thư</edXML:Department>
    <edXML:Staff>Lê Văn Minh</edXML:Staff>
  </edXML:StaffInfo>
</edXML:Status>`;
}

interface WebhookReceiver {
  url: string;
  server: Server;
  received: Array<{ id: string; payload: { id: string } }>;
  /** answer with this status while it is set */
  failWith?: number;
  seen: Set<string>;
}

async function webhookReceiver(secret: () => string): Promise<WebhookReceiver> {
  const r: WebhookReceiver = { url: '', server: undefined as unknown as Server, received: [], seen: new Set() };
  r.server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (r.failWith) {
        res.statusCode = r.failWith;
        return res.end();
      }
      try {
        const v = verifyWebhook<{ id: string }>({ secret: secret(), headers: req.headers, body: Buffer.concat(chunks), seen: r.seen });
        r.received.push({ id: v.id, payload: v.payload });
        res.statusCode = 204;
      } catch {
        res.statusCode = 400;
      }
      res.end();
    });
  });
  await new Promise<void>((resolve) => r.server.listen(0, '127.0.0.1', resolve));
  r.url = `http://127.0.0.1:${(r.server.address() as AddressInfo).port}/hook`;
  return r;
}

let webhookSecretValue = '';

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'lt-connector-int-'));
  h = await createHarness();
  agencies = { [A]: await makeTestAgency(A), [B]: await makeTestAgency(B, { parentCode: A, tier: 'province' }) };
  await h.putAgencies(Object.values(agencies).map((t) => t.entry));
  await h.startRouter();
  attachments = await bootHubContext(
    AttachmentsModule.forRoot({
      nc: h.nc,
      log: h.log,
      topology: h.topo,
      settings: { maxBytes: 64 * 1024 * 1024, maxPerEnvelope: 10, unboundTtlMs: 60_000, retentionMs: 86_400_000, sweepIntervalMs: 0 },
      storage: 'memory',
    }),
    h.log,
  );
  receiver = await webhookReceiver(() => webhookSecretValue);
  ca = await start(A);
  cb = await start(B, { webhookUrl: receiver.url });
  webhookSecretValue = readFileSync(cb.webhookSecretFile!, 'utf8').trim();
});

afterAll(async () => {
  await ca?.stop();
  await cb?.stop();
  await attachments?.close();
  receiver?.server.close();
  const jsm = await jetstreamManager(h.nc);
  const s = attachmentSubjects(h.topo);
  for (const st of [`OBJ_${s.bucket}`, `KV_${s.index}`]) await jsm.streams.delete(st).catch(() => undefined);
  await h?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('JSON documents and statuses', () => {
  let docId: string;

  it('POST /v1/outbox answers 202 {id} once the hub accepted it; the recipient lists it, reads it, acks it; the sender gets 01', async () => {
    const sent = await call(
      ca.url,
      'POST',
      '/v1/outbox',
      json({ to: [B], body: { code: { codeNumber: '7', codeNotation: 'UBND-VP' }, subject: 'Giấy mời họp' } }).body,
      json(0).headers,
    );
    expect(sent.status).toBe(202);
    docId = sent.body.id as string;
    expect(docId).toMatch(/^[0-9a-f-]{36}$/);
    const item = await pendingItem(cb, (i) => i.id === docId);
    expect(item).toMatchObject({ kind: 'document', from: A, subject: 'Giấy mời họp' });
    const read = await call(cb.url, 'GET', `/v1/inbox/${docId}`);
    expect(read.status).toBe(200);
    expect(read.body).toMatchObject({ id: docId, state: 'pending', from: A, envelope: { id: docId, from: A, to: [B] } });
    const ack = await call(cb.url, 'POST', `/v1/inbox/${docId}/ack`);
    expect(ack.body).toEqual({ id: docId, acked: true, arrivedSent: true });
    expect((await call(cb.url, 'POST', `/v1/inbox/${docId}/ack`)).body).toEqual({ id: docId, acked: false, arrivedSent: false });
    const listed = await call<{ items: Array<{ id: string }> }>(cb.url, 'GET', '/v1/inbox?limit=1000');
    expect(listed.body.items.map((i) => i.id)).not.toContain(docId);
    const arrived = await pendingItem(ca, (i) => i.kind === 'status' && i.responseFor === docId);
    expect(arrived).toMatchObject({ statusCode: '01', from: B });
  });

  it('a JSON status 05 about a received document reaches the sender', async () => {
    const r = await call(cb.url, 'POST', `/v1/documents/${docId}/status`, JSON.stringify({ statusCode: '05', description: 'đang xử lý' }), {
      'content-type': 'application/json',
    });
    expect(r.status).toBe(202);
    expect(await pendingItem(ca, (i) => i.kind === 'status' && i.responseFor === docId && i.statusCode === '05')).toBeDefined();
  });

  it('each webhook reaches the receiver once, signed (Standard Webhooks), with the message as JSON', async () => {
    await until('webhook of the first document', async () => (receiver.received.some((w) => w.id === docId) ? true : undefined));
    expect(receiver.received.filter((w) => w.id === docId)).toHaveLength(1);
    expect(receiver.received.find((w) => w.id === docId)!.payload).toMatchObject({ id: docId, kind: 'document', from: A });
  });
});

describe('edXML', () => {
  let docId: string;
  const documentId = `${A},2026/12/04,101/UBND-TH`;

  it('a package from the national field list comes out of the recipient connector with every header value equal', async () => {
    const pkg = nationalPackage(documentId, '101');
    const sent = await call(ca.url, 'POST', '/v1/outbox', pkg, xml);
    expect(sent.status).toBe(202);
    docId = sent.body.id as string;
    await pendingItem(cb, (i) => i.id === docId);
    const out = await call(cb.url, 'GET', `/v1/inbox/${docId}`, undefined, { accept: 'application/xml' });
    expect(out.status).toBe(200);
    expect(out.headers.get('content-type')).toMatch(/application\/xml/);
    const before = xmlLeaves(pkg, ['MessageHeader', 'TraceHeaderList']);
    const after = xmlLeaves(out.text, ['MessageHeader', 'TraceHeaderList']);
    expect(Object.fromEntries(after)).toEqual(Object.fromEntries(before));
    expect(before.size).toBeGreaterThan(40);
    // the attachment travelled as bytes through the hub and comes back inline, the same
    const attachmentsOut = xmlLeaves(out.text, ['Attachment']);
    expect(Buffer.from(attachmentsOut.get('Attachment/ContentTransferEncoded')![0]!, 'base64').equals(PDF_BYTES)).toBe(true);
    const file = await fetch(`${cb.url}/v1/inbox/${docId}/attachments/cong-van.pdf`);
    expect(file.status).toBe(200);
    expect(file.headers.get('x-content-sha256')).toBe(createHash('sha256').update(PDF_BYTES).digest('hex'));
    expect(Buffer.from(await file.arrayBuffer()).equals(PDF_BYTES)).toBe(true);
  });

  it('an edXML status package 03 posted back shows up at the sender as status 03, as JSON and as edXML', async () => {
    const r = await call(cb.url, 'POST', '/v1/statuses', statusPackage('03', documentId, A, B), xml);
    expect(r.status).toBe(202);
    const item = await pendingItem(ca, (i) => i.kind === 'status' && i.responseFor === docId && i.statusCode === '03');
    const out = await call(ca.url, 'GET', `/v1/inbox/${item.id}`, undefined, { accept: 'application/xml' });
    const leaves = xmlLeaves(out.text, ['Status']);
    expect(leaves.get('Status/StatusCode')).toEqual(['03']);
    expect(leaves.get('Status/ResponseFor/DocumentId')).toEqual([documentId]);
    expect(leaves.get('Status/From/OrganId')).toEqual([B]);
    expect(leaves.get('Status/Description')).toEqual(['Đã vào sổ văn bản đến']);
  });

  it('Bussiness doc type 1 recalls the document with that DocumentId; the recipient sees status 13 and answers 15', async () => {
    const recall = nationalPackage(documentId, '101').replace(
      '<edXML:BussinessDocType>0</edXML:BussinessDocType>',
      '<edXML:BussinessDocType>1</edXML:BussinessDocType>',
    );
    const r = await call(ca.url, 'POST', '/v1/outbox', recall, xml);
    expect(r.status).toBe(202);
    expect(r.body.kind).toBe('recall');
    const item = await pendingItem(cb, (i) => i.kind === 'recall' && i.responseFor === docId);
    const asStatus = xmlLeaves((await call(cb.url, 'GET', `/v1/inbox/${item.id}`, undefined, { accept: 'application/xml' })).text, ['Status']);
    expect(asStatus.get('Status/StatusCode')).toEqual(['13']);
    expect(asStatus.get('Status/ResponseFor/DocumentId')).toEqual([documentId]);
    const agree = await call(cb.url, 'POST', `/v1/documents/${docId}/status`, statusPackage('15', documentId, A, B), xml);
    expect(agree.status).toBe(202);
    expect(await pendingItem(ca, (i) => i.kind === 'status' && i.responseFor === docId && i.statusCode === '15')).toBeDefined();
  });
});

describe('attachments by multipart', () => {
  it('a JSON document with a file part is streamed to the hub; the recipient downloads the same bytes', async () => {
    const bytes = randomBytes(3 * 1024 * 1024 + 7);
    const form = new FormData();
    form.append(
      'document',
      new Blob([JSON.stringify({ to: [B], body: { code: { codeNumber: '8', codeNotation: 'UBND-VP' }, subject: 'Bản đồ quy hoạch' } })], {
        type: 'application/json',
      }),
    );
    form.append('attachment', new Blob([bytes], { type: 'application/octet-stream' }), 'ban-do.bin');
    const sent = await call(ca.url, 'POST', '/v1/outbox', form);
    expect(sent.status).toBe(202);
    const id = sent.body.id as string;
    await pendingItem(cb, (i) => i.id === id);
    const view = await call<{ attachments: Array<{ name: string; size: number; sha256: string; href: string }> }>(cb.url, 'GET', `/v1/inbox/${id}`);
    expect(view.body.attachments).toEqual([
      {
        name: 'ban-do.bin',
        mediaType: 'application/octet-stream',
        size: bytes.length,
        sha256: createHash('sha256').update(bytes).digest('hex'),
        href: `/v1/inbox/${id}/attachments/ban-do.bin`,
      },
    ]);
    const file = await fetch(`${cb.url}${view.body.attachments[0]!.href}`);
    expect(Buffer.from(await file.arrayBuffer()).equals(bytes)).toBe(true);
  });
});

describe('bad input: a stable code, nothing sent', () => {
  const cases: Array<[string, string, Record<string, string>, number, string]> = [
    ['malformed XML', '<edXML:edXML xmlns:edXML="x"><edXML:edXMLEnvelope></edXML:edXML>', xml, 400, 'EDXML_MALFORMED'],
    [
      'a DOCTYPE',
      '<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]><edXML>&lol2;</edXML>',
      xml,
      400,
      'EDXML_FORBIDDEN_CONSTRUCT',
    ],
    [
      'an external entity',
      '<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><edXML>&xxe;</edXML>',
      xml,
      400,
      'EDXML_FORBIDDEN_CONSTRUCT',
    ],
    ['a text body', 'hello', { 'content-type': 'text/plain' }, 415, 'UNSUPPORTED_MEDIA_TYPE'],
    ['malformed JSON', '{"to": [', { 'content-type': 'application/json' }, 400, 'MALFORMED_JSON'],
    ['an unknown JSON field', JSON.stringify({ to: [B], body: {}, extra: 1 }), { 'content-type': 'application/json' }, 422, 'SCHEMA_INVALID'],
  ];
  it.each(cases)('%s', async (_what, body, headers, status, code) => {
    const r = await call<{ error: { code: string; details?: Record<string, unknown> } }>(ca.url, 'POST', '/v1/outbox', body, headers);
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status, code });
    if (code === 'EDXML_MALFORMED') expect(r.body.error.details).toMatchObject({ line: expect.any(Number), column: expect.any(Number) });
  });

  it('a date in the wrong format, a subject over 500 characters, an unknown recipient', async () => {
    const wrongDate = await call<{ error: { code: string; details: { field: string } } }>(
      ca.url,
      'POST',
      '/v1/outbox',
      nationalPackage(`${A},2026/12/04,102/UBND-TH`, '102', { date: '04-12-2026' }),
      xml,
    );
    expect(wrongDate.status).toBe(422);
    expect(wrongDate.body.error.code).toBe('EDXML_INVALID');
    expect(wrongDate.body.error.details.field).toMatch(/PromulgationDate/);
    const long = await call<{ error: { code: string; details: { field: string } } }>(
      ca.url,
      'POST',
      '/v1/outbox',
      nationalPackage(`${A},2026/12/04,103/UBND-TH`, '103', { subject: 'x'.repeat(501) }),
      xml,
    );
    expect(long.body.error.code).toBe('EDXML_INVALID');
    expect(long.body.error.details.field).toMatch(/Subject/);
    const unknown = await call<{ error: { code: string } }>(
      ca.url,
      'POST',
      '/v1/outbox',
      nationalPackage(`${A},2026/12/04,104/UBND-TH`, '104', { to: '000.00.99.H41' }),
      xml,
    );
    expect({ status: unknown.status, code: unknown.body.error.code }).toEqual({ status: 422, code: 'UNKNOWN_RECIPIENT' });
  });

  it('a package over the size limit: 413 before it is read to the end', async () => {
    const small = await start(A, { port: 0, maxPackageBytes: 64 * 1024, stateDir: join(dir, 'connector', 'small') });
    try {
      const r = await call<{ error: { code: string } }>(small.url, 'POST', '/v1/outbox', nationalPackage(`${A},2026/12/04,105/UBND-TH`, '105'), xml);
      expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 413, code: 'PAYLOAD_TOO_LARGE' });
    } finally {
      await small.stop();
    }
  });

  it('a status package answering nothing known; a status about an unknown message; a bad Accept', async () => {
    const r = await call<{ error: { code: string } }>(cb.url, 'POST', '/v1/statuses', statusPackage('03', `${A},2026/01/01,1/NONE`, A, B), xml);
    expect({ status: r.status, code: r.body.error.code }).toEqual({ status: 422, code: 'EDXML_UNKNOWN_REFERENCE' });
    const bad = await call<{ error: { code: string } }>(cb.url, 'POST', '/v1/statuses', statusPackage('07', `${A},2026/01/01,1/NONE`, A, B), xml);
    expect(bad.body.error.code).toBe('EDXML_INVALID');
    const unknownDoc = await call<{ error: { code: string } }>(
      cb.url,
      'POST',
      '/v1/documents/0192f000-0000-7000-8000-000000000000/status',
      JSON.stringify({ statusCode: '03' }),
      { 'content-type': 'application/json' },
    );
    expect({ status: unknownDoc.status, code: unknownDoc.body.error.code }).toEqual({ status: 404, code: 'UNKNOWN_MESSAGE' });
    const notId = await call<{ error: { code: string } }>(cb.url, 'GET', '/v1/inbox/not-an-id');
    expect({ status: notId.status, code: notId.body.error.code }).toEqual({ status: 422, code: 'VALIDATION_FAILED' });
  });
});

describe('who may call', () => {
  it('bound to a non-loopback address without a token or TLS, it refuses to start', async () => {
    await expect(start(A, { host: '0.0.0.0', stateDir: join(dir, 'connector', 'open') })).rejects.toThrow(ConfigError);
  });

  it('with a token file: no token or a wrong one is 401, the right one passes', async () => {
    const tokenFile = join(dir, 'token');
    const token = randomBytes(24).toString('hex');
    writeFileSync(tokenFile, token + '\n');
    const c = await start(A, { host: '0.0.0.0', tokenFile, stateDir: join(dir, 'connector', 'token') });
    try {
      const url = c.url.replace('0.0.0.0', '127.0.0.1');
      expect((await call<{ error: { code: string } }>(url, 'GET', '/v1/inbox')).body.error.code).toBe('UNAUTHENTICATED');
      expect((await call(url, 'GET', '/v1/inbox', undefined, { authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await call(url, 'GET', '/v1/inbox', undefined, { authorization: `Bearer ${token}` })).status).toBe(200);
      expect((await call(url, 'GET', '/docs/openapi.json')).status).toBe(200);
    } finally {
      await c.stop();
    }
  });
});

describe('webhooks: an endpoint that fails', () => {
  it('answering 500: retried, then parked; the message stays pending; requeued, it is delivered once', async () => {
    receiver.failWith = 500;
    const sent = await call(
      ca.url,
      'POST',
      '/v1/outbox',
      JSON.stringify({ to: [B], body: { code: { codeNumber: '10', codeNotation: 'UBND-VP' }, subject: 'webhook hỏng' } }),
      {
        'content-type': 'application/json',
      },
    );
    const id = sent.body.id as string;
    const parked = await until('the webhook parked', async () => {
      const r = await call<{ items: Array<{ id: string; attempts: number; lastError?: string }> }>(cb.url, 'GET', '/v1/webhooks/parked');
      return r.body.items.find((i) => i.id === id);
    });
    expect(parked.attempts).toBe(12);
    expect(parked.lastError).toMatch(/500/);
    expect(await pendingItem(cb, (i) => i.id === id)).toBeDefined();
    expect(receiver.received.some((w) => w.id === id)).toBe(false);
    receiver.failWith = undefined;
    const requeued = await call(cb.url, 'POST', '/v1/webhooks/requeue', JSON.stringify({ ids: [id] }), { 'content-type': 'application/json' });
    expect(requeued.body).toEqual({ requeued: 1 });
    await until('the requeued webhook', async () => (receiver.received.some((w) => w.id === id) ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    expect(receiver.received.filter((w) => w.id === id)).toHaveLength(1);
  });

  it('after an ack, a parked webhook is never delivered', async () => {
    receiver.failWith = 503;
    const sent = await call(
      ca.url,
      'POST',
      '/v1/outbox',
      JSON.stringify({ to: [B], body: { code: { codeNumber: '11', codeNotation: 'UBND-VP' }, subject: 'đã nhận qua API' } }),
      {
        'content-type': 'application/json',
      },
    );
    const id = sent.body.id as string;
    await pendingItem(cb, (i) => i.id === id);
    await call(cb.url, 'POST', `/v1/inbox/${id}/ack`);
    receiver.failWith = undefined;
    await call(cb.url, 'POST', '/v1/webhooks/requeue', JSON.stringify({}), { 'content-type': 'application/json' });
    await new Promise((r) => setTimeout(r, 1000));
    expect(receiver.received.some((w) => w.id === id)).toBe(false);
  });
});

describe('/docs', () => {
  it('serves a valid OpenAPI document: every route with its request and response schemas', async () => {
    const doc = (
      await call<{
        paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, { schema?: unknown }> }>; requestBody?: unknown }>>;
      }>(ca.url, 'GET', '/docs/openapi.json')
    ).body;
    await expect(SwaggerParser.validate(structuredClone(doc) as never)).resolves.toBeDefined();
    const routes = Object.entries(doc.paths).flatMap(([path, methods]) =>
      Object.entries(methods).map(([method, op]) => ({ route: `${method.toUpperCase()} ${path}`, op })),
    );
    expect(routes.map((r) => r.route).sort()).toEqual(
      [
        'GET /health',
        'GET /v1/inbox',
        'GET /v1/inbox/{id}',
        'GET /v1/inbox/{id}/attachments/{name}',
        'GET /v1/webhooks/parked',
        'POST /v1/documents/{id}/recall',
        'POST /v1/documents/{id}/status',
        'POST /v1/inbox/{id}/ack',
        'POST /v1/outbox',
        'POST /v1/statuses',
        'POST /v1/webhooks/requeue',
      ].sort(),
    );
    for (const { route, op } of routes) {
      const ok = Object.entries(op.responses).find(([status]) => status.startsWith('2'));
      expect([route, ok && Object.values(ok[1].content ?? {}).some((c) => c.schema !== undefined)]).toEqual([route, true]);
    }
    for (const route of ['POST /v1/outbox', 'POST /v1/documents/{id}/status', 'POST /v1/statuses'])
      expect([route, routes.find((r) => r.route === route)!.op.requestBody]).toEqual([route, expect.anything()]);
  });
});

describe('mutual TLS', () => {
  it('with LT_CONNECTOR_TLS_DIR only clients with a certificate from its CA get through', async () => {
    const tlsDir = join(dir, 'tls');
    const otherDir = join(dir, 'tls-other');
    makeCertificates(tlsDir, { client: true });
    makeCertificates(otherDir, { client: true });
    const c = await start(A, { host: '127.0.0.1', tlsDir, stateDir: join(dir, 'connector', 'mtls') });
    try {
      expect(c.url).toMatch(/^https:/);
      const get = (client?: string) =>
        new Promise<number>((resolve, reject) => {
          const req = httpsRequest(`${c.url}/v1/inbox`, {
            ca: readFileSync(join(tlsDir, 'ca.pem')),
            ...(client ? { cert: readFileSync(join(client, 'client-cert.pem')), key: readFileSync(join(client, 'client-key.pem')) } : {}),
          });
          req.on('response', (res) => {
            res.resume();
            resolve(res.statusCode ?? 0);
          });
          req.on('error', reject);
          req.end();
        });
      expect(await get(tlsDir)).toBe(200);
      await expect(get()).rejects.toThrow();
      await expect(get(otherDir)).rejects.toThrow();
    } finally {
      await c.stop();
    }
  });
});

describe('nothing lost', () => {
  it('a message pending when the connector stops is still pending after it starts again; a second process on the folder is refused', async () => {
    const sent = await call(
      ca.url,
      'POST',
      '/v1/outbox',
      JSON.stringify({ to: [B], body: { code: { codeNumber: '9', codeNotation: 'UBND-VP' }, subject: 'trước khi dừng' } }),
      { 'content-type': 'application/json' },
    );
    await pendingItem(cb, (i) => i.id === sent.body.id);
    await expect(start(B)).rejects.toThrow(/lock|in use|another/i);
    await cb.stop();
    cb = await start(B, { webhookUrl: receiver.url });
    expect(await pendingItem(cb, (i) => i.id === sent.body.id)).toMatchObject({ subject: 'trước khi dừng' });
  });
});
