import type { NodeConnectionOptions } from '@nats-io/transport-node';
import type {
  AttachmentRef,
  DocumentBody,
  Envelope,
  EnvelopeKind,
  FlattenedJws,
  LtError,
  RecipientSelector,
  SigningAlg,
  StatusBody,
  StatusCode,
} from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import type { IssuedAtWindow } from './inbound-checks';
import type { Readable } from 'node:stream';
import type { DownloadOptions } from './attachment-download';
import type { AttachmentInput, TransferProgress } from './attachment-upload';

/** How an agency system connects (`connect()` / `LienThongClient.connect()`). */
export interface ConnectOptions {
  /** this agency's electronic code, e.g. `000.00.05.H41` */
  agencyCode: string;
  /** NATS server(s), comma-separated; default nats://127.0.0.1:4222. Ignored when `nc` is given. */
  natsUrl?: string;
  /** an existing connection; the client then leaves it open on close() */
  nc?: NatsConnection;
  /** passed through to connectNats: user/pass, token, authenticator, tls ... */
  natsOptions?: Partial<NodeConnectionOptions>;
  /** a NATS .creds file (JWT + nkey seed), turned into natsOptions.authenticator */
  credsFile?: string;
  /**
   * the agency's NATS nkey seed file (`<code>.nk`, from `lienthong nats creds <code>`): the SDK
   * authenticates with it and uses the agency's own reply prefix, as the hub's permissions require
   */
  seedFile?: string;
  /** the agency's private signing key (imported once at connect) ... */
  privateJwk?: Record<string, unknown>;
  keyId?: string;
  /** default: privateJwk.alg when it names one, else EdDSA */
  alg?: SigningAlg;
  /** ... or a key file {keyId, alg, privateJwk, publicJwk} (e.g. keyPaths.agency(dataDir, code)) */
  keyFile?: string;
  /** topology namespace; default 'lt' */
  ns?: string;
  clock?: Clock;
  logger?: Logger;
  /**
   * Status 01 (arrived) sent automatically to the sender of each document/dossier, once per
   * document id: 'on-ack' (default, also `true`) when the application acks it, i.e. has stored
   * it; 'on-receive' as soon as it is verified and handed over; false to send 01 yourself.
   */
  autoArrived?: boolean | 'on-ack' | 'on-receive';
  /** create/update this agency's durable inbox consumer on connect (default true) */
  ensureInbox?: boolean;
  /** inbox consumer settings (default ack wait 30 s, 256 unacknowledged messages at most) */
  inboxConsumer?: { ackWaitMs?: number; maxAckPending?: number };
  /**
   * Before publishing, check against the directory what the router will check, failing with its
   * codes: own agency active (UNKNOWN_AGENCY / AGENCY_CLOSED / AGENCY_SUSPENDED), own key
   * registered and matching (UNKNOWN_KEY / KEY_REVOKED / BAD_SIGNATURE), explicit recipients
   * and childrenOf roots known (UNKNOWN_RECIPIENT). Default true.
   */
  preflight?: boolean;
  /** longest wait for the directory's initial load from KV (default 15 s) */
  directoryTimeoutMs?: number;
  /** JetStream publish timeout (default 10 s) */
  publishTimeoutMs?: number;
  /**
   * deliveries of a copy before it is refused when the directory may be behind the hub's: its
   * signing key is not (yet) in it, or it does not (yet) show this agency as a recipient (a
   * successor or a child not seen yet) (default 3)
   */
  unknownKeyDeliveries?: number;
  /** documents remembered by the tracking table (default 100,000) */
  trackingLimit?: number;
  /**
   * inbox copies whose ack the server confirmed, remembered so that a copy the server hands over
   * again anyway (its consumer state lost in a crash, or an old copy replayed) is acked again
   * instead of yielded twice (default: trackingLimit). Kept in a file under `stateDir`, so this
   * holds across restarts of the application; ids of copies older than issuedAtWindow.maxAgeMs
   * are forgotten (such copies are refused anyway). Beyond the limit the oldest ids go first.
   */
  handledLimit?: number;
  /**
   * Folder of what the client keeps across restarts: the handled-id register,
   * `handled-<ns>-<agency code>.jsonl`. Default `.data/sdk` under the working folder (not
   * writable: a warning, and the register is kept in memory only); false: in memory only. Give
   * each client instance (process) of an agency a folder of its own.
   */
  stateDir?: string | false;
  /**
   * Accepted range of a copy's signed issuedAt around this system's clock (clock option); a copy
   * outside it is refused with CLOCK_SKEW and term()ed. Defaults: maxFutureMs 10 minutes (twice
   * the router's clock-skew limit), maxAgeMs 31 days (the inbox stream keeps copies 30 days,
   * LT_INBOX_MAX_AGE_DAYS: raise maxAgeMs with it).
   */
  issuedAtWindow?: Partial<IssuedAtWindow>;
  onInvalid?: InvalidHandler;
  onStatus?: StatusHandler;
}

export interface SendResult<B = unknown> {
  id: string;
  /** sequence in the submit stream: the hub's PubAck, i.e. "accepted by the hub" */
  seq: number;
  /** true when the hub already had this id (a re-send): nothing new was queued */
  duplicate: boolean;
  envelope: Envelope<B>;
}

export interface SendDocumentInput {
  to: RecipientSelector[];
  body: DocumentBody;
  attachments?: AttachmentRef[];
  id?: string;
}

/**
 * sendDocument's input: attachments may be files or streams (`{path}` / `{name, stream}`), whose
 * bytes are uploaded to the hub first, or references already made.
 */
export interface SendDocumentWithAttachments extends Omit<SendDocumentInput, 'attachments'> {
  attachments?: AttachmentInput[];
  /** progress of each upload */
  onProgress?: TransferProgress;
}

export interface SendStatusOptions {
  description?: string;
  /** required for 02 (refused): an ErrorCode */
  reasonCode?: string;
  staffInfo?: StatusBody['staffInfo'];
  id?: string;
}

export interface RecallOptions {
  reason?: string;
  /** recipients of the recall; default: the recipients of the document if this client sent it */
  to?: RecipientSelector[];
  id?: string;
}

export interface AmendOptions {
  /** default: the recipients of the original if this client sent it */
  to?: RecipientSelector[];
  body: DocumentBody;
  attachments?: AttachmentRef[];
  /** business.businessDocReason */
  reason?: string;
  id?: string;
}

export interface ReplyOptions {
  body: DocumentBody;
  /** default: the sender of the answered document */
  to?: RecipientSelector[];
  attachments?: AttachmentRef[];
  id?: string;
}

export interface InboxOptions {
  /** messages pulled per request (default 64) */
  batch?: number;
  /** how long one pull request waits for messages, at least 1000 (default 30,000 ms; 1,000 when follow is false) */
  expiresMs?: number;
  /**
   * keep waiting for new messages (default true); false: stop once a pull request comes back
   * short, i.e. the inbox is drained (costs one expiresMs wait at the end; if a follow loop of
   * this client has a pull request outstanding, its expiry is awaited instead)
   */
  follow?: boolean;
  /** stop after this many valid messages */
  max?: number;
}

/** A verified copy from this agency's inbox. Settle it: ack() once stored, nak() to see it again, term() to drop it. */
export interface InboxMessage<B = unknown> {
  /** envelope id */
  id: string;
  envelope: Envelope<B>;
  /** the JWS exactly as delivered (what the sender signed) */
  jws: FlattenedJws;
  bytes: Uint8Array;
  /** sender's agency code, authenticated by its signature; for hub-signed envelopes, envelope.from */
  from: string;
  kind: EnvelopeKind;
  kid: string;
  /** signed by the hub (refusals 02, receipts), not by an agency */
  hubSigned: boolean;
  /** set when this copy was addressed to a closed agency and forwarded to this one, its successor */
  forwardedFrom?: string;
  /** router flags, e.g. `duplicate-number` */
  flags: string[];
  /** every header of the inbox copy (set by the router; informational, not signed by the sender) */
  headers: Record<string, string>;
  subject: string;
  /** sequence in the inbox stream */
  seq: number;
  deliveryCount: number;
  redelivered: boolean;
  /**
   * Confirmed ack (the server answered). For a document/dossier with autoArrived 'on-ack', first
   * sends status 01 to the sender (once per document id); if that publish fails for a transient
   * reason the message is not acked, so it comes back.
   */
  ack(): Promise<void>;
  /** redeliver after delayMs (default: at once; at least 1 ms, see NAK_MIN_DELAY_MS) */
  nak(delayMs?: number): void;
  /** never redeliver */
  term(): void;
  /** extend the ack wait while processing */
  working(): void;
  /**
   * The bytes of the attachment `name` from the hub, checked while reading against the size and
   * SHA-256 the sender signed; errors (ATTACHMENT_* naming it) before the end on a mismatch.
   */
  attachment(name: string, opts?: DownloadOptions): Readable;
}

/**
 * A copy that failed verification: never yielded as valid, reported here, then term()ed (or
 * nak'ed to retry). Besides the signature and the routing headers, a copy is refused when it is
 * not addressed to this agency (FORBIDDEN, details.reason `not_addressed`) or its issuedAt lies
 * outside issuedAtWindow (CLOCK_SKEW, details.reason `issued_in_future` / `too_old`).
 */
export interface InvalidInboxMessage {
  error: LtError;
  /** 'term': dropped for good; 'nak': retried later (the directory may be behind: key or recipient not in it yet) */
  action: 'term' | 'nak';
  seq: number;
  subject: string;
  deliveryCount: number;
  headers: Record<string, string>;
  bytes: Uint8Array;
}
export type InvalidHandler = (m: InvalidInboxMessage) => void;

/** A status about one of this agency's documents, from a recipient (or a hub refusal, recipient 'hub'). */
export interface StatusUpdate {
  docId: string;
  recipient: string;
  code: StatusCode;
  at: string;
  description?: string;
  reasonCode?: string;
  hubSigned: boolean;
  statusId: string;
  message: InboxMessage<StatusBody>;
}
export type StatusHandler = (u: StatusUpdate) => void;
