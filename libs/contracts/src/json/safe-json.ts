import { LtError } from '../errors';
import { LIMITS } from '../envelope/envelope';

export interface ParseJsonOptions {
  /** UTF-8 byte limit; default LIMITS.maxMessageBytes */
  maxBytes?: number;
  /** deepest allowed nesting of arrays/objects (top-level container = 1); default LIMITS.maxJsonDepth */
  maxDepth?: number;
}

/** Keys refused anywhere in a document: merging such an object elsewhere could pollute prototypes. */
export const FORBIDDEN_JSON_KEYS: readonly string[] = ['__proto__', 'constructor'];
const FORBIDDEN = new Set(FORBIDDEN_JSON_KEYS);

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * Parses untrusted JSON (a submission payload, an HTTP body) with the hub's limits:
 * PAYLOAD_TOO_LARGE above maxBytes, MALFORMED_JSON for bad UTF-8 or bad syntax (with the
 * position when V8 reports one), SCHEMA_INVALID for nesting deeper than maxDepth, a key repeated
 * in one object (details.reason `duplicate_key`) or a `__proto__` / `constructor` key at any depth.
 */
export function parseJsonBytes(bytes: Uint8Array | string, opts?: ParseJsonOptions): unknown {
  const maxBytes = opts?.maxBytes ?? LIMITS.maxMessageBytes;
  const maxDepth = opts?.maxDepth ?? LIMITS.maxJsonDepth;
  const text = typeof bytes === 'string' ? checkTextSize(bytes, maxBytes) : decodeUtf8(bytes, maxBytes);

  // depth first, without recursion, and before JSON.parse spends time and memory on "[[[[..."
  if (mayBeTooDeep(text, maxDepth)) checkDepth(text, maxDepth);

  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (e) {
    throw malformed(text, e);
  }
  checkDuplicateKeys(text, value);
  if (mayHoldForbiddenKey(text)) checkKeys(value);
  return value;
}

/**
 * JSON.parse keeps the last of repeated keys, and another parser may keep the first: signed JSON
 * read differently by the hub, an agency and an auditor. Every `:` outside a string separates
 * one member, so the text holds a repeated key exactly when it has more of them than the parsed
 * value has keys; only then is the text scanned again to name the key.
 */
function checkDuplicateKeys(text: string, value: unknown): void {
  if (value === null || typeof value !== 'object') return;
  if (!hasMoreMembersThanKeys(text, value)) return;
  const dup = findDuplicateKey(text);
  if (!dup) return; // unreachable for text JSON.parse accepted; never refuse without naming the key
  throw new LtError('SCHEMA_INVALID', `${dup.path}: the key ${JSON.stringify(shorten(dup.key))} appears twice in one JSON object; a key may appear once`, {
    field: dup.path,
    reason: 'duplicate_key',
  });
}

/**
 * Whether the text has more members than the parsed value has keys. Without a `\u` escape in the
 * text, each `:` inside a string of the text is one `:` of a parsed key or string, so: `:` in the
 * text = members + `:` in the parsed keys and strings when no key repeats; a repeated member adds
 * its `:` and those of the strings it held, which the parsed value no longer has, to the left side
 * only. Counting `:` with indexOf costs less than half of skipping every string of the text (on a
 * 2 KB envelope). With a `\u` escape (it may spell a `:`), the strings are skipped.
 */
function hasMoreMembersThanKeys(text: string, value: object): boolean {
  if (text.indexOf('\\u') === -1) return colonsIn(text) !== keysAndColonsOf(value);
  return countMembers(text) !== countKeys(value);
}

function colonsIn(s: string): number {
  let n = 0;
  for (let i = s.indexOf(':'); i !== -1; i = s.indexOf(':', i + 1)) n++;
  return n;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Keys of every object of a parsed value plus the `:` in its keys and strings (iterative: depth is bounded but may be large). */
function keysAndColonsOf(root: object): number {
  let n = 0;
  const stack: object[] = [root];
  while (stack.length > 0) {
    const v = stack.pop()!;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const item: unknown = v[i];
        if (typeof item === 'string') n += colonsIn(item);
        else if (item !== null && typeof item === 'object') stack.push(item);
      }
      continue;
    }
    for (const k in v) {
      if (!hasOwn.call(v, k)) continue;
      n += 1 + colonsIn(k);
      const child: unknown = (v as Record<string, unknown>)[k];
      if (typeof child === 'string') n += colonsIn(child);
      else if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return n;
}

/** Number of `:` outside strings; strings are skipped with indexOf. */
function countMembers(text: string): number {
  let members = 0;
  let colon = text.indexOf(':');
  let i = 0;
  while (colon !== -1) {
    const quote = text.indexOf('"', i);
    if (quote === -1 || colon < quote) {
      members++;
      i = colon + 1;
      colon = text.indexOf(':', i);
      continue;
    }
    i = endOfString(text, quote);
    if (colon < i) colon = text.indexOf(':', i);
  }
  return members;
}

/** Number of keys of every object in a parsed value (iterative: depth is bounded but may be large). */
function countKeys(root: object): number {
  let keys = 0;
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const item of v) if (item !== null && typeof item === 'object') stack.push(item);
      continue;
    }
    for (const k in v) {
      if (!hasOwn.call(v, k)) continue;
      keys++;
      const child = (v as Record<string, unknown>)[k];
      if (child !== null && typeof child === 'object') stack.push(child);
    }
  }
  return keys;
}

interface Frame {
  object: boolean;
  path: string;
  keys: Set<string>;
  /** objects: a string read now is a key */
  expectKey: boolean;
  key: string;
  /** arrays: index of the current element */
  index: number;
}

/** The first key repeated within one object and its path, in text JSON.parse accepted. */
function findDuplicateKey(text: string): { key: string; path: string } | undefined {
  const stack: Frame[] = [];
  const n = text.length;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    const top = stack[stack.length - 1];
    if (c === QUOTE) {
      const end = endOfString(text, i);
      if (top?.object && top.expectKey) {
        const key = JSON.parse(text.slice(i, end)) as string;
        if (top.keys.has(key)) return { key, path: memberPath(top.path, key) };
        top.keys.add(key);
        top.key = key;
        top.expectKey = false;
      }
      i = end;
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      const path = top === undefined ? '' : top.object ? memberPath(top.path, top.key) : `${top.path}[${top.index}]`;
      stack.push({ object: c === OPEN_BRACE, path, keys: new Set(), expectKey: true, key: '', index: 0 });
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      stack.pop();
    } else if (c === COMMA && top) {
      if (top.object) top.expectKey = true;
      else top.index++;
    }
    i++;
  }
  return undefined;
}

const COMMA = 0x2c;

function memberPath(path: string, key: string): string {
  const shown = PLAIN_KEY.test(key) ? key : JSON.stringify(shorten(key));
  return path === '' ? shown : `${path}.${shown}`;
}

function shorten(key: string): string {
  return key.length > 40 ? `${key.slice(0, 40)}…` : key;
}

function checkTextSize(text: string, maxBytes: number): string {
  // a UTF-16 unit is 1 to 3 UTF-8 bytes: only count bytes when the bounds do not decide
  if (text.length > maxBytes || (text.length * 3 > maxBytes && Buffer.byteLength(text, 'utf8') > maxBytes)) {
    throw tooLarge(Buffer.byteLength(text, 'utf8'), maxBytes);
  }
  return text;
}

function decodeUtf8(bytes: Uint8Array, maxBytes: number): string {
  if (bytes.byteLength > maxBytes) throw tooLarge(bytes.byteLength, maxBytes);
  // refuse rather than replace: a signed payload is kept byte for byte, U+FFFD would hide damage
  // (fatal decoding measured faster than isUtf8 + Buffer#toString on Node 20)
  try {
    return UTF8.decode(bytes);
  } catch {
    throw new LtError('MALFORMED_JSON', 'malformed JSON: the bytes are not valid UTF-8', { reason: 'utf8' });
  }
}

// ignoreBOM keeps a leading BOM in the text, so that bytes and strings are refused alike
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

function tooLarge(size: number, maxBytes: number): LtError {
  return new LtError('PAYLOAD_TOO_LARGE', `payload is ${size} bytes; at most ${maxBytes}`, { size, limit: maxBytes });
}

/** A text with at most maxDepth `{`/`[` in all cannot nest deeper than maxDepth: skip the scan. */
function mayBeTooDeep(text: string, maxDepth: number): boolean {
  let openers = 0;
  for (let i = text.indexOf('{'); i !== -1; i = text.indexOf('{', i + 1)) if (++openers > maxDepth) return true;
  for (let i = text.indexOf('['); i !== -1; i = text.indexOf('[', i + 1)) if (++openers > maxDepth) return true;
  return false;
}

/** One pass over the text counting brackets outside strings; strings are skipped with indexOf. */
function checkDepth(text: string, maxDepth: number): void {
  const n = text.length;
  let depth = 0;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === QUOTE) {
      i = endOfString(text, i);
      continue;
    }
    if (c === OPEN_BRACE || c === OPEN_BRACKET) {
      if (++depth > maxDepth) {
        throw new LtError('SCHEMA_INVALID', `JSON nesting is deeper than ${maxDepth} levels (at position ${i})`, {
          reason: 'depth',
          limit: maxDepth,
          position: i,
        });
      }
    } else if (c === CLOSE_BRACE || c === CLOSE_BRACKET) {
      depth--;
    }
    i++;
  }
}

/** Index just after the closing quote of the string opening at `start` (text length if unterminated). */
function endOfString(text: string, start: number): number {
  let from = start + 1;
  for (;;) {
    const q = text.indexOf('"', from);
    if (q < 0) return text.length; // unterminated: JSON.parse reports it
    let backslashes = 0;
    for (let b = q - 1; b > start && text.charCodeAt(b) === BACKSLASH; b--) backslashes++;
    if (backslashes % 2 === 0) return q + 1;
    from = q + 1;
  }
}

// an escaped ASCII letter/underscore (`\u005f`, `\u0063`) that could spell a forbidden name
const ESCAPED_LETTER = /\\u00[5-7]/;

/**
 * Cheap pre-check so that the usual payload skips the walk over the parsed value: the names
 * themselves, or an escape that could spell them (indexOf: about half the time of one regex with
 * alternatives on a 2 KB JWS).
 */
function mayHoldForbiddenKey(text: string): boolean {
  return text.indexOf('__proto__') !== -1 || text.indexOf('constructor') !== -1 || (text.indexOf('\\u00') !== -1 && ESCAPED_LETTER.test(text));
}

const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;

/** Iterative walk (no recursion) refusing forbidden keys; the error names the offending key's path. */
function checkKeys(root: unknown): void {
  const stack: Array<{ value: unknown; path: string }> = [{ value: root, path: '' }];
  while (stack.length > 0) {
    const { value, path } = stack.pop()!;
    if (value === null || typeof value !== 'object') continue;
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) stack.push({ value: value[i], path: `${path}[${i}]` });
      continue;
    }
    for (const key of Object.keys(value)) {
      const keyPath = memberPath(path, key);
      if (FORBIDDEN.has(key)) {
        throw new LtError('SCHEMA_INVALID', `${keyPath}: the key "${key}" is not allowed in JSON input`, {
          field: keyPath,
          reason: 'forbidden_key',
        });
      }
      stack.push({ value: (value as Record<string, unknown>)[key], path: keyPath });
    }
  }
}

const POSITION = /at position (\d+)/;
const ECHOED_INPUT = /, ".*" is not valid JSON$/s;

function malformed(text: string, e: unknown): LtError {
  const raw = e instanceof Error ? e.message : String(e);
  let position: number | undefined;
  const m = POSITION.exec(raw);
  if (m) position = Number(m[1]);
  else if (raw.startsWith('Unexpected end of JSON input')) position = text.length;
  // V8 echoes part of the input; keep untrusted text out of messages and logs
  let reason = raw.replace(ECHOED_INPUT, '').replace(/ in JSON at position \d+.*$/s, '');
  if (text.charCodeAt(0) === 0xfeff) {
    reason = 'starts with a byte order mark (U+FEFF), which JSON text must not carry';
    position = 0;
  }
  const where = position === undefined ? '' : ` at position ${position}`;
  return new LtError('MALFORMED_JSON', `malformed JSON${where}: ${reason}`, position === undefined ? { reason: 'syntax' } : { reason: 'syntax', position });
}
