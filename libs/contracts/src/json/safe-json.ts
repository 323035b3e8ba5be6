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
 * position when V8 reports one), SCHEMA_INVALID for nesting deeper than maxDepth or a
 * `__proto__` / `constructor` key at any depth.
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
  if (mayHoldForbiddenKey(text)) checkKeys(value);
  return value;
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

// the names themselves, or an escaped ASCII letter/underscore (`\u005f`, `\u0063`) that could spell them
const MAY_HOLD_FORBIDDEN_KEY = /__proto__|constructor|\\u00[5-7]/;

/** Cheap pre-check so that the usual payload skips the walk over the parsed value. */
function mayHoldForbiddenKey(text: string): boolean {
  return MAY_HOLD_FORBIDDEN_KEY.test(text);
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
      const shown = PLAIN_KEY.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
      const keyPath = path === '' ? shown : `${path}.${shown}`;
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
