import type { RecipientSelector, StatusBody, StatusCode } from '@lt/contracts';
import type { Logger } from '@lt/platform';
import type { InboxMessage, StatusHandler, StatusUpdate } from '../types';

/**
 * The sender's view of its documents: per document, per recipient, the statuses received
 * (Decree 30: send/receive/processing status must be trackable by the sender). In memory and
 * bounded; the durable record is the audit log (`lienthong trace <id>`).
 */

/** Key under which hub-signed statuses (refusals) are tracked: they come from no recipient. */
export const HUB_TRACKING_KEY = 'hub';

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

/**
 * The client's part that follows statuses flowing back about the documents it sent: those read
 * from its inbox (and the 13 of each recall it sends) go into a TrackingTable, and each new one
 * to the onStatus handlers.
 */
export class StatusTracking {
  private readonly table: TrackingTable;
  private readonly handlers = new Set<StatusHandler>();

  constructor(
    private readonly log: Logger,
    maxDocuments: number,
    onStatus?: StatusHandler,
  ) {
    this.table = new TrackingTable(maxDocuments);
    if (onStatus) this.handlers.add(onStatus);
  }

  /** recipient (or 'hub') -> latest status and history of document `docId`. */
  of(docId: string): Map<string, RecipientTracking> {
    return this.table.get(docId);
  }

  /** Returns an unsubscribe. */
  onStatus(handler: StatusHandler): () => void {
    this.handlers.add(handler);
    return () => this.handlers.delete(handler);
  }

  /** A recall this client sent: a local 13 per explicit recipient (childrenOf selectors name none). */
  recalled(docId: string, to: readonly RecipientSelector[], at: string, reason: string | undefined): void {
    for (const r of to) {
      if (typeof r === 'string') this.table.record(docId, r, { code: '13', at, description: reason, local: true });
    }
  }

  /** A verified status from the inbox: recorded, and handed to the handlers unless it was recorded before (a redelivery). */
  received(msg: InboxMessage<StatusBody>): void {
    const b = msg.envelope.body;
    const recipient = msg.hubSigned ? HUB_TRACKING_KEY : msg.from;
    const isNew = this.table.record(b.responseFor, recipient, {
      code: b.statusCode,
      at: msg.envelope.issuedAt,
      description: b.description,
      reasonCode: b.reasonCode,
      statusId: msg.id,
      hubSigned: msg.hubSigned || undefined,
    });
    if (!isNew) return;
    const update: StatusUpdate = {
      docId: b.responseFor,
      recipient,
      code: b.statusCode,
      at: msg.envelope.issuedAt,
      description: b.description,
      reasonCode: b.reasonCode,
      hubSigned: msg.hubSigned,
      statusId: msg.id,
      message: msg,
    };
    for (const h of this.handlers) {
      try {
        h(update);
      } catch (err) {
        this.log.error({ err: (err as Error).message }, 'onStatus handler threw');
      }
    }
  }
}
