import type { EnvelopeKind, FlattenedJws } from '@lt/contracts';

/**
 * What the agency connector keeps on its own disk: every verified inbox copy until the agency's
 * system acknowledges it (and some time after), the webhook state of each, and what it sent (so
 * that edXML status packages and recalls, which name documents by their edXML DocumentId, can be
 * mapped to the hub's envelope ids).
 */

export type WebhookState = 'pending' | 'delivered' | 'parked';

export interface WebhookProgress {
  state: WebhookState;
  /** attempts made so far */
  attempts: number;
  /** ISO time of the next attempt (pending only) */
  nextAttemptAt?: string;
  /** last failure: HTTP status or network error, for operators */
  lastError?: string;
  deliveredAt?: string;
  parkedAt?: string;
}

/** A verified inbox copy as kept by the connector (everything needed to answer GET /v1/inbox/{id}). */
export interface InboundRecord {
  /** envelope id */
  id: string;
  kind: EnvelopeKind;
  /** sender's agency code (authenticated by its signature) */
  from: string;
  /** ISO time the connector stored it */
  receivedAt: string;
  /** documents: body.subject */
  subject?: string;
  /** documents: body.documentId (edXML DocumentId), used to map status packages and recalls */
  documentId?: string;
  /** statuses: body.statusCode */
  statusCode?: string;
  /** statuses and recalls: the envelope id answered */
  responseFor?: string;
  /** the JWS exactly as delivered */
  jws: FlattenedJws;
  /** headers of the inbox copy */
  headers: Record<string, string>;
  kid: string;
  hubSigned: boolean;
  forwardedFrom?: string;
  flags: string[];
  /** sequence in the inbox stream */
  seq: number;
}

export interface InboundEntry extends InboundRecord {
  state: 'pending' | 'acked';
  ackedAt?: string;
  /** absent when no webhook is configured */
  webhook?: WebhookProgress;
}

/** A document, status or recall this connector sent, as accepted by the hub. */
export interface SentRecord {
  id: string;
  kind: EnvelopeKind;
  /** explicit recipient codes */
  to: string[];
  sentAt: string;
  /** documents: the edXML DocumentId (body.documentId) */
  documentId?: string;
  /** documents: body.code and promulgation date, to fill an edXML status package's ResponseFor */
  code?: { codeNumber: string; codeNotation: string };
  promulgationDate?: string;
  subject?: string;
}

export interface ListOptions {
  /** most entries returned (default 100) */
  limit?: number;
  /** only entries received after this one (paging by id of the last entry seen) */
  after?: string;
}

export interface ConnectorStore {
  /** Creates the folder or loads what is there; must be called before anything else. */
  open(): Promise<void>;
  close(): Promise<void>;
  /**
   * Stores a verified inbox copy durably (on disk before the promise resolves). Returns false when
   * the id is already known (pending or acked): a copy the hub handed over again is not stored or
   * announced twice. `webhook: true` starts its webhook delivery (state pending, due now).
   */
  addInbound(record: InboundRecord, opts: { webhook: boolean }): Promise<boolean>;
  /** Pending (not acked) entries, oldest first. */
  listPending(opts?: ListOptions): Promise<InboundEntry[]>;
  /** An inbox entry, pending or acked (acked ones are kept for `retainAckedDays`). */
  getInbound(id: string): Promise<InboundEntry | undefined>;
  /** Marks an entry acked; a pending webhook for it is cancelled (never delivered after the ack). */
  markAcked(id: string): Promise<'acked' | 'already' | 'unknown'>;
  /** The inbound document with this edXML DocumentId (latest first), e.g. for a status package the agency posts. */
  findInboundByDocumentId(documentId: string): Promise<InboundEntry | undefined>;

  recordSent(record: SentRecord): Promise<void>;
  getSent(id: string): Promise<SentRecord | undefined>;
  /** The sent document with this edXML DocumentId (latest first), e.g. for a recall or a status received. */
  findSentByDocumentId(documentId: string): Promise<SentRecord | undefined>;

  /** Pending webhook deliveries due at `now`, oldest first; `exclude`: ids left out (deliveries in flight). */
  dueWebhooks(now: Date, limit: number, exclude?: ReadonlySet<string>): Promise<InboundEntry[]>;
  /** Earliest nextAttemptAt of a pending webhook (other than `exclude`), to sleep until then. */
  nextWebhookDue(exclude?: ReadonlySet<string>): Promise<Date | undefined>;
  updateWebhook(id: string, progress: WebhookProgress): Promise<void>;
  /** Parked entries (retries ran out), for operators: `lienthong connector` lists them at start. */
  listParked(opts?: ListOptions): Promise<InboundEntry[]>;
  /** How many not-acked entries have a parked webhook (from memory: for /health and the start-up warning). */
  countParked(): Promise<number>;
  /** Puts parked webhooks back to pending, due now (all, or the ids given); returns how many. */
  requeueParked(ids?: string[]): Promise<number>;
}
