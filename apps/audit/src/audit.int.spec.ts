import { randomBytes, verify as cryptoVerify, createPublicKey } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import {
  AUDIT_RPC,
  HEADERS,
  HUB_KEYS_KV_KEY,
  bundleLine,
  topology,
  uuidv7,
  validateEnvelope,
  type AgencyReport,
  type BundleHeader,
  type CheckpointResponse,
  type Envelope,
  type ReceiptBody,
  type ReceiptItem,
  type Topology,
} from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { JetStreamPublisher, RpcClient, connectNats, destroyTopology, ensureTopology, type NatsConnection } from '@lt/messaging';
import { createLogger, newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { AgencyDirectory, verifyInbound } from '@lt/sdk';
import { verifyBundleFile, verifyConsistencyProof, verifyInclusionProof, verifyReceipt } from '@lt/audit-log';
import { createAuditService, type AuditService } from './index';
import { fakeJws, hubEvent, inboxHeaders, type CopySpec } from './testing/fixtures';

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.30.H41';
const D = '000.01.30.H41';

let db: TestDatabase;
let nc: NatsConnection;
let topo: Topology;
let publisher: JetStreamPublisher;
// separate keys, as in production: checkpoints with the checkpoint key, receipts with the envelope key
let checkpointKey: KeyFile;
let receiptKey: KeyFile;
let dir: string;
const log = createLogger('audit-test', process.env.AUDIT_TEST_LOG ?? 'silent');
jest.setTimeout(60_000);
const services: AuditService[] = [];

function newService(options: Record<string, unknown> = {}): AuditService {
  const s = createAuditService({
    nc,
    ds: db.ds,
    ns: topo.ns,
    log,
    checkpointKey,
    receiptKey,
    // small receipt windows and chunks, so that the few entries here span several of each
    options: {
      checkpointEvery: 40,
      checkpointIntervalMs: 200,
      verifyIntervalMs: 0,
      standbyRetryMs: 200,
      receipts: true,
      receiptBatch: 16,
      receiptMaxItems: 7,
      ...options,
    },
  });
  services.push(s);
  return s;
}

async function waitFor<T>(what: string, fn: () => Promise<T | null | undefined | false>, timeoutMs = 20_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function entryCount(): Promise<number> {
  const [{ n }] = await db.ds.query('SELECT count(*)::int AS n FROM audit_entries');
  return n;
}

async function waitForEntries(n: number): Promise<void> {
  await waitFor(`${n} entries`, async () => (await entryCount()) >= n);
}

function publishCopy(spec: CopySpec): Promise<unknown> {
  const data = fakeJws(spec);
  return publisher.publish(topo.inboxSubject(spec.to), data, `${spec.envelopeId}:${spec.to}`, inboxHeaders(spec, data));
}

function publishEventOf(type: Parameters<typeof hubEvent>[0], p: Parameters<typeof hubEvent>[1] = {}): Promise<unknown> {
  return publisher.publishEvent(hubEvent(type, p));
}

/** A document from A to B and C, and statuses back. */
async function publishDocumentFlow(): Promise<{ docId: string; count: number }> {
  const docId = uuidv7();
  const t0 = Date.now();
  const iso = (ms: number) => new Date(t0 + ms).toISOString();
  await publishCopy({ envelopeId: docId, from: A, to: B, routedAt: iso(10), issuedAt: iso(0), copies: 2 });
  await publishCopy({ envelopeId: docId, from: A, to: C, routedAt: iso(11), issuedAt: iso(0), copies: 2, forwardedFrom: D });
  await publishCopy({ envelopeId: uuidv7(), from: B, to: A, statusCode: '01', responseFor: docId, routedAt: iso(500) });
  await publishCopy({ envelopeId: uuidv7(), from: B, to: A, statusCode: '03', responseFor: docId, routedAt: iso(900) });
  return { docId, count: 4 };
}

interface StoredReceipt {
  seq: number;
  subject: string;
  msgId: string;
  itemsHeader: string | undefined;
  headers: Record<string, string>;
  data: Uint8Array;
  env: Envelope<ReceiptBody>;
  jws: { protected: string; payload: string; signature: string };
}

/** Every receipt in the inbox stream (all inboxes), in stream order, bodies validated. */
async function readReceipts(): Promise<StoredReceipt[]> {
  const jsm = await jetstreamManager(nc);
  const last = (await jsm.streams.info(topo.streams.inbox)).state.last_seq;
  const consumer = await jetstream(nc).consumers.get(topo.streams.inbox);
  const out: StoredReceipt[] = [];
  const messages = await consumer.consume({ max_messages: 1000 });
  for await (const m of messages) {
    if (m.headers?.get(HEADERS.kind) === 'receipt') {
      const jws = JSON.parse(new TextDecoder().decode(m.data));
      const env = validateEnvelope(JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'))) as Envelope<ReceiptBody>;
      const headers: Record<string, string> = {};
      for (const [k, v] of m.headers) headers[k] = v[0] ?? '';
      out.push({
        seq: m.seq,
        subject: m.subject,
        msgId: m.headers.get(HEADERS.msgId),
        itemsHeader: m.headers.get(HEADERS.receiptItems),
        headers,
        data: m.data.slice(),
        env,
        jws,
      });
    }
    if (m.seq >= last) break;
  }
  await messages.close();
  return out;
}

const itemsOf = (receipts: StoredReceipt[]): Array<ReceiptItem & { sendTo: string }> =>
  receipts.flatMap((r) => r.env.body.items.map((i) => ({ ...i, sendTo: r.env.to[0] as string })));

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'audit-int-test');
  topo = topology(`t${randomBytes(4).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  publisher = new JetStreamPublisher(nc, topo);
  checkpointKey = newEd25519KeyFile('checkpoint-test');
  receiptKey = newEd25519KeyFile('envelope-test');
  dir = mkdtempSync(join(tmpdir(), 'lt-audit-'));
});

afterAll(async () => {
  for (const s of services) await s.stop().catch(() => undefined);
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc.drain();
  await db.drop();
  rmSync(dir, { recursive: true, force: true });
});

describe('audit service (real PostgreSQL and NATS)', () => {
  let svc: AuditService;
  let total = 0;
  let flow: { docId: string; count: number };

  it('logs every event and every inbox copy exactly once', async () => {
    svc = newService();
    await svc.start();
    expect(svc.isWriter).toBe(true);
    await publishEventOf('registry.agency.created', { source: 'registry', agencies: [B], data: { agency: { code: B, tier: 'province' } } });
    await publishEventOf('registry.agency.created', { source: 'registry', agencies: [C], data: { agency: { code: C, tier: 'district' } } });
    for (let i = 0; i < 30; i++)
      await publishEventOf('msg.rejected', { agencies: [A], data: { reasonCode: 'BAD_SIGNATURE', reason: 'x', digest: 'd', bounced: true, submitSeq: i } });
    for (let i = 0; i < 60; i++) await publishCopy({ envelopeId: uuidv7(), from: A, to: i % 2 ? B : C });
    flow = await publishDocumentFlow();
    total = 2 + 30 + 60 + flow.count;
    await waitForEntries(total);
    const dupes = await db.ds.query('SELECT entry_id FROM audit_entries GROUP BY entry_id HAVING count(*) > 1');
    expect(dupes).toEqual([]);
    const seqs: Array<{ seq: string }> = await db.ds.query('SELECT seq FROM audit_entries ORDER BY seq');
    expect(seqs.map((r) => Number(r.seq))).toEqual([...Array(total).keys()]);
    expect(await svc.treeSize()).toBe(total);
  });

  it('absorbs a full redelivery of both streams (consumers reset) without doubling anything', async () => {
    await svc.stop();
    const jsm = await jetstreamManager(nc);
    await jsm.consumers.delete(topo.streams.events, topo.consumers.audit);
    await jsm.consumers.delete(topo.streams.inbox, topo.consumers.auditInbox);
    svc = newService();
    await svc.start();
    // wait until the new consumers have delivered everything again
    await waitFor('redelivery', async () => {
      const e = await jsm.consumers.info(topo.streams.events, topo.consumers.audit);
      const i = await jsm.consumers.info(topo.streams.inbox, topo.consumers.auditInbox);
      return e.num_pending === 0 && e.num_ack_pending === 0 && i.num_pending === 0 && i.num_ack_pending === 0;
    });
    expect(await entryCount()).toBe(total);
    // writer-level dedup too: the same draft twice is absorbed
    const id = uuidv7();
    const draft = { source: 'event' as const, id, type: 'msg.flagged', messageId: null, agencies: [A], at: new Date().toISOString(), body: { x: 1 } };
    const [first] = await svc.append([draft]);
    const [second, third] = await svc.append([draft, draft]);
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ seq: first.seq, duplicate: true });
    expect(third).toEqual({ seq: first.seq, duplicate: true });
    total += 1;
    expect(await entryCount()).toBe(total);
  });

  it('catches up from JetStream after being stopped while documents flow', async () => {
    await svc.stop();
    for (let i = 0; i < 50; i++) await publishCopy({ envelopeId: uuidv7(), from: B, to: A });
    for (let i = 0; i < 10; i++) await publishEventOf('msg.replayed', { agencies: [B], data: { n: i } });
    expect(await entryCount()).toBe(total);
    svc = newService();
    await svc.start();
    total += 60;
    await waitForEntries(total);
    await new Promise((r) => setTimeout(r, 300));
    expect(await entryCount()).toBe(total);
    const [{ ids }] = await db.ds.query('SELECT count(DISTINCT entry_id)::int AS ids FROM audit_entries');
    expect(ids).toBe(total);
  });

  it('signs checkpoints as C2SP notes and serves them over request-reply', async () => {
    const cp = await svc.cutCheckpoint();
    expect(cp?.treeSize).toBe(total);
    const rpc = new RpcClient(nc);
    const res = await rpc.call<CheckpointResponse>(topo.rpcSubject('audit', AUDIT_RPC.checkpoint));
    expect(res.treeSize).toBe(total);
    expect(res.checkpoint.startsWith(`lienthong.gov.vn/audit\n${total}\n${res.rootHash}\n\n\u2014 lienthong.gov.vn/audit `)).toBe(true);
    expect(res.vkey.startsWith('lienthong.gov.vn/audit+')).toBe(true);
    const [{ n }] = await db.ds.query('SELECT count(*)::int AS n FROM audit_checkpoints');
    expect(n).toBeGreaterThanOrEqual(2);
  });

  it('proves inclusion of any entry and consistency between two checkpoints', async () => {
    const cp = await svc.checkpoint();
    for (const seq of [0, 1, 17, total - 1]) {
      const proof = await svc.proveInclusion({ seq });
      expect(proof.treeSize).toBe(cp.treeSize);
      expect(verifyInclusionProof(proof, cp.vkey).treeSize).toBe(cp.treeSize);
    }
    const first: Array<{ tree_size: string }> = await db.ds.query('SELECT tree_size FROM audit_checkpoints ORDER BY tree_size LIMIT 1');
    const c = await svc.proveConsistency({ from: Number(first[0].tree_size), to: cp.treeSize });
    expect(() => verifyConsistencyProof(c, cp.vkey)).not.toThrow();
    // a proof for a wrong leaf does not verify
    const p = await svc.proveInclusion({ seq: 5 });
    expect(() => verifyInclusionProof({ ...p, seq: 6, entry: { ...p.entry, seq: 6 } }, cp.vkey)).toThrow();
  });

  it('traces a document: deliveries (successor forwarding included), statuses and durations', async () => {
    const t = await svc.trace(flow.docId);
    expect(t.from).toBe(A);
    expect(t.copies).toBe(2);
    expect(t.msToRoute).toBe(10);
    expect(t.recipients.map((r) => r.code)).toEqual([B, C]);
    const b = t.recipients[0];
    expect(b.statuses.map((s) => s.code)).toEqual(['01', '03']);
    expect(b.msTo01).toBe(490);
    expect(b.msTo03).toBe(890);
    expect(t.recipients[1].forwardedFrom).toBe(D);
    expect(t.recipients[1].msTo01).toBeNull();
    expect(t.timeline).toHaveLength(4);
    await expect(svc.trace(uuidv7())).rejects.toMatchObject({ code: 'UNKNOWN_MESSAGE' });
  });

  it('reports an agency: sent, received, confirmed the same day, medians, per tier', async () => {
    const r = await svc.agencyReport({ code: A, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() });
    // A sent 60 synthetic copies + 2 copies of the flow document
    expect(r.sent.copies).toBe(62);
    expect(r.sent.documents).toBe(61);
    expect(r.sent.arrived).toBe(1);
    expect(r.sent.confirmedSameDay).toBe(1);
    expect(r.sent.medianMsTo01).toBe(490);
    expect(r.sent.byRecipientTier.province.copies).toBe(31);
    expect(r.sent.byRecipientTier.district.copies).toBe(31);
    expect(r.received.copies).toBe(50);
    expect(r.rejectedByHub).toBe(30);
  });

  it('sends each sender signed receipts listing its deliveries, one item per copy, that verify against a later checkpoint', async () => {
    // hub-signed copies (a refusal, a dossier notice) are logged but earn no receipt
    const refusal = uuidv7();
    const notice = uuidv7();
    await publishCopy({ envelopeId: refusal, from: '000.00.00.G22', to: A, statusCode: '02', responseFor: flow.docId, hubSigned: true });
    await publishCopy({ envelopeId: notice, from: '000.00.00.G22', to: B, kind: 'dossier', hubSigned: true });
    total += 2;
    await waitForEntries(total);
    await svc.cutCheckpoint();
    await svc.receiptsIdle();
    const [{ sent_upto }] = await db.ds.query('SELECT sent_upto FROM audit_receipt_cursor');
    expect(Number(sent_upto)).toBe(total);

    const receipts = await readReceipts();
    const items = itemsOf(receipts);
    // one item per delivered copy (60 from A, the flow's 2, 50 from B) and per 01 (the flow's), none twice
    expect(items.filter((i) => i.event === 'delivered')).toHaveLength(112);
    expect(items.filter((i) => i.event === 'arrived')).toHaveLength(1);
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
    expect(new Set(items.map((i) => `${i.messageId}:${i.recipient}:${i.event}`)).size).toBe(items.length);
    expect(items.filter((i) => i.messageId === refusal || i.messageId === notice)).toEqual([]);
    // grouped by sender: each receipt goes to the sender's inbox only, and lists at most 7 items
    expect(items.filter((i) => i.sendTo === A)).toHaveLength(63);
    expect(items.filter((i) => i.sendTo === B)).toHaveLength(50);
    expect(receipts.length).toBeLessThan(items.length / 3);
    for (const r of receipts) {
      expect(r.subject).toBe(topo.inboxSubject(r.env.to[0] as string));
      expect(r.env.to).toHaveLength(1);
      expect(r.msgId).toBe(`${r.env.id}:${r.env.to[0]}`);
      expect(r.itemsHeader).toBe(String(r.env.body.items.length));
      expect(r.env.body.items.length).toBeLessThanOrEqual(7);
      const size = Number(r.env.body.checkpoint.split('\n')[1]);
      for (const i of r.env.body.items) expect(i.seq).toBeLessThan(size);
    }
    expect(receipts.some((r) => r.env.body.items.length === 7)).toBe(true);

    const flowItems = items.filter((i) => i.messageId === flow.docId);
    expect(flowItems.map((i) => `${i.event}:${i.recipient}:${i.sendTo}`).sort()).toEqual([`arrived:${B}:${A}`, `delivered:${B}:${A}`, `delivered:${C}:${A}`]);
    const hubPublic = createPublicKey({ key: receiptKey.publicJwk as never, format: 'jwk' });
    // what an agency's SDK does on arrival: the hub signature (hub key from KV) and the body
    const dir = new AgencyDirectory();
    dir.apply(HUB_KEYS_KV_KEY, { keys: [{ kid: `hub#${receiptKey.keyId}`, alg: receiptKey.alg, publicJwk: receiptKey.publicJwk, purpose: 'envelope' }] });
    for (const r of receipts) {
      expect(cryptoVerify(null, Buffer.from(`${r.jws.protected}.${r.jws.payload}`), hubPublic, Buffer.from(r.jws.signature, 'base64url'))).toBe(true);
      const v = verifyInbound(r.data, dir, r.headers);
      expect(v).toMatchObject({ hubSigned: true, signer: 'hub', envelope: { kind: 'receipt', id: r.env.id } });
    }

    // later: more entries, a newer checkpoint; the receipt still proves each delivery it lists
    for (let i = 0; i < 5; i++) await publishCopy({ envelopeId: uuidv7(), from: C, to: B });
    total += 5;
    await waitForEntries(total);
    const later = await svc.cutCheckpoint();
    const withFlow = receipts.find((r) => r.env.body.items.some((i) => i.messageId === flow.docId))!.env.body;
    const index = withFlow.items.findIndex((i) => i.messageId === flow.docId);
    const item = withFlow.items[index]!;
    const receiptSize = Number(withFlow.checkpoint.split('\n')[1]);
    expect(later!.treeSize).toBeGreaterThan(receiptSize);
    const inclusion = await svc.proveInclusion({ seq: item.seq, treeSize: later!.treeSize });
    const consistency = await svc.proveConsistency({ from: receiptSize, to: later!.treeSize });
    const { vkey } = await svc.checkpoint();
    expect(() => verifyReceipt(withFlow, item, inclusion, vkey, consistency)).not.toThrow();
    expect(() => verifyReceipt(withFlow, index, inclusion, vkey, consistency)).not.toThrow();
    expect(() => verifyReceipt(withFlow, { ...item, leafHash: inclusion.proof[0]! }, inclusion, vkey, consistency)).toThrow(/does not list/);
    const forged = { ...withFlow, items: withFlow.items.map((i, n) => (n === index ? { ...i, leafHash: inclusion.proof[0]! } : i)) };
    expect(() => verifyReceipt(forged, index, inclusion, vkey, consistency)).toThrow(/leaf hash/);
    expect(() => verifyReceipt(withFlow, withFlow.items.length, inclusion, vkey, consistency)).toThrow(/no item/);
  });

  it('after a restart with the receipt cursor at an earlier window end, re-sends the same receipts (deduplicated, nothing lost or doubled)', async () => {
    await svc.cutCheckpoint();
    await svc.receiptsIdle();
    const before = await readReceipts();
    const sizes: number[] = (await db.ds.query('SELECT tree_size FROM audit_checkpoints ORDER BY tree_size')).map((r: { tree_size: string }) =>
      Number(r.tree_size),
    );
    // a window end inside a checkpoint range (windows of 16 start at each range's start), else a range end
    let cursor = sizes[0]!;
    for (let k = 0; k + 1 < sizes.length; k++) {
      if (sizes[k + 1]! - sizes[k]! > 16) {
        cursor = sizes[k]! + 16;
        break;
      }
    }
    expect(cursor).toBeLessThan(sizes[sizes.length - 1]!);
    await svc.stop();
    await db.ds.query('UPDATE audit_receipt_cursor SET sent_upto = $1 WHERE id = 1', [cursor]);
    svc = newService();
    await svc.start();
    await svc.receiptsIdle();
    const [{ sent_upto }] = await db.ds.query('SELECT sent_upto FROM audit_receipt_cursor');
    expect(Number(sent_upto)).toBe(sizes[sizes.length - 1]);
    const after = await readReceipts();
    expect(after.map((r) => [r.seq, r.msgId, r.env.body])).toEqual(before.map((r) => [r.seq, r.msgId, r.env.body]));
    const items = itemsOf(after);
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
  });

  it('keeps a second replica as a standby that takes over when the writer stops', async () => {
    const standby = newService();
    await standby.start();
    expect(standby.isWriter).toBe(false);
    expect((await standby.checkpoint()).treeSize).toBeGreaterThan(0);
    await svc.stop();
    await waitFor('standby takes over', async () => standby.isWriter);
    await publishCopy({ envelopeId: uuidv7(), from: A, to: B });
    total += 1;
    await waitForEntries(total);
    svc = standby;
  });

  it('exports a bundle that verifies offline, and names the first bad entry of a doctored bundle', async () => {
    const file = join(dir, 'bundle.jsonl');
    const header: BundleHeader = await svc.exportBegin({});
    const lines = [JSON.stringify(header)];
    for (let from: number | null = header.startSize; from !== null;) {
      const page = await svc.exportEntries({ fromSeq: from, toSeq: header.endSize, limit: 37 });
      for (const e of page.entries) lines.push(bundleLine(e));
      from = page.nextSeq;
    }
    writeFileSync(file, lines.join('\n') + '\n');
    const ok = await verifyBundleFile(file, { vkey: svc.keys.vkey });
    expect(ok).toMatchObject({ ok: true, entriesChecked: header.endSize, firstProblem: null });
    expect(ok.checkpointsChecked).toBe(header.checkpoints.length);

    // doctor entry 12's body
    const doctored = [...lines];
    const e12 = JSON.parse(doctored[13]);
    expect(e12.entry.seq).toBe(12);
    e12.entry.agencies = ['000.00.99.H41'];
    doctored[13] = JSON.stringify(e12);
    writeFileSync(file, doctored.join('\n') + '\n');
    const bad = await verifyBundleFile(file, { vkey: svc.keys.vkey });
    expect(bad.ok).toBe(false);
    expect(bad.firstProblem).toMatchObject({ seq: 12, reason: 'entry_altered' });

    // drop entry 20
    writeFileSync(file, lines.filter((_, i) => i !== 21).join('\n') + '\n');
    expect((await verifyBundleFile(file, { vkey: svc.keys.vkey })).firstProblem).toMatchObject({ seq: 20, reason: 'entry_missing' });

    // a bundle signed by another key is refused
    const other = newEd25519KeyFile('other');
    const { logKeysFromHubKey } = await import('./checkpoint/log-keys');
    writeFileSync(file, lines.join('\n') + '\n');
    expect((await verifyBundleFile(file, { vkey: logKeysFromHubKey(other, 'lienthong.gov.vn/audit').vkey })).firstProblem?.reason).toBe('checkpoint_signature');
    expect(readFileSync(file, 'utf8').length).toBeGreaterThan(0);
  });

  it('answers every AUDIT_RPC method over request-reply as it answers in process; refusals keep their codes', async () => {
    const rpc = new RpcClient(nc);
    const call = <T>(method: string, payload?: unknown) => rpc.call<T>(topo.rpcSubject('audit', method), payload);
    const cp = await svc.checkpoint();
    expect(await call(AUDIT_RPC.checkpoint)).toEqual(cp);
    expect(await call(AUDIT_RPC.inclusionProof, { seq: 3, treeSize: cp.treeSize })).toEqual(await svc.proveInclusion({ seq: 3, treeSize: cp.treeSize }));
    expect(await call(AUDIT_RPC.consistencyProof, { from: 1, to: cp.treeSize })).toEqual(await svc.proveConsistency({ from: 1, to: cp.treeSize }));
    expect(await call(AUDIT_RPC.trace, { messageId: flow.docId })).toEqual(await svc.trace(flow.docId));
    const period = { code: A, from: new Date(Date.now() - 3_600_000).toISOString(), to: new Date(Date.now() + 3_600_000).toISOString() };
    const report = await call<AgencyReport>(AUDIT_RPC.agencyReport, period);
    expect({ ...report, generatedAt: '' }).toEqual({ ...(await svc.agencyReport(period)), generatedAt: '' });
    // no payload at all: the whole log
    const header = await call<BundleHeader>(AUDIT_RPC.exportBegin);
    expect({ ...header, exportedAt: '' }).toEqual({ ...(await svc.exportBegin({})), exportedAt: '' });
    const page = { fromSeq: 0, toSeq: header.endSize, limit: 10 };
    expect(await call(AUDIT_RPC.exportEntries, page)).toEqual(await svc.exportEntries(page));
    expect(await call(AUDIT_RPC.verify)).toMatchObject({ ok: true, fromSeq: 0, toSeq: await svc.treeSize(), firstProblem: null });

    await expect(call(AUDIT_RPC.trace, {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'messageId' } });
    await expect(call(AUDIT_RPC.trace, { messageId: uuidv7() })).rejects.toMatchObject({ code: 'UNKNOWN_MESSAGE' });
    await expect(call(AUDIT_RPC.inclusionProof, { seq: 1_000_000 })).rejects.toMatchObject({ code: 'NOT_FOUND', details: { seq: 1_000_000 } });
    await expect(call(AUDIT_RPC.consistencyProof)).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'from' } });
    await expect(call(AUDIT_RPC.agencyReport, { code: 'nope' })).rejects.toMatchObject({ code: 'INVALID_AGENCY_CODE' });
    await expect(call(AUDIT_RPC.exportEntries, {})).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'fromSeq' } });
    await expect(call(AUDIT_RPC.verify, { fromSeq: -1 })).rejects.toMatchObject({ code: 'VALIDATION_FAILED', details: { field: 'fromSeq' } });
  });

  it('refuses UPDATE, DELETE and TRUNCATE; a superuser who disables the triggers is caught naming the position', async () => {
    await expect(db.ds.query("UPDATE audit_entries SET type = 'x' WHERE seq = 3")).rejects.toThrow(/append-only/);
    await expect(db.ds.query('DELETE FROM audit_entries WHERE seq = 3')).rejects.toThrow(/append-only/);
    await expect(db.ds.query('TRUNCATE audit_entries')).rejects.toThrow(/append-only/);
    await expect(db.ds.query('DELETE FROM audit_hashes WHERE seq = 3')).rejects.toThrow(/append-only/);
    expect((await svc.verify()).ok).toBe(true);

    await svc.stop();
    const qr = db.ds.createQueryRunner();
    await qr.connect();
    try {
      await qr.query('SET session_replication_role = replica');
      await qr.query(`UPDATE audit_entries SET body = regexp_replace(body, '}$', ',"forged":true}') WHERE seq = 25`);
      await qr.query('DELETE FROM audit_entries WHERE seq = 40');
    } finally {
      await qr.query('SET session_replication_role = origin');
      await qr.release();
    }
    const report = await svc.verify();
    expect(report.ok).toBe(false);
    expect(report.firstProblem).toMatchObject({ seq: 25, reason: 'entry_altered' });
    expect((await svc.verify({ fromSeq: 26 })).firstProblem).toMatchObject({ seq: 40, reason: 'entry_missing' });

    // the same tampering, seen offline through an export
    const header = await svc.exportBegin({ fromSeq: 0 });
    const lines = [JSON.stringify(header)];
    for (let from: number | null = 0; from !== null;) {
      const page = await svc.exportEntries({ fromSeq: from, toSeq: header.endSize });
      for (const e of page.entries) lines.push(bundleLine(e));
      from = page.nextSeq;
    }
    const file = join(dir, 'tampered.jsonl');
    writeFileSync(file, lines.join('\n') + '\n');
    expect((await verifyBundleFile(file, { vkey: svc.keys.vkey })).firstProblem).toMatchObject({ seq: 25, reason: 'entry_altered' });

    // an interior stored hash rewritten: proofs through it stop verifying, verify names the record
    const qr2 = db.ds.createQueryRunner();
    await qr2.connect();
    try {
      await qr2.query('ALTER TABLE audit_hashes DISABLE TRIGGER audit_hashes_append_only');
      await qr2.query(`UPDATE audit_hashes SET hashes = overlay(hashes placing '\\x00000000'::bytea from 40 for 4) WHERE seq = 7`);
      await qr2.query('ALTER TABLE audit_hashes ENABLE TRIGGER audit_hashes_append_only');
    } finally {
      await qr2.release();
    }
    expect((await svc.verify({ toSeq: 20 })).firstProblem).toMatchObject({ seq: 7, reason: 'stored_hash_altered' });
    await expect(svc.proveInclusion({ seq: 4 })).rejects.toMatchObject({ code: 'INTERNAL' });
  });
});
