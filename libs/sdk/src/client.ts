import type { AttachmentRef, AttachmentRevokeReply, DocumentBody, Envelope, RecallBody, StatusBody, StatusCode, Topology } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import type { Readable } from 'node:stream';
import { attachmentChannelOf, openAttachment } from './attachment-channel';
import type { DownloadOptions } from './attachment-download';
import { isAttachmentSource, uploadAttachment, uploadAttachments, type AttachmentSource, type UploadOptions } from './attachment-upload';
import { AgencyConnection } from './client/connection';
import { InboxReader } from './client/inbox-reader';
import { EnvelopeSender } from './client/sender';
import { StatusTracking, type RecipientTracking } from './client/status-tracking';
import type { AgencyDirectory } from './directory';
import type { AnsweredDocument, EnvelopeDraft, SealedEnvelope } from './envelope-builder';
import type {
  AmendOptions,
  ConnectOptions,
  InboxMessage,
  InboxOptions,
  InvalidHandler,
  RecallOptions,
  ReplyOptions,
  SendDocumentInput,
  SendDocumentWithAttachments,
  SendResult,
  SendStatusOptions,
  StatusHandler,
} from './types';

/**
 * The agency client: signs and submits envelopes, reads and verifies the agency's inbox, sends
 * and tracks statuses. One instance per agency and process; safe to use concurrently.
 * A facade over its parts (client/): the connection they share, the sender, the inbox reader
 * and the status tracking.
 */
export class LienThongClient {
  readonly agencyCode: string;
  /** `<agency code>#<key id>` of the signing key */
  readonly kid: string;
  readonly topo: Topology;
  readonly nc: NatsConnection;
  /** in-memory directory (agencies, their keys, hub keys), kept current by a KV watch */
  readonly directory: AgencyDirectory;
  /** durable name of this agency's inbox consumer */
  readonly inboxDurable: string;

  private readonly statuses: StatusTracking;
  private readonly sender: EnvelopeSender;
  private readonly reader: InboxReader;
  private closed?: Promise<void>;
  /** documents this client sent with uploaded attachments: a recall of one revokes them too */
  private readonly withUploads = new Set<string>();

  private constructor(private readonly connection: AgencyConnection) {
    this.agencyCode = connection.agencyCode;
    this.kid = connection.kid;
    this.topo = connection.topo;
    this.nc = connection.nc;
    this.directory = connection.directory;
    this.statuses = new StatusTracking(connection.log, connection.opts.trackingLimit ?? 100_000, connection.opts.onStatus);
    this.sender = new EnvelopeSender(connection, this.statuses);
    this.reader = new InboxReader(connection, this.sender, this.statuses);
    this.inboxDurable = this.reader.durable;
  }

  /**
   * Connects: imports the signing key once, loads the directory from KV and keeps watching it,
   * and makes sure the agency's durable inbox consumer exists.
   */
  static async connect(opts: ConnectOptions): Promise<LienThongClient> {
    return new LienThongClient(await AgencyConnection.open(opts));
  }

  // ---------------------------------------------------------------- sending

  /** Builds, validates, signs (no publish): for tests and benchmarks that publish themselves. */
  prepare<B>(draft: EnvelopeDraft<B>): { envelope: Envelope<B> } & SealedEnvelope {
    return this.sender.prepare(draft);
  }

  /** Any kind of envelope (document, dossier, status, recall): validate, sign, publish, await the hub's PubAck. */
  sendEnvelope<B>(draft: EnvelopeDraft<B>): Promise<SendResult<B>> {
    return this.sender.sendEnvelope(draft);
  }

  /** Attachments given as files or streams are uploaded to the hub first (attachment-upload.ts); the envelope names them. */
  sendDocument(input: SendDocumentWithAttachments): Promise<SendResult<DocumentBody>> {
    if (!input.attachments?.some(isAttachmentSource)) return this.sender.sendDocument(input as SendDocumentInput);
    return this.sendWithUploads(input);
  }

  private async sendWithUploads(input: SendDocumentWithAttachments): Promise<SendResult<DocumentBody>> {
    const { onProgress, ...rest } = input;
    const attachments = await uploadAttachments(attachmentChannelOf(this.connection), input.attachments!, { ...(onProgress ? { onProgress } : {}) });
    const result = await this.sender.sendDocument({ ...rest, attachments });
    this.withUploads.add(result.id);
    if (this.withUploads.size > 100_000) this.withUploads.delete(this.withUploads.values().next().value!);
    return result;
  }

  /**
   * Uploads one attachment now and returns the reference an envelope names: for callers that
   * receive the bytes before they know the whole document (the agency connector's multipart
   * route). Unbound uploads are removed by the hub after LT_ATTACHMENT_UNBOUND_TTL_MINUTES.
   */
  uploadAttachment(source: AttachmentSource, opts: UploadOptions = {}): Promise<AttachmentRef & { id: string }> {
    return uploadAttachment(attachmentChannelOf(this.connection), source, opts);
  }

  /**
   * The verified bytes of attachment `name` of an envelope this agency received (or sent) earlier,
   * e.g. one kept on disk after its inbox copy was acked: `message.attachment(name)` for later.
   */
  attachment(envelope: Envelope, name: string, opts?: DownloadOptions): Readable {
    return openAttachment(this.connection, envelope, name, opts);
  }

  /**
   * Recipients of `docId` (of `recipients`, default all) that have not read its attachments to
   * the end can no longer read them. recall() does it first for documents this client sent with
   * uploads; call it yourself for documents sent by an earlier process.
   */
  revokeAttachments(docId: string, recipients?: string[]): Promise<AttachmentRevokeReply> {
    return attachmentChannelOf(this.connection).call<AttachmentRevokeReply>('revoke', { envelopeId: docId, ...(recipients ? { recipients } : {}) });
  }

  /**
   * Many documents with up to `window` publishes in flight (JetStream acks them in order, so the
   * oldest is awaited first). Rejects with the first failure once the in-flight ones settled;
   * re-sending the same inputs with their ids is safe (the hub deduplicates by id).
   */
  sendDocumentBatch(inputs: readonly SendDocumentInput[], opts: { window?: number } = {}): Promise<SendResult<DocumentBody>[]> {
    return this.sender.sendDocumentBatch(inputs, opts);
  }

  /** A status about `responseFor` (an envelope id), addressed to its sender. An InboxMessage fits. */
  sendStatus(responseFor: { id: string; from: string }, statusCode: StatusCode, opts: SendStatusOptions = {}): Promise<SendResult<StatusBody>> {
    return this.sender.sendStatus(responseFor, statusCode, opts);
  }

  /** Recall (status 13 semantics) of a document this agency sent; recorded locally as 13 per explicit recipient. */
  recall(docId: string, opts: RecallOptions = {}): Promise<SendResult<RecallBody>> {
    if (!this.withUploads.has(docId)) return this.sender.recall(docId, opts);
    // the attachments first: a recall that cannot revoke them is not sent (try again)
    const explicit = opts.to?.every((t): t is string => typeof t === 'string') ? (opts.to as string[]) : undefined;
    return this.revokeAttachments(docId, explicit).then(() => this.sender.recall(docId, opts));
  }

  /** Document updating envelope `originalId` (business.businessDocType 2). */
  update(originalId: string, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    return this.sender.amend(originalId, 2, opts);
  }

  /** Document replacing envelope `originalId` (business.businessDocType 3). */
  replace(originalId: string, opts: AmendOptions): Promise<SendResult<DocumentBody>> {
    return this.sender.amend(originalId, 3, opts);
  }

  /** Document answering `original` (responseFor links it), by default to its sender. */
  reply(original: AnsweredDocument, opts: ReplyOptions): Promise<SendResult<DocumentBody>> {
    return this.sender.reply(original, opts);
  }

  /** Answers a received recall: status 15 (agreed: the copy is cancelled) or 16 (refused) to its sender. */
  answerRecall(recall: InboxMessage, agree: boolean, description?: string): Promise<SendResult<StatusBody>> {
    return this.sender.answerRecall(recall, agree, description);
  }

  // ---------------------------------------------------------------- receiving

  /**
   * This agency's inbox as verified messages. Each copy's signature is checked again against the
   * sender's key (agencies never trust the hub for integrity); a copy that fails is never yielded:
   * it goes to onInvalid and is term()ed (nak'ed a few times first when only its key is missing,
   * in case the directory is behind). Statuses received update tracking() and fire onStatus.
   * Loops may stop (break) and start again: messages already pulled are handed to the next loop
   * in stream order, or nak'ed back to the server when no loop runs (see InboxFeed). Several
   * loops may run at once; each message goes to one of them.
   */
  inbox(opts: InboxOptions = {}): AsyncGenerator<InboxMessage, void, undefined> {
    return this.reader.read(opts);
  }

  // ---------------------------------------------------------------- tracking and events

  /** Statuses received about a document this agency sent: recipient (or 'hub') -> latest code and history. */
  tracking(docId: string): Map<string, RecipientTracking> {
    return this.statuses.of(docId);
  }

  /** Called for every new status about this agency's documents (read from the inbox). Returns an unsubscribe. */
  onStatus(handler: StatusHandler): () => void {
    return this.statuses.onStatus(handler);
  }

  /** Called for every inbox copy that failed verification. Returns an unsubscribe. */
  onInvalid(handler: InvalidHandler): () => void {
    return this.reader.onInvalid(handler);
  }

  /** Stops inbox fetches (unhanded messages are nak'ed), waits for 01s in flight, stops the directory watch, drains an owned connection. */
  close(): Promise<void> {
    this.closed ??= this.shutdown();
    return this.closed;
  }

  private async shutdown(): Promise<void> {
    await this.reader.close();
    await this.connection.close();
  }
}

/** Shorthand for LienThongClient.connect. */
export function connect(opts: ConnectOptions): Promise<LienThongClient> {
  return LienThongClient.connect(opts);
}
