import { createHash } from 'node:crypto';
import { HEADERS, type Envelope, type ReceiptBody } from '@lt/contracts';
import type { LogEntry } from '../domain/entry';

/** Entry types that earn the sender a receipt. */
export function receiptTypes(kinds: readonly string[]): string[] {
  return [...kinds.map((k) => `delivery.${k}`), 'status.01'];
}

/**
 * A UUIDv7 derived from the entry, so a receipt re-sent after a crash has the same id (and the
 * same Nats-Msg-Id): its time is the entry's, its random bits a hash of the log origin and seq.
 */
export function receiptId(origin: string, seq: number, atIso: string): string {
  const b = createHash('sha256').update(`lienthong-receipt\n${origin}\n${seq}`).digest();
  b.writeUIntBE(Math.max(0, Date.parse(atIso)), 0, 6);
  b[6] = 0x70 | (b[6] & 0x0f);
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = b.subarray(0, 16).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export interface PlannedReceipt {
  /** the agency whose inbox gets the receipt (the document's sender) */
  sendTo: string;
  envelope: Envelope<ReceiptBody>;
}

/**
 * The receipt an entry earns, or null: a copy of a document placed in a recipient's inbox
 * ('delivered', to the sender), or a recipient's status 01 ('arrived', to the document's sender).
 * Hub-signed copies (refusals, notices) earn none.
 */
export function planReceipt(
  entry: LogEntry & { leafHash: string },
  p: { origin: string; checkpoint: string; hubAgency: string; kinds: readonly string[]; now: Date },
): PlannedReceipt | null {
  if (entry.source !== 'inbox' || !entry.messageId) return null;
  const h = ((entry.body as { headers?: Record<string, string> })?.headers ?? {}) as Record<string, string>;
  if (h[HEADERS.hubSigned] === '1') return null;
  let sendTo: string | undefined;
  let recipient: string | undefined;
  let event: ReceiptBody['event'];
  if (entry.type.startsWith('delivery.') && p.kinds.includes(entry.type.slice('delivery.'.length))) {
    sendTo = h[HEADERS.from];
    recipient = h[HEADERS.to];
    event = 'delivered';
  } else if (entry.type === 'status.01') {
    sendTo = h[HEADERS.to];
    recipient = h[HEADERS.from];
    event = 'arrived';
  } else {
    return null;
  }
  if (!sendTo || !recipient) return null;
  const body: ReceiptBody = { messageId: entry.messageId, recipient, event, at: entry.at, seq: entry.seq, leafHash: entry.leafHash, checkpoint: p.checkpoint };
  return {
    sendTo,
    envelope: { id: receiptId(p.origin, entry.seq, entry.at), kind: 'receipt', from: p.hubAgency, to: [sendTo], issuedAt: p.now.toISOString(), body },
  };
}
