import { EVENT_TYPES, HEADERS, isUuid, parseInboxHeaders, type HubEvent } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { JsonValue, LogEntry } from '@lt/audit-log';

// The entry's eight fields and their canonical bytes / leaf hash live in @lt/audit-log (an auditor
// recomputes them offline); this file turns stream messages into storable entries.

/** An entry before the writer gives it a position. */
export type EntryDraft = Omit<LogEntry, 'seq'>;
/** A draft whose body's canonical JSON is already computed (it must equal canonicalBody(body)). */
export type PreparedDraft = EntryDraft & { bodyText: string };

// NUL cannot be stored in PostgreSQL text or jsonb; lone surrogates cannot be stored in jsonb
const UNSTORABLE = /\u0000|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const UNSTORABLE_ALL = new RegExp(UNSTORABLE.source, 'g');

// cheap pre-check (no lookaround): most strings have neither NUL nor any surrogate
const MAYBE_UNSTORABLE = /[\u0000\uD800-\uDFFF]/;

export function storableText(s: string): string {
  return MAYBE_UNSTORABLE.test(s) && UNSTORABLE.test(s) ? s.replace(UNSTORABLE_ALL, '\uFFFD') : s;
}

/** Deep copy with every string (keys too) made storable; non-JSON values dropped as JSON.stringify would. */
export function storableJson(value: unknown, depth = 0): JsonValue {
  if (depth > 64) return '[too deep]';
  if (value === null) return null;
  switch (typeof value) {
    case 'string':
      return storableText(value);
    case 'number':
      return Number.isFinite(value) ? value : null;
    case 'boolean':
      return value;
    case 'object': {
      if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : storableJson(v, depth + 1)));
      const out: Record<string, JsonValue> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue;
        out[storableText(k)] = storableJson(v, depth + 1);
      }
      return out;
    }
    default:
      return null;
  }
}

/** Parses a time into the one form stored and hashed, or null when it is not a usable time. */
export function normaliseTime(raw: unknown): string | null {
  if (typeof raw !== 'string' || raw.length === 0 || raw.length > 64) return null;
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) return null;
  const d = new Date(t);
  const y = d.getUTCFullYear();
  // partitions are by month: keep times a timestamptz and a month partition can hold sensibly
  if (y < 1970 || y > 9999) return null;
  return d.toISOString();
}

function uuidOrNull(v: unknown): string | null {
  return isUuid(typeof v === 'string' ? v.toLowerCase() : v) ? (v as string).toLowerCase() : null;
}

/** What the consumer hands the entry builders: a JetStream message reduced to plain data. */
export interface StreamMessage {
  stream: string;
  subject: string;
  /** stream sequence */
  seq: number;
  /** when JetStream stored it (ms); the fallback time of an entry whose own time is unusable */
  storedAtMs: number;
  headers: Record<string, string>;
  data: Uint8Array;
}

const EVENT_TYPE_SET: ReadonlySet<string> = new Set(EVENT_TYPES);
const dec = new TextDecoder('utf-8', { fatal: true });

/**
 * Entry for a message of LT_EVENTS. A message that is not a readable event is still recorded
 * (type `invalid.event`, with its digest): nothing that reached the event stream vanishes.
 */
export function entryFromEvent(m: StreamMessage): EntryDraft {
  const fallbackId = m.headers[HEADERS.msgId] ? storableText(m.headers[HEADERS.msgId]) : `${m.stream}#${m.seq}`;
  const storedAt = new Date(m.storedAtMs).toISOString();
  let event: HubEvent;
  try {
    event = JSON.parse(dec.decode(m.data)) as HubEvent;
  } catch (err) {
    return invalidEvent(m, fallbackId, storedAt, `not JSON: ${(err as Error).message}`);
  }
  if (event === null || typeof event !== 'object' || Array.isArray(event)) return invalidEvent(m, fallbackId, storedAt, 'not a JSON object');
  if (typeof event.id !== 'string' || event.id.length === 0 || event.id.length > 200)
    return invalidEvent(m, fallbackId, storedAt, 'id missing or not a string');
  if (typeof event.type !== 'string' || !EVENT_TYPE_SET.has(event.type)) {
    // an unknown type is recorded as it is (a newer service may emit it); only its shape must hold
    if (typeof event.type !== 'string' || !/^[a-z][a-z0-9_.-]{0,99}$/.test(event.type))
      return invalidEvent(m, fallbackId, storedAt, 'type missing or malformed');
  }
  const agencies = Array.isArray(event.agencies) ? event.agencies.filter((a): a is string => typeof a === 'string').map(storableText) : [];
  return {
    source: 'event',
    id: storableText(event.id),
    type: event.type,
    messageId: uuidOrNull(event.messageId),
    agencies: [...new Set(agencies)],
    at: normaliseTime(event.at) ?? storedAt,
    body: storableJson({ service: event.source ?? null, data: event.data ?? null }),
  };
}

function invalidEvent(m: StreamMessage, id: string, at: string, problem: string): EntryDraft {
  return {
    source: 'event',
    id,
    type: 'invalid.event',
    messageId: null,
    agencies: [],
    at,
    body: storableJson({ problem, subject: m.subject, streamSeq: m.seq, size: m.data.length, sha256: sha256Hex(m.data) }),
  };
}

/**
 * Headers recorded from an inbox copy, sorted as canonical JSON sorts keys (UTF-16 code units):
 * an object built in this order serialises canonically with plain JSON.stringify (none of these
 * keys looks like an array index, which JavaScript would move first).
 */
const RECORDED_HEADERS = Object.values(HEADERS)
  .filter((h) => h !== HEADERS.msgId)
  .sort();

/**
 * Entry for an inbox copy (the delivery fact). The body holds the routing headers and digests,
 * never the document: the digest binds the entry to the exact signed bytes.
 */
export function entryFromInboxCopy(m: StreamMessage): PreparedDraft {
  const h = parseInboxHeaders(m.headers);
  const envelopeId = h.envelopeId ?? '';
  const to = h.to ?? '';
  const id = storableText(h.msgId ?? (envelopeId && to ? `${envelopeId}:${to}` : `${m.stream}#${m.seq}`));
  const statusCode = h.statusCode;
  const kind = h.kind ?? 'unknown';
  const type = statusCode ? `status.${safeToken(statusCode)}` : `delivery.${safeToken(kind)}`;
  // recorded verbatim: the entry proves what the copy carried
  const headers: Record<string, string> = {};
  for (const name of RECORDED_HEADERS) if (m.headers[name] !== undefined) headers[name] = storableText(m.headers[name]);
  const agencies = [h.from, to, h.forwardedFrom].filter((a): a is string => typeof a === 'string' && a.length > 0).map(storableText);
  const storedAt = new Date(m.storedAtMs).toISOString();
  const body = { headers, inboxSeq: m.seq, sha256: sha256Hex(m.data), size: m.data.length };
  return {
    source: 'inbox',
    id,
    type,
    messageId: uuidOrNull(h.responseFor) ?? uuidOrNull(envelopeId),
    agencies: [...new Set(agencies)],
    at: normaliseTime(h.routedAt) ?? storedAt,
    body,
    // keys inserted in canonical order at every level: JSON.stringify is the canonical form, natively
    bodyText: JSON.stringify(body),
  };
}

function safeToken(s: string): string {
  const t = s
    .toLowerCase()
    .replace(/[^a-z0-9_-]/g, '_')
    .slice(0, 40);
  return t.length ? t : 'unknown';
}

/** True for inbox copies the audit does not log: its own receipts (derived from entries already logged). */
export function isOwnReceipt(m: StreamMessage): boolean {
  const h = parseInboxHeaders(m.headers);
  return h.kind === 'receipt' && h.hubSigned;
}
