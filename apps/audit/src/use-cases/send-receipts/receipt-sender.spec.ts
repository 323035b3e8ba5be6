import {
  HEADERS,
  inboxCopyHeaderRecord,
  topology,
  validateEnvelope,
  type Envelope,
  type InboxCopyHeaders,
  type ReceiptBody,
  type ReceiptItem,
} from '@lt/contracts';
import { HubSigner } from '@lt/crypto';
import type { JetStreamPublisher } from '@lt/messaging';
import { createLogger, newEd25519KeyFile } from '@lt/platform';
import { entryFromInboxCopy } from '../../domain/entry';
import { inboxMessage, type CopySpec } from '../../testing/fixtures';
import type { CheckpointRow, EntryRow } from '../../domain/stored-entry';
import type { AuditStore } from '../../ports';
import { ReceiptSender } from './receipt-sender';

/*
 * The sender's walk over the log, with the store and the inbox stream stood in by memory: the
 * stand-in stream deduplicates by Nats-Msg-Id as JetStream does, so a re-send after a restart
 * shows whether it would be absorbed (same id, same items) or lose / double items.
 */

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.30.H41';
const HUB = '000.00.00.G22';
const topo = topology('t');
const signer = new HubSigner(newEd25519KeyFile('hubtest'));
const log = createLogger('receipt-sender-test', 'silent');
const T0 = Date.parse('2026-11-22T08:00:00.000Z');
const id = (n: number) => `01935f6e-8a3b-7c2d-9e4f-${n.toString(16).padStart(12, '0')}`;

/** Log rows: deliveries among A, B, C, some 01 / 03 statuses, hub refusals, an event. */
function makeRows(from: number, to: number): EntryRow[] {
  const rows: EntryRow[] = [];
  for (let seq = from; seq < to; seq++) {
    const at = new Date(T0 + seq * 1000).toISOString();
    const senders = [A, B, C];
    const s = senders[seq % 3]!;
    const r = senders[(seq + 1) % 3]!;
    let spec: CopySpec;
    if (seq % 7 === 3) spec = { envelopeId: id(seq), from: r, to: s, statusCode: '01', responseFor: id(seq - 1) };
    else if (seq % 7 === 5) spec = { envelopeId: id(seq), from: r, to: s, statusCode: '03', responseFor: id(seq - 2) };
    else if (seq % 11 === 6) spec = { envelopeId: id(seq), from: HUB, to: s, statusCode: '02', responseFor: id(seq - 1), hubSigned: true };
    else spec = { envelopeId: id(seq), from: s, to: r };
    const d = entryFromInboxCopy(inboxMessage({ ...spec, routedAt: at }));
    rows.push({
      seq: String(seq),
      entry_id: d.id,
      source: seq % 13 === 12 ? 'event' : d.source,
      type: seq % 13 === 12 ? 'msg.flagged' : d.type,
      message_id: d.messageId,
      agencies: d.agencies,
      at: new Date(d.at),
      body: JSON.stringify(d.body),
      leaf_hash: Buffer.alloc(32, seq),
    });
  }
  return rows;
}

class FakeStore {
  sentUpto = 0;
  rows: EntryRow[] = [];
  checkpoints: CheckpointRow[] = [];
  async receiptCursor(): Promise<number> {
    return this.sentUpto;
  }
  async advanceReceiptCursor(upto: number): Promise<void> {
    this.sentUpto = Math.max(this.sentUpto, upto);
  }
  addCheckpoint(treeSize: number): CheckpointRow {
    const cp = {
      treeSize,
      rootHash: Buffer.alloc(32, treeSize),
      note: `lienthong.gov.vn/audit\n${treeSize}\nroot\n\n\u2014 sig\n`,
      createdAt: new Date().toISOString(),
    };
    this.checkpoints.push(cp);
    return cp;
  }
  async firstCheckpointAbove(size: number): Promise<CheckpointRow | null> {
    return this.checkpoints.filter((c) => c.treeSize > size).sort((a, b) => a.treeSize - b.treeSize)[0] ?? null;
  }
  async entryRows(lo: number, hi: number, types?: readonly string[]): Promise<EntryRow[]> {
    return this.rows.filter((r) => Number(r.seq) >= lo && Number(r.seq) < hi && (!types || types.includes(r.type)));
  }
}

interface Stored {
  subject: string;
  headers: Record<string, string>;
  receipt: Envelope<ReceiptBody>;
}

/** The inbox stream: JetStream keeps the first message of a Nats-Msg-Id. */
class FakeStream {
  readonly byMsgId = new Map<string, Stored>();
  published = 0;
  readonly publisher = {
    publishInboxCopy: async (subject: string, data: Uint8Array, msgId: string, copy: InboxCopyHeaders) => {
      this.published++;
      const headers = inboxCopyHeaderRecord(copy);
      const jws = JSON.parse(Buffer.from(data).toString('utf8')) as { payload: string };
      const receipt = validateEnvelope(JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8'))) as Envelope<ReceiptBody>;
      if (!this.byMsgId.has(msgId)) this.byMsgId.set(msgId, { subject, headers, receipt });
      return { seq: this.byMsgId.size, duplicate: false, stream: 'T_INBOX' };
    },
  };
  items(): Array<ReceiptItem & { sendTo: string; checkpoint: string }> {
    return [...this.byMsgId.values()].flatMap((s) =>
      s.receipt.body.items.map((i) => ({ ...i, sendTo: s.receipt.to[0] as string, checkpoint: s.receipt.body.checkpoint })),
    );
  }
  snapshot(): Array<[string, string, ReceiptBody]> {
    return [...this.byMsgId].map(([msgId, s]) => [msgId, s.receipt.id, s.receipt.body]);
  }
}

function newSender(store: FakeStore, stream: FakeStream, opts: { batch?: number; maxItems?: number } = {}): ReceiptSender {
  return new ReceiptSender(
    store as unknown as AuditStore,
    stream.publisher as unknown as JetStreamPublisher,
    topo,
    signer,
    { origin: 'lienthong.gov.vn/audit', hubAgency: HUB, kinds: ['document', 'dossier'], batch: opts.batch ?? 4, maxItems: opts.maxItems ?? 2 },
    { now: () => new Date() },
    log,
  );
}

async function run(sender: ReceiptSender, target: CheckpointRow): Promise<void> {
  sender.schedule(target);
  await sender.idle();
}

/** Items every entry below `size` earns: one per delivered copy of a document and per 01, none for refusals. */
function expectedItems(rows: EntryRow[], size: number): string[] {
  return rows
    .filter((r) => Number(r.seq) < size && r.source === 'inbox')
    .flatMap((r) => {
      const h = (JSON.parse(r.body) as { headers: Record<string, string> }).headers;
      if (h[HEADERS.hubSigned] === '1') return [];
      if (r.type === 'delivery.document') return [`${r.seq}:delivered:${h[HEADERS.from]}`];
      if (r.type === 'status.01') return [`${r.seq}:arrived:${h[HEADERS.to]}`];
      return [];
    });
}

function setup(): { store: FakeStore; stream: FakeStream } {
  const store = new FakeStore();
  store.rows = makeRows(0, 30);
  for (const size of [10, 25, 30]) store.addCheckpoint(size);
  return { store, stream: new FakeStream() };
}

describe('ReceiptSender', () => {
  it('sends one item per delivered copy and per 01 to the sender, none for refusals, each citing the first checkpoint above it', async () => {
    const { store, stream } = setup();
    await run(newSender(store, stream), store.checkpoints[2]!);
    expect(store.sentUpto).toBe(30);
    const items = stream.items();
    expect(items.map((i) => `${i.seq}:${i.event}:${i.sendTo}`).sort()).toEqual(expectedItems(store.rows, 30).sort());
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
    for (const i of items) expect(i.checkpoint.split('\n')[1]).toBe(String(i.seq < 10 ? 10 : i.seq < 25 ? 25 : 30));
    // a hub refusal is in the log but earns nothing
    expect(store.rows.some((r) => r.type === 'status.02')).toBe(true);
    expect(items.some((i) => store.rows[i.seq]!.type === 'status.02')).toBe(false);
  });

  it('lists many items per receipt: one per sender per window, chunked at maxItems, headers counting the items', async () => {
    const { store, stream } = setup();
    await run(newSender(store, stream, { batch: 100, maxItems: 3 }), store.checkpoints[2]!);
    const receipts = [...stream.byMsgId.values()];
    // windows are the checkpoint ranges [0,10) [10,25) [25,30): at most one short chunk per sender and range
    expect(receipts.length).toBeLessThan(stream.items().length);
    for (const s of receipts) {
      const r = s.receipt;
      expect(r.body.items.length).toBeGreaterThanOrEqual(1);
      expect(r.body.items.length).toBeLessThanOrEqual(3);
      expect(s.subject).toBe(topo.inboxSubject(r.to[0] as string));
      expect(s.headers).toMatchObject({
        [HEADERS.kind]: 'receipt',
        [HEADERS.hubSigned]: '1',
        [HEADERS.to]: r.to[0],
        [HEADERS.envelopeId]: r.id,
        [HEADERS.receiptItems]: String(r.body.items.length),
      });
      expect(s.headers[HEADERS.responseFor]).toBeUndefined();
      const seqs = r.body.items.map((i) => i.seq);
      expect(seqs).toEqual([...seqs].sort((a, b) => a - b));
    }
    const perSenderAndCheckpoint = new Map<string, number[]>();
    for (const s of receipts) {
      const k = `${s.receipt.to[0]}|${s.receipt.body.checkpoint}`;
      perSenderAndCheckpoint.set(k, [...(perSenderAndCheckpoint.get(k) ?? []), s.receipt.body.items.length]);
    }
    for (const sizes of perSenderAndCheckpoint.values()) expect(sizes.filter((n) => n < 3).length).toBeLessThanOrEqual(1);
  });

  it('re-sends exactly the same receipts after a restart with the cursor at a window end (the stream absorbs them)', async () => {
    const { store, stream } = setup();
    await run(newSender(store, stream), store.checkpoints[2]!);
    const before = stream.snapshot();
    const publishedFirst = stream.published;
    // a crash after the window [10,14) was sent: windows in [10,25) are [10,14) [14,18) [18,22) [22,25)
    store.sentUpto = 14;
    // meanwhile the log grew and a newer checkpoint was signed: the re-sent range still cites checkpoint 25
    store.rows.push(...makeRows(30, 40));
    const cp40 = store.addCheckpoint(40);
    await run(newSender(store, stream), cp40);
    expect(stream.published).toBeGreaterThan(publishedFirst);
    // everything re-sent below 30 was a duplicate of what was stored: same ids, same items
    expect(stream.snapshot().slice(0, before.length)).toEqual(before);
    const items = stream.items();
    expect(items.map((i) => `${i.seq}:${i.event}:${i.sendTo}`).sort()).toEqual(expectedItems(store.rows, 40).sort());
    expect(new Set(items.map((i) => i.seq)).size).toBe(items.length);
  });

  it('a crash mid-window (some receipts of the window stored, the cursor not moved) loses and doubles nothing', async () => {
    const reference = setup();
    await run(newSender(reference.store, reference.stream, { batch: 8, maxItems: 2 }), reference.store.checkpoints[2]!);

    // the state a crash leaves: windows [0,8) [8,10) [10,18) sent and the cursor at 18; of the
    // window [18,25) only its first receipt reached the stream
    const { store, stream } = setup();
    const sent = reference.stream.snapshot().filter(([, , body]) => body.items[0]!.seq < 18);
    const partial = reference.stream.snapshot().find(([, , body]) => body.items[0]!.seq >= 18)!;
    for (const [msgId] of [...sent, partial]) stream.byMsgId.set(msgId, reference.stream.byMsgId.get(msgId)!);
    store.sentUpto = 18;
    await run(newSender(store, stream, { batch: 8, maxItems: 2 }), store.checkpoints[2]!);
    expect(store.sentUpto).toBe(30);
    expect(new Map(stream.snapshot().map(([m, i, b]) => [m, [i, b]]))).toEqual(new Map(reference.stream.snapshot().map(([m, i, b]) => [m, [i, b]])));
  });

  it('stops at the scheduled checkpoint and goes on when a later one is scheduled', async () => {
    const { store, stream } = setup();
    const sender = newSender(store, stream);
    await run(sender, store.checkpoints[1]!);
    expect(store.sentUpto).toBe(25);
    expect(stream.items().every((i) => i.seq < 25)).toBe(true);
    await run(sender, store.checkpoints[2]!);
    expect(store.sentUpto).toBe(30);
    expect(
      stream
        .items()
        .map((i) => `${i.seq}:${i.event}:${i.sendTo}`)
        .sort(),
    ).toEqual(expectedItems(store.rows, 30).sort());
  });
});
