import { leafHash } from '@lt/tlog';

/**
 * One log entry. Its leaf hash (RFC 9162: SHA-256(0x00 || bytes)) covers canonicalEntryBytes:
 * canonical JSON (RFC 8785 style) of exactly these eight fields, so anyone holding an exported
 * entry recomputes the leaf offline. Every field is stored in its own column and read back
 * unchanged: `at` is normalised to toISOString() form (milliseconds, Z), strings are made
 * storable in PostgreSQL (no NUL, no lone surrogate) BEFORE hashing.
 */
export interface LogEntry {
  /** 0-based position, also the Merkle leaf index */
  seq: number;
  source: EntrySource;
  /** event id, or the inbox copy's message id `<envelope id>:<recipient>` (unique in the log) */
  id: string;
  /** event type, or `delivery.<kind>` / `status.<code>` for an inbox copy */
  type: string;
  /** the document this entry is about (for a status or recall: the document it answers) */
  messageId: string | null;
  agencies: string[];
  at: string;
  body: JsonValue;
}

export type EntrySource = 'event' | 'inbox';
export type JsonValue = string | number | boolean | null | JsonValue[] | { [k: string]: JsonValue };

/**
 * Canonical JSON (RFC 8785 style, identical to @lt/crypto canonicalJson) of plain JSON data such as
 * entry bodies, without the generic version's bookkeeping: it runs for every entry appended and
 * every entry verified.
 */
export function canonicalBody(v: JsonValue | undefined): string {
  switch (typeof v) {
    case 'string':
      return JSON.stringify(v);
    case 'number':
      return Number.isFinite(v) ? JSON.stringify(v) : 'null';
    case 'boolean':
      return v ? 'true' : 'false';
    case 'undefined':
      return 'null';
  }
  if (v === null) return 'null';
  if (Array.isArray(v)) {
    let out = '[';
    for (let i = 0; i < v.length; i++) out += (i ? ',' : '') + canonicalBody(v[i]);
    return out + ']';
  }
  const keys = Object.keys(v).sort();
  let out = '{';
  let first = true;
  for (const k of keys) {
    const x = v[k];
    if (x === undefined) continue;
    out += (first ? '' : ',') + JSON.stringify(k) + ':' + canonicalBody(x);
    first = false;
  }
  return out + '}';
}

/**
 * The canonical JSON of an entry, given its body's canonical JSON (stored as is in the body
 * column): the keys in RFC 8785 order, written out directly. Equal to canonicalJson of the eight
 * fields (a unit test holds the two together).
 */
export function canonicalEntryText(e: Omit<LogEntry, 'body'>, bodyText: string): string {
  return (
    `{"agencies":${JSON.stringify(e.agencies)},"at":${JSON.stringify(e.at)},"body":${bodyText},"id":${JSON.stringify(e.id)},` +
    `"messageId":${e.messageId === null ? 'null' : JSON.stringify(e.messageId)},"seq":${e.seq},"source":${JSON.stringify(e.source)},"type":${JSON.stringify(e.type)}}`
  );
}

/** The eight fields, in canonical JSON: the bytes the leaf hash covers. */
export function canonicalEntryBytes(e: LogEntry): Buffer {
  return Buffer.from(canonicalEntryText(e, canonicalBody(e.body)), 'utf8');
}

export function entryLeafHash(e: LogEntry): Buffer {
  return leafHash(canonicalEntryBytes(e));
}
