/**
 * Headers on every inbox copy. The inbox copy IS the delivery fact: the audit service reads
 * deliveries from LT_INBOX instead of a duplicate event per document (one publish less per
 * document), so these headers carry everything the audit records about a routing decision (it
 * records exactly these, Nats-Msg-Id aside: a header added here is recorded from then on).
 */
export const HEADERS = {
  /** `<envelope id>:<recipient code>` (JetStream dedup) */
  msgId: 'Nats-Msg-Id',
  envelopeId: 'Lt-Envelope-Id',
  from: 'Lt-From',
  /** the recipient this copy is for */
  to: 'Lt-To',
  kind: 'Lt-Kind',
  kid: 'Lt-Kid',
  issuedAt: 'Lt-Issued-At',
  /** SHA-256 hex of the signed JWS bytes as submitted */
  digest: 'Lt-Digest',
  submitSeq: 'Lt-Submit-Seq',
  routedAt: 'Lt-Routed-At',
  /** number of copies this envelope was fanned out into */
  copies: 'Lt-Copies',
  /** set when the addressed agency was closed and this copy went to its successor */
  forwardedFrom: 'Lt-Forwarded-From',
  responseFor: 'Lt-Response-For',
  statusCode: 'Lt-Status-Code',
  /** comma-separated flags, e.g. `duplicate-number` (Decree 30) */
  flags: 'Lt-Flags',
  /** set on envelopes the hub itself signed (refusals, receipts, notices) */
  hubSigned: 'Lt-Hub-Signed',
  /** on receipts: how many items (delivery steps) the receipt lists */
  receiptItems: 'Lt-Receipt-Items',
  /** on copies of envelopes naming uploaded attachments: `<id>:<size>:<sha256>` per attachment, comma-separated (the audit records it) */
  attachments: 'Lt-Attachments',
} as const;

/** Inbox-copy header carrying the dossier code a `dossier` envelope is about (not recorded by the audit). */
export const DOSSIER_CODE_HEADER = 'Lt-Dossier-Code';

/**
 * The headers of an inbox copy, typed. Every writer (router delivery and refusals, audit receipts,
 * dossier confirmations and notices, the SDK's test router) builds them with
 * `setInboxCopyHeaders` and every reader reads them with `parseInboxHeaders`, so a header is
 * added in this file only. Header names are those of HEADERS (plus DOSSIER_CODE_HEADER); values are
 * the strings on the wire. The Nats-Msg-Id is not among them: the publisher sets it.
 */
export interface InboxCopyHeaders {
  envelopeId: string;
  /** sender agency, or the hub agency on hub-signed envelopes */
  from: string;
  /** the recipient this copy is for */
  to: string;
  kind: string;
  /** kid of the signature: `<agency code>#<key id>` or `hub#<key id>` */
  kid: string;
  issuedAt: string;
  /** SHA-256 hex of the signed JWS bytes */
  digest: string;
  /** LT_SUBMIT sequence of the submission (absent on what the hub sends unprompted: receipts, dossier messages) */
  submitSeq?: number;
  routedAt: string;
  /** number of copies this envelope was fanned out into */
  copies: number;
  /** the closed agency this copy was addressed to (it went to its successor) */
  forwardedFrom?: string;
  responseFor?: string;
  statusCode?: string;
  /** e.g. `duplicate-number`; written only when not empty */
  flags?: readonly string[];
  /** envelopes the hub itself signed (refusals, receipts, dossier messages) */
  hubSigned?: boolean;
  /** on receipts: how many items the receipt lists */
  receiptItems?: number;
  /** on dossier envelopes and the hub's dossier messages */
  dossierCode?: string;
  /** envelopes naming uploaded attachments: see attachmentsHeader */
  attachments?: string;
}

/** The Nats-Msg-Id of an inbox copy: one copy of an envelope per recipient inbox (JetStream dedup). */
export function inboxCopyMsgId(envelopeId: string, recipient: string): string {
  return `${envelopeId}:${recipient}`;
}

/** Anything headers can be written into: a nats MsgHdrs, or `recordSink` for a plain record. */
export interface HeaderSink {
  set(name: string, value: string): void;
}

/**
 * Writes the headers of one inbox copy into `sink`, in one fixed order, optional ones only when
 * set. Writes straight into the sink (no intermediate object): the router calls it once per copy.
 */
export function setInboxCopyHeaders(sink: HeaderSink, h: InboxCopyHeaders): void {
  sink.set(HEADERS.envelopeId, h.envelopeId);
  sink.set(HEADERS.from, h.from);
  sink.set(HEADERS.to, h.to);
  sink.set(HEADERS.kind, h.kind);
  sink.set(HEADERS.kid, h.kid);
  sink.set(HEADERS.issuedAt, h.issuedAt);
  sink.set(HEADERS.digest, h.digest);
  if (h.submitSeq !== undefined) sink.set(HEADERS.submitSeq, String(h.submitSeq));
  sink.set(HEADERS.routedAt, h.routedAt);
  sink.set(HEADERS.copies, String(h.copies));
  if (h.forwardedFrom) sink.set(HEADERS.forwardedFrom, h.forwardedFrom);
  if (h.responseFor !== undefined) sink.set(HEADERS.responseFor, h.responseFor);
  if (h.statusCode !== undefined) sink.set(HEADERS.statusCode, h.statusCode);
  if (h.flags && h.flags.length > 0) sink.set(HEADERS.flags, h.flags.join(','));
  if (h.hubSigned) sink.set(HEADERS.hubSigned, '1');
  if (h.receiptItems !== undefined) sink.set(HEADERS.receiptItems, String(h.receiptItems));
  if (h.dossierCode) sink.set(DOSSIER_CODE_HEADER, h.dossierCode);
  if (h.attachments) sink.set(HEADERS.attachments, h.attachments);
}

/** The Lt-Attachments value of an envelope's uploaded attachments (`<id>:<size>:<sha256>,...`); undefined when it names none. */
export function attachmentsHeader(refs: ReadonlyArray<{ id?: string; size: number; sha256: string }> | undefined): string | undefined {
  if (!refs || refs.length === 0) return undefined;
  const parts: string[] = [];
  for (const r of refs) if (r.id) parts.push(`${r.id}:${r.size}:${r.sha256}`);
  return parts.length > 0 ? parts.join(',') : undefined;
}

/** A HeaderSink writing into a plain record (tests, fixtures, stored copies). */
export function recordSink(record: Record<string, string>): HeaderSink {
  return {
    set(name, value) {
      record[name] = value;
    },
  };
}

/** The headers of one inbox copy as a plain record, in the order setInboxCopyHeaders writes them. */
export function inboxCopyHeaderRecord(h: InboxCopyHeaders): Record<string, string> {
  const out: Record<string, string> = {};
  setInboxCopyHeaders(recordSink(out), h);
  return out;
}

/**
 * What a reader gets from a copy's headers. Headers are not signed and a copy may come from
 * anywhere (a hostile publisher, an older hub, a stored entry), so every field may be missing:
 * readers decide what a missing one means, as they always did. A header that is present but
 * empty reads as '' (a reader comparing it with the signed envelope must see it); a number that
 * is not a non-negative integer reads as missing.
 */
export type ParsedInboxHeaders = Partial<Omit<InboxCopyHeaders, 'flags' | 'hubSigned'>> & {
  /** the Nats-Msg-Id, `<envelope id>:<recipient>` on every copy the hub writes */
  msgId?: string;
  flags: string[];
  hubSigned: boolean;
};

/**
 * Where headers are read from: a nats MsgHdrs (its get() gives '' when missing, has() tells), any
 * other get() (an empty value then counts as missing), or a plain record.
 */
export type InboxHeaderSource = { get(name: string): string | undefined; has?(name: string): boolean } | Readonly<Record<string, string | undefined>>;

/** Reads the inbox-copy headers; never throws (see ParsedInboxHeaders). Fields not present are undefined. */
export function parseInboxHeaders(source: InboxHeaderSource | undefined | null): ParsedInboxHeaders {
  if (!source) return { flags: [], hubSigned: false };
  const get = headerGetter(source);
  // one object literal (one shape): the audit parses every inbox copy it logs
  return {
    msgId: get(HEADERS.msgId),
    envelopeId: get(HEADERS.envelopeId),
    from: get(HEADERS.from),
    to: get(HEADERS.to),
    kind: get(HEADERS.kind),
    kid: get(HEADERS.kid),
    issuedAt: get(HEADERS.issuedAt),
    digest: get(HEADERS.digest),
    submitSeq: count(get(HEADERS.submitSeq)),
    routedAt: get(HEADERS.routedAt),
    copies: count(get(HEADERS.copies)),
    forwardedFrom: get(HEADERS.forwardedFrom),
    responseFor: get(HEADERS.responseFor),
    statusCode: get(HEADERS.statusCode),
    flags: splitFlags(get(HEADERS.flags)),
    hubSigned: get(HEADERS.hubSigned) === '1',
    receiptItems: count(get(HEADERS.receiptItems)),
    dossierCode: get(DOSSIER_CODE_HEADER),
    attachments: get(HEADERS.attachments),
  };
}

/** The attachments an Lt-Attachments value lists; entries that do not parse are left out (headers are not signed). */
export function parseAttachmentsHeader(raw: string | undefined): Array<{ id: string; size: number; sha256: string }> {
  if (!raw) return [];
  const out: Array<{ id: string; size: number; sha256: string }> = [];
  for (const part of raw.split(',')) {
    const m = /^([0-9a-f-]{36}):(\d{1,16}):([0-9a-f]{64})$/.exec(part);
    if (m) out.push({ id: m[1]!, size: Number(m[2]), sha256: m[3]! });
  }
  return out;
}

type Getter = (name: string) => string | undefined;

function headerGetter(source: InboxHeaderSource): Getter {
  // a record's values are strings, so a header named "get" cannot pass for a MsgHdrs
  const g = (source as { get?: unknown }).get;
  if (typeof g === 'function') {
    const get = (name: string) => (g as Getter).call(source, name);
    const has = (source as { has?: unknown }).has;
    if (typeof has === 'function') return (name) => ((has as (n: string) => boolean).call(source, name) ? get(name) : undefined);
    return (name) => get(name) || undefined;
  }
  const record = source as Readonly<Record<string, unknown>>;
  return (name) => {
    const v = record[name];
    // a stored record may hold anything: only strings are header values
    return typeof v === 'string' ? v : undefined;
  };
}

const COUNT = /^\d{1,15}$/;

function count(raw: string | undefined): number | undefined {
  return raw !== undefined && COUNT.test(raw) ? Number(raw) : undefined;
}

function splitFlags(raw: string | undefined): string[] {
  if (raw === undefined || raw.length === 0) return [];
  return raw
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean);
}
