import { createHash } from 'node:crypto';
import { parseInboxHeaders, type Envelope, type ReceiptBody, type ReceiptItem } from '@lt/contracts';
import type { LogEntry } from '@lt/audit-log';

/** Entry types that earn the sender a receipt item. */
export function receiptTypes(kinds: readonly string[]): string[] {
  return [...kinds.map((k) => `delivery.${k}`), 'status.01'];
}

/**
 * A UUIDv7 derived from what a receipt covers, so a receipt re-sent after a crash has the same id
 * (and the same Nats-Msg-Id): its time is the first item's, its random bits a hash of the log
 * origin, the agency it goes to and the first item's seq (unique per receipt: an entry is listed
 * in one receipt only).
 */
export function receiptId(origin: string, sendTo: string, firstSeq: number, atIso: string): string {
  const b = createHash('sha256').update(`lienthong-receipt-v2\n${origin}\n${sendTo}\n${firstSeq}`).digest();
  b.writeUIntBE(Math.max(0, Date.parse(atIso)), 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface PlannedItem {
  /** the agency whose inbox gets the receipt (the document's sender) */
  sendTo: string;
  item: ReceiptItem;
}

/**
 * The receipt item an entry earns, or null: a copy of a document placed in a recipient's inbox
 * ('delivered', to the sender), or a recipient's status 01 ('arrived', to the document's sender).
 * Hub-signed copies (refusals, notices) earn none.
 */
export function planReceiptItem(entry: LogEntry & { leafHash: string }, kinds: readonly string[]): PlannedItem | null {
  if (entry.source !== 'inbox' || !entry.messageId) return null;
  const h = parseInboxHeaders((entry.body as { headers?: Record<string, string> } | null)?.headers);
  if (h.hubSigned) return null;
  let sendTo: string | undefined;
  let recipient: string | undefined;
  let event: ReceiptItem['event'];
  if (entry.type.startsWith('delivery.') && kinds.includes(entry.type.slice('delivery.'.length))) {
    sendTo = h.from;
    recipient = h.to;
    event = 'delivered';
  } else if (entry.type === 'status.01') {
    sendTo = h.to;
    recipient = h.from;
    event = 'arrived';
  } else {
    return null;
  }
  if (!sendTo || !recipient) return null;
  return { sendTo, item: { messageId: entry.messageId, recipient, event, at: entry.at, seq: entry.seq, leafHash: entry.leafHash } };
}

export interface PlannedReceipt {
  sendTo: string;
  envelope: Envelope<ReceiptBody>;
}

export interface ReceiptParams {
  origin: string;
  /** the signed note of the checkpoint every item is provable against */
  checkpoint: string;
  hubAgency: string;
  /** items per receipt, at most */
  maxItems: number;
  now: Date;
}

/**
 * The receipts for planned items (in seq order): one per sender, split into chunks of at most
 * maxItems. Only the order of `planned` decides the chunks, so the same items give the same
 * receipts (ids and contents) however often they are built.
 */
export function buildReceipts(planned: readonly PlannedItem[], p: ReceiptParams): PlannedReceipt[] {
  const bySender = new Map<string, ReceiptItem[]>();
  for (const { sendTo, item } of planned) {
    const list = bySender.get(sendTo);
    if (list) list.push(item);
    else bySender.set(sendTo, [item]);
  }
  const out: PlannedReceipt[] = [];
  for (const [sendTo, items] of bySender) {
    for (let i = 0; i < items.length; i += p.maxItems) {
      const chunk = items.slice(i, i + p.maxItems);
      const first = chunk[0]!;
      out.push({
        sendTo,
        envelope: {
          id: receiptId(p.origin, sendTo, first.seq, first.at),
          kind: 'receipt',
          from: p.hubAgency,
          to: [sendTo],
          issuedAt: p.now.toISOString(),
          body: { checkpoint: p.checkpoint, items: chunk },
        },
      });
    }
  }
  return out;
}
