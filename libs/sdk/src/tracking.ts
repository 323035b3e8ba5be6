import type { StatusCode } from '@lt/contracts';

/**
 * The sender's view of its documents: per document, per recipient, the statuses received
 * (Decree 30: send/receive/processing status must be trackable by the sender). In memory and
 * bounded; the durable record is the audit log (`lienthong trace <id>`).
 */

export interface StatusHistoryEntry {
  code: StatusCode;
  /** issuedAt of the status envelope (or the local send time for a recall this client sent) */
  at: string;
  description?: string;
  reasonCode?: string;
  /** envelope id of the status (absent for entries recorded locally) */
  statusId?: string;
  /** true for the 13 this client recorded when it sent a recall */
  local?: boolean;
  hubSigned?: boolean;
}

export interface RecipientTracking {
  /** latest code by time */
  code: StatusCode;
  at: string;
  history: StatusHistoryEntry[];
}

export class TrackingTable {
  private readonly docs = new Map<string, Map<string, RecipientTracking>>();

  /** @param maxDocuments oldest documents are forgotten beyond this many */
  constructor(private readonly maxDocuments = 100_000) {}

  /**
   * Records a status; returns false when the same status envelope was already recorded
   * (a redelivery). History stays ordered by `at`; equal times keep arrival order.
   */
  record(docId: string, recipient: string, entry: StatusHistoryEntry): boolean {
    let perDoc = this.docs.get(docId);
    if (!perDoc) {
      perDoc = new Map();
      this.docs.set(docId, perDoc);
      if (this.docs.size > this.maxDocuments) this.docs.delete(this.docs.keys().next().value!);
    }
    let t = perDoc.get(recipient);
    if (!t) {
      t = { code: entry.code, at: entry.at, history: [] };
      perDoc.set(recipient, t);
    }
    if (entry.statusId !== undefined && t.history.some((h) => h.statusId === entry.statusId)) return false;
    let i = t.history.length;
    while (i > 0 && t.history[i - 1]!.at > entry.at) i--;
    t.history.splice(i, 0, entry);
    const last = t.history[t.history.length - 1]!;
    t.code = last.code;
    t.at = last.at;
    return true;
  }

  /** recipient -> latest status and history; an empty map for an unknown document. Copies. */
  get(docId: string): Map<string, RecipientTracking> {
    const out = new Map<string, RecipientTracking>();
    for (const [r, t] of this.docs.get(docId) ?? []) out.set(r, { code: t.code, at: t.at, history: t.history.map((h) => ({ ...h })) });
    return out;
  }

  get size(): number {
    return this.docs.size;
  }
}
