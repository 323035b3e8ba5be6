import { execFile } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { jetstream, jetstreamManager, type JsMsg } from '@nats-io/jetstream';
import {
  AUDIT_RPC,
  HEADERS,
  bundleLine,
  type BundleHeader,
  type CheckpointResponse,
  type ExportEntriesResponse,
  type HubEvent,
  type ReceiptBody,
  type Topology,
  type VerifyReport,
} from '@lt/contracts';
import { RpcClient, type NatsConnection } from '@lt/messaging';
import { ROOT } from '../../support/hub-harness';
import { say } from './progress';

/** JetStream API calls against a server busy with a fault run can take seconds. */
const ADMIN_TIMEOUT_MS = 30_000;

export function headersOf(m: JsMsg): Record<string, string> {
  const out: Record<string, string> = {};
  if (m.headers) for (const [k, v] of m.headers) out[k] = v[0] ?? '';
  return out;
}

/** Reads a whole stream from its first message with an ordered consumer, in sequence order. */
export async function readStream(nc: NatsConnection, stream: string, onMsg: (m: JsMsg) => void): Promise<number> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const info = await jsm.streams.info(stream);
  if (info.state.messages === 0) return 0;
  const last = info.state.last_seq;
  const consumer = await jetstream(nc, { timeout: ADMIN_TIMEOUT_MS }).consumers.get(stream);
  const messages = await consumer.consume({ max_messages: 2_000 });
  let n = 0;
  for await (const m of messages) {
    onMsg(m);
    n++;
    if (m.seq >= last || m.info.pending === 0) break;
  }
  await messages.close();
  return n;
}

export interface CopyRecord {
  seq: number;
  msgId: string;
  from: string;
}

/** Everything in the inbox stream, indexed for the loss / duplicate checks. */
export interface InboxIndex {
  total: number;
  /** agency-signed document copies by `<envelope id>:<recipient>` */
  documentCopies: Map<string, CopyRecord[]>;
  /** Nats-Msg-Id -> stream sequences (JetStream dedup keeps this at one each) */
  msgIds: Map<string, number[]>;
  /** hub receipt items by `<document id>:<recipient it is about>` -> the inbox their receipt was put in */
  receipts: Map<string, Array<{ seq: number; sendTo: string; event: string }>>;
  /** receipt items by audit log seq -> the inbox sequences of the receipts listing it (one each, or an item was doubled) */
  receiptItemSeqs: Map<number, number[]>;
  /** receipt envelopes (each lists many items) */
  receiptMessages: number;
  /** hub-signed copies that are not receipts (refusals 02, notices) */
  hubOther: Array<{ seq: number; headers: Record<string, string> }>;
  /** agency-signed copies that are not documents (statuses, recalls) */
  otherKinds: Map<string, number>;
  /** copies whose Lt-To does not match the subject they were stored under */
  misaddressed: number[];
  /** messages per inbox subject (agency tokens) */
  perSubject: Map<string, number>;
}

export async function indexInbox(nc: NatsConnection, topo: Topology): Promise<InboxIndex> {
  const idx: InboxIndex = {
    total: 0,
    documentCopies: new Map(),
    msgIds: new Map(),
    receipts: new Map(),
    receiptItemSeqs: new Map(),
    receiptMessages: 0,
    hubOther: [],
    otherKinds: new Map(),
    misaddressed: [],
    perSubject: new Map(),
  };
  const push = <K, V>(map: Map<K, V[]>, k: K, v: V) => {
    const l = map.get(k);
    if (l) l.push(v);
    else map.set(k, [v]);
  };
  const started = Date.now();
  idx.total = await readStream(nc, topo.streams.inbox, (m) => {
    const h = headersOf(m);
    const msgId = h[HEADERS.msgId] ?? '';
    push(idx.msgIds, msgId, m.seq);
    idx.perSubject.set(m.subject, (idx.perSubject.get(m.subject) ?? 0) + 1);
    const to = h[HEADERS.to] ?? '';
    if (m.subject !== topo.inboxSubject(to)) idx.misaddressed.push(m.seq);
    if (h[HEADERS.hubSigned] === '1') {
      if (h[HEADERS.kind] === 'receipt') {
        const jws = JSON.parse(Buffer.from(m.data).toString('utf8')) as { payload: string };
        const env = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { body: ReceiptBody };
        idx.receiptMessages++;
        for (const item of env.body.items) {
          push(idx.receipts, `${item.messageId}:${item.recipient}`, { seq: m.seq, sendTo: to, event: item.event });
          push(idx.receiptItemSeqs, item.seq, m.seq);
        }
      } else {
        idx.hubOther.push({ seq: m.seq, headers: h });
      }
      return;
    }
    const kind = h[HEADERS.kind] ?? '?';
    if (kind !== 'document') {
      idx.otherKinds.set(kind, (idx.otherKinds.get(kind) ?? 0) + 1);
      return;
    }
    push(idx.documentCopies, `${h[HEADERS.envelopeId]}:${to}`, { seq: m.seq, msgId, from: h[HEADERS.from] ?? '' });
  });
  say(`read ${idx.total} inbox messages in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return idx;
}

export interface EventRecord {
  seq: number;
  msgId: string;
  event: HubEvent;
}

export async function readEvents(nc: NatsConnection, topo: Topology): Promise<EventRecord[]> {
  const out: EventRecord[] = [];
  await readStream(nc, topo.streams.events, (m) => out.push({ seq: m.seq, msgId: headersOf(m)[HEADERS.msgId] ?? '', event: m.json<HubEvent>() }));
  return out;
}

export interface LossReport {
  expected: number;
  delivered: number;
  missing: string[];
  /** keys stored more than once, with their inbox sequences */
  duplicated: Array<{ key: string; seqs: number[] }>;
  unexpected: string[];
  /** Nats-Msg-Ids held by more than one message */
  duplicateMsgIds: Array<{ msgId: string; seqs: number[] }>;
}

/** Compares what was published (`<id>:<recipient>` keys) with the copies in the inbox stream. */
export function lossReport(expected: ReadonlySet<string>, idx: InboxIndex): LossReport {
  const missing: string[] = [];
  for (const k of expected) if (!idx.documentCopies.has(k)) missing.push(k);
  const duplicated: LossReport['duplicated'] = [];
  const unexpected: string[] = [];
  for (const [k, copies] of idx.documentCopies) {
    if (copies.length > 1) duplicated.push({ key: k, seqs: copies.map((c) => c.seq) });
    if (!expected.has(k)) unexpected.push(k);
  }
  const duplicateMsgIds: LossReport['duplicateMsgIds'] = [];
  for (const [msgId, seqs] of idx.msgIds) if (seqs.length > 1) duplicateMsgIds.push({ msgId, seqs });
  return { expected: expected.size, delivered: idx.documentCopies.size, missing, duplicated, unexpected, duplicateMsgIds };
}

// ---------------------------------------------------------------- audit

export interface AuditState {
  treeSize: number;
  entryRows: number;
  ids: Set<string>;
}

export async function auditState(db: { query(sql: string): Promise<unknown> }): Promise<AuditState> {
  const ids = (await db.query('SELECT entry_id FROM audit_entry_ids')) as Array<{ entry_id: string }>;
  const [{ n }] = (await db.query('SELECT count(*)::bigint AS n FROM audit_entries')) as Array<{ n: string }>;
  const [{ m }] = (await db.query('SELECT max(seq) AS m FROM audit_hashes')) as Array<{ m: string | null }>;
  return { treeSize: m === null ? 0 : Number(m) + 1, entryRows: Number(n), ids: new Set(ids.map((r) => r.entry_id)) };
}

/** The audit log must hold exactly one entry per inbox copy (its own receipts excepted) and per event. */
export function auditCompleteness(
  state: AuditState,
  idx: InboxIndex,
  events: readonly EventRecord[],
): { expected: number; missing: string[]; extra: string[] } {
  const expected = new Set<string>();
  for (const copies of idx.documentCopies.values()) for (const c of copies) expected.add(c.msgId);
  for (const o of idx.hubOther) expected.add(o.headers[HEADERS.msgId] ?? `?${o.seq}`);
  for (const e of events) expected.add(e.event.id);
  const missing = [...expected].filter((id) => !state.ids.has(id));
  const extra = [...state.ids].filter((id) => !expected.has(id));
  return { expected: expected.size, missing, extra };
}

export async function auditConsumersIdle(nc: NatsConnection, topo: Topology): Promise<{ idle: boolean; pending: number }> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  let pending = 0;
  for (const [stream, durable] of [
    [topo.streams.events, topo.consumers.audit],
    [topo.streams.inbox, topo.consumers.auditInbox],
  ] as const) {
    const i = await jsm.consumers.info(stream, durable);
    pending += i.num_pending + i.num_ack_pending;
  }
  return { idle: pending === 0, pending };
}

/**
 * How far the audit's receipts went (its cursor) against the size of its log: caught up when
 * equal. Receipts are batched (one envelope lists many copies), so the inbox stream's message
 * count no longer says whether they are all out.
 */
export async function receiptBacklog(db: { query(sql: string): Promise<unknown> }): Promise<{ sentUpto: number; treeSize: number; caughtUp: boolean }> {
  const [r] = (await db.query(
    'SELECT (SELECT sent_upto FROM audit_receipt_cursor WHERE id = 1)::bigint AS sent, (SELECT coalesce(max(seq) + 1, 0) FROM audit_hashes)::bigint AS size',
  )) as Array<{ sent: string; size: string }>;
  const sentUpto = Number(r?.sent ?? 0);
  const treeSize = Number(r?.size ?? 0);
  return { sentUpto, treeSize, caughtUp: sentUpto >= treeSize };
}

export async function auditVerify(nc: NatsConnection, topo: Topology): Promise<VerifyReport> {
  return new RpcClient(nc, 600_000).call<VerifyReport>(topo.rpcSubject('audit', AUDIT_RPC.verify), {});
}

export async function auditCheckpoint(nc: NatsConnection, topo: Topology): Promise<CheckpointResponse> {
  return new RpcClient(nc, 60_000).call<CheckpointResponse>(topo.rpcSubject('audit', AUDIT_RPC.checkpoint), {});
}

/** Exports the whole log as a bundle through the audit's RPC (what `lienthong audit export` writes). */
export async function exportBundle(nc: NatsConnection, topo: Topology, file: string): Promise<{ header: BundleHeader; entries: number }> {
  const rpc = new RpcClient(nc, 120_000);
  const header = await rpc.call<BundleHeader>(topo.rpcSubject('audit', AUDIT_RPC.exportBegin), {});
  const out = createWriteStream(file, { encoding: 'utf8' });
  const write = async (line: string) => {
    if (!out.write(`${line}\n`)) await once(out, 'drain');
  };
  await write(JSON.stringify(header));
  let entries = 0;
  for (let from: number | null = header.startSize; from !== null && from < header.endSize;) {
    const page: ExportEntriesResponse = await rpc.call<ExportEntriesResponse>(topo.rpcSubject('audit', AUDIT_RPC.exportEntries), {
      fromSeq: from,
      toSeq: header.endSize,
      limit: 5_000,
    });
    for (const e of page.entries) await write(bundleLine(e));
    entries += page.entries.length;
    from = page.nextSeq;
  }
  out.end();
  await once(out, 'finish');
  return { header, entries };
}

/** `lienthong audit verify <bundle> --vkey <pinned key>` with the BUILT CLI; resolves with its output. */
export async function cliVerifyBundle(file: string, vkey: string): Promise<{ ok: boolean; output: string }> {
  const cli = join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js');
  try {
    const r = await promisify(execFile)(process.execPath, [cli, 'audit', 'verify', file, '--vkey', vkey], { maxBuffer: 16 * 1024 * 1024, timeout: 600_000 });
    return { ok: true, output: `${r.stdout}${r.stderr}`.trim() };
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    return { ok: false, output: `${e.stdout ?? ''}${e.stderr ?? ''}`.trim() || e.message };
  }
}

export async function streamState(nc: NatsConnection, stream: string): Promise<{ messages: number; lastSeq: number }> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const s = (await jsm.streams.info(stream)).state;
  return { messages: s.messages, lastSeq: s.last_seq };
}

export interface ConsumerBacklog {
  pending: number;
  ackPending: number;
  waiting: number;
  /** stream sequence below which (inclusive) everything is acknowledged */
  ackFloor: number;
}

export async function consumerBacklog(nc: NatsConnection, stream: string, durable: string): Promise<ConsumerBacklog> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const i = await jsm.consumers.info(stream, durable);
  return { pending: i.num_pending, ackPending: i.num_ack_pending, waiting: i.num_waiting, ackFloor: i.ack_floor.stream_seq };
}

/**
 * True when the one unacknowledged entry of a work-queue consumer is a phantom: the message at
 * its ack floor + 1 is no longer in the stream (it was acked and removed, but a kill -9 of
 * nats-server 2.9 lost the consumer's record of that ack). The server can neither redeliver nor
 * forget such an entry, so the floor stays there; nothing is undelivered because of it.
 */
export async function phantomAtAckFloor(nc: NatsConnection, stream: string, b: ConsumerBacklog): Promise<boolean> {
  if (b.pending !== 0 || b.ackPending !== 1) return false;
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const m = await jsm.streams.getMessage(stream, { seq: b.ackFloor + 1 }).catch((err: Error) => {
    if (/no message found|not found/i.test(err.message)) return null;
    throw err;
  });
  return m === null;
}

/**
 * Messages still stored in a work-queue stream although its only consumer acknowledged them
 * (below its ack floor): orphans the server failed to remove. Found by asking for every sequence
 * of the stream's range (a work queue allows no second consumer to read them with).
 */
export async function storedMessages(nc: NatsConnection, stream: string): Promise<Array<{ seq: number; msgId: string; storedAt: string }>> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const { state } = await jsm.streams.info(stream);
  const found: Array<{ seq: number; msgId: string; storedAt: string }> = [];
  for (let from = state.first_seq; state.messages > 0 && from <= state.last_seq && found.length < state.messages; from += 500) {
    const batch: Promise<unknown>[] = [];
    for (let seq = from; seq < from + 500 && seq <= state.last_seq; seq++) {
      batch.push(
        jsm.streams.getMessage(stream, { seq }).then(
          (m) => m && found.push({ seq: m.seq, msgId: m.header?.get(HEADERS.msgId) ?? '', storedAt: m.time.toISOString() }),
          () => undefined,
        ),
      );
    }
    await Promise.all(batch);
  }
  return found.sort((a, b) => a.seq - b.seq);
}

/** Contiguous sequence ranges, for reports: `22810-23680 (871)`. */
export function seqRanges(seqs: readonly number[]): string[] {
  const out: string[] = [];
  let start = seqs[0];
  let prev = seqs[0];
  for (const s of [...seqs.slice(1), Number.NaN]) {
    if (s === prev! + 1) {
      prev = s;
      continue;
    }
    if (start !== undefined) out.push(start === prev ? `${start}` : `${start}-${prev} (${prev! - start + 1})`);
    start = s;
    prev = s;
  }
  return out;
}

/** Ack floor (stream sequence) of every durable consumer on the given streams, by `<stream>/<durable>`. */
export async function ackFloors(nc: NatsConnection, streams: readonly string[], timeoutMs = ADMIN_TIMEOUT_MS): Promise<Map<string, number>> {
  const jsm = await jetstreamManager(nc, { timeout: timeoutMs });
  const out = new Map<string, number>();
  for (const stream of streams) {
    for await (const c of jsm.consumers.list(stream)) if (c.config.durable_name) out.set(`${stream}/${c.name}`, c.ack_floor.stream_seq);
  }
  return out;
}
