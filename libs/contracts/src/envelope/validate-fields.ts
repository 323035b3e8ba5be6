import { LtError } from '../errors';
import { isUuid } from '../ids';
import { parseAgencyCode, type AgencyCode } from '../agency-code/agency-code';

/**
 * Field checks shared by the envelope validators and by body validators plugged in from other
 * modules (registerBodyValidator). Every failure is an LtError whose message starts with the JSON
 * path of the offending field and whose details carry it as `field`.
 */

export type JsonObject = Record<string, unknown>;

/** SCHEMA_INVALID naming the field: `${field} ${problem}`. */
export function schemaError(field: string, problem: string, details?: Record<string, unknown>): LtError {
  return new LtError('SCHEMA_INVALID', `${field} ${problem}`, { field, ...details });
}

/** Short type name for messages: null, array, object, string, number, boolean, undefined ... */
export function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  return typeof value;
}

function isPlainObject(value: unknown): value is JsonObject {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  // an Object.prototype of any realm (vm contexts, structuredClone under Jest) or none; class instances fail
  const proto = Object.getPrototypeOf(value);
  return proto === null || Object.getPrototypeOf(proto) === null;
}

// keys echoed as-is in paths; anything else is quoted and clipped (it is untrusted input)
const PLAIN_KEY = /^[A-Za-z0-9_$-]{1,64}$/;

/** A plain object whose keys all belong to `allowed` (closed field set); field '' is the root. */
export function checkObject(value: unknown, field: string, allowed: ReadonlySet<string>): JsonObject {
  if (!isPlainObject(value)) {
    throw field === '' ? new LtError('SCHEMA_INVALID', `envelope must be an object, got ${describeType(value)}`, { field: '' }) : schemaError(field, `must be an object, got ${describeType(value)}`);
  }
  for (const key in value) {
    if (!allowed.has(key)) {
      const shown = PLAIN_KEY.test(key) ? key : JSON.stringify(key.length > 40 ? `${key.slice(0, 40)}…` : key);
      const keyPath = field === '' ? shown : `${field}.${shown}`;
      throw schemaError(keyPath, `is not a known field of ${field === '' ? 'the envelope' : field}`, { reason: 'unknown_field' });
    }
  }
  return value;
}

/** A plain object with any keys (e.g. a dossier body without a registered validator). */
export function checkAnyObject(value: unknown, field: string): JsonObject {
  if (!isPlainObject(value)) throw schemaError(field, `must be an object, got ${describeType(value)}`);
  return value;
}

export interface TextRule {
  /** refuse absent, empty and whitespace-only values */
  required?: boolean;
  /** most characters (Unicode code points) allowed */
  max?: number;
}

// C0 controls except TAB and LF, DEL, C1 controls, and the XML non-characters U+FFFE/U+FFFF:
// anything here would not survive an edXML (XML 1.0) export
const FORBIDDEN_TEXT_CHAR = /[\u0000-\u0008\u000B-\u001F\u007F-\u009F\uFFFE\uFFFF]/;

/** Number of Unicode code points; cheap when the UTF-16 length already decides. */
export function charCount(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // count a surrogate pair once: skip the low half
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) i++;
    }
    n++;
  }
  return n;
}

function codePointLabel(cp: number): string {
  return `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
}

function isWellFormed(s: string): boolean {
  return (s as unknown as { isWellFormed(): boolean }).isWellFormed();
}

/** Free text: a string without control characters other than \n and \t, within `max` characters. */
export function checkText(value: unknown, field: string, rule: TextRule & { required: true }): string;
export function checkText(value: unknown, field: string, rule?: TextRule): string | undefined;
export function checkText(value: unknown, field: string, rule: TextRule = {}): string | undefined {
  if (value === undefined) {
    if (rule.required) throw schemaError(field, 'is required', { reason: 'required' });
    return undefined;
  }
  if (typeof value !== 'string') throw schemaError(field, `must be a string, got ${describeType(value)}`);
  if (rule.max !== undefined && value.length > rule.max) {
    const count = charCount(value);
    if (count > rule.max) throw schemaError(field, `is ${count} characters; at most ${rule.max}`, { reason: 'too_long', max: rule.max, length: count });
  }
  if (rule.required && value.trim() === '') throw schemaError(field, 'must not be blank', { reason: 'blank' });
  const bad = FORBIDDEN_TEXT_CHAR.exec(value);
  if (bad) {
    throw schemaError(field, `contains control character ${codePointLabel(bad[0].charCodeAt(0))} at index ${bad.index}; only \\n and \\t are allowed`, {
      reason: 'control_char',
      index: bad.index,
    });
  }
  if (!isWellFormed(value)) throw schemaError(field, 'contains an unpaired UTF-16 surrogate', { reason: 'surrogate' });
  return value;
}

export interface IntegerRule {
  required?: boolean;
  min?: number;
  max?: number;
}

/** An integer (a JSON number, not a numeric string) within [min, max]. */
export function checkInteger(value: unknown, field: string, rule: IntegerRule & { required: true }): number;
export function checkInteger(value: unknown, field: string, rule?: IntegerRule): number | undefined;
export function checkInteger(value: unknown, field: string, rule: IntegerRule = {}): number | undefined {
  if (value === undefined) {
    if (rule.required) throw schemaError(field, 'is required', { reason: 'required' });
    return undefined;
  }
  const min = rule.min ?? Number.MIN_SAFE_INTEGER;
  const max = rule.max ?? Number.MAX_SAFE_INTEGER;
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < min || value > max) {
    const range = rule.min === undefined && rule.max === undefined ? 'an integer' : rule.max === undefined ? `an integer >= ${min}` : `an integer from ${min} to ${max}`;
    const got = typeof value === 'number' ? String(value) : describeType(value);
    throw schemaError(field, `must be ${range}, got ${got}`, { reason: 'integer' });
  }
  return value;
}

/** An array of at most `max` items (items are checked by the caller). */
export function checkArray(value: unknown, field: string, rule: { required: true; max?: number; nonEmpty?: boolean }): unknown[];
export function checkArray(value: unknown, field: string, rule?: { required?: boolean; max?: number; nonEmpty?: boolean }): unknown[] | undefined;
export function checkArray(value: unknown, field: string, rule: { required?: boolean; max?: number; nonEmpty?: boolean } = {}): unknown[] | undefined {
  if (value === undefined) {
    if (rule.required) throw schemaError(field, 'is required', { reason: 'required' });
    return undefined;
  }
  if (!Array.isArray(value)) throw schemaError(field, `must be an array, got ${describeType(value)}`);
  if (rule.nonEmpty && value.length === 0) throw schemaError(field, 'must not be empty', { reason: 'empty' });
  if (rule.max !== undefined && value.length > rule.max) {
    throw schemaError(field, `has ${value.length} entries; at most ${rule.max}`, { reason: 'too_many', max: rule.max });
  }
  return value;
}

/** A UUID as written by ids.ts (lowercase, RFC 9562 version and variant). */
export function checkUuid(value: unknown, field: string, rule: { required?: boolean } = { required: true }): string | undefined {
  if (value === undefined && !rule.required) return undefined;
  if (!isUuid(value)) {
    throw schemaError(field, value === undefined ? 'is required' : `must be a lowercase UUID, got ${preview(value)}`, { reason: value === undefined ? 'required' : 'uuid' });
  }
  return value;
}

// the common well-formed shape; anything else goes through the parser for a precise reason
const PLAIN_AGENCY_CODE = /^\d{3}\.\d\d\.\d\d\.[A-K]\d\d$/;

function hasMissingParent(code: string): boolean {
  // level-3 (CC) set under a zero level-2 (BB), or level-4 (DDD) set under a zero level-3
  const bbZero = code.charCodeAt(7) === 48 && code.charCodeAt(8) === 48;
  const ccZero = code.charCodeAt(4) === 48 && code.charCodeAt(5) === 48;
  const dddZero = code.startsWith('000');
  return (!ccZero && bbZero) || (!dddZero && ccZero);
}

/** An agency code; failures keep the parser's INVALID_AGENCY_CODE and its segment/reason. */
export function checkAgencyCode(value: unknown, field: string): AgencyCode {
  if (typeof value === 'string' && PLAIN_AGENCY_CODE.test(value) && !hasMissingParent(value)) return value as AgencyCode;
  try {
    return parseAgencyCode(value);
  } catch (e) {
    const err = e as LtError;
    throw new LtError(err.code, `${field}: ${err.message}`, { ...err.details, field });
  }
}

const TIMESTAMP_UTC_MS = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;
const ISO_DATE_OR_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2})))?$/;
const ISO_DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** Calendar check of regex captures [_, Y, M, D, h?, m?, s?, zone?, oh?, om?]. */
function realDate(m: RegExpExecArray): boolean {
  const year = Number(m[1]);
  const month = Number(m[2]);
  const day = Number(m[3]);
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return false;
  if (m[4] !== undefined && Number(m[4]) > 23) return false;
  if (m[5] !== undefined && Number(m[5]) > 59) return false;
  if (m[6] !== undefined && Number(m[6]) > 59) return false;
  if (m[8] !== undefined && (Number(m[8]) > 23 || Number(m[9]) > 59)) return false;
  return true;
}

function checkPattern(value: unknown, field: string, re: RegExp, what: string, example: string, required: boolean): string | undefined {
  if (value === undefined) {
    if (required) throw schemaError(field, 'is required', { reason: 'required' });
    return undefined;
  }
  if (typeof value !== 'string') throw schemaError(field, `must be ${what} string, got ${describeType(value)}`);
  const m = re.exec(value);
  if (!m || !realDate(m)) throw schemaError(field, `must be ${what} like ${example}, got ${preview(value)}`, { reason: 'timestamp' });
  return value;
}

/** The envelope's own clock format: ISO-8601 UTC with milliseconds, `2026-11-22T08:00:00.000Z`. */
export function checkUtcTimestamp(value: unknown, field: string, rule: { required?: boolean } = { required: true }): string | undefined {
  return checkPattern(value, field, TIMESTAMP_UTC_MS, 'an ISO-8601 UTC timestamp with milliseconds', '2026-11-22T08:00:00.000Z', rule.required ?? false);
}

/** An ISO-8601 date-time with a zone (Z or ±HH:MM), seconds and fraction optional. */
export function checkIsoDateTime(value: unknown, field: string, rule: { required?: boolean } = {}): string | undefined {
  return checkPattern(value, field, ISO_DATE_TIME, 'an ISO-8601 date-time with a zone', '2026-11-22T15:00:00+07:00', rule.required ?? false);
}

/** An ISO-8601 calendar date (`2026-11-22`) or date-time with a zone, as edXML dates come in both. */
export function checkIsoDate(value: unknown, field: string, rule: { required?: boolean } = {}): string | undefined {
  return checkPattern(value, field, ISO_DATE_OR_DATE_TIME, 'an ISO-8601 date or date-time', '2026-11-22', rule.required ?? false);
}

// plausible, not RFC 5322: one @, no spaces or brackets, a domain of two or more non-empty labels
const EMAIL = /^[^\s@"<>(),;:\\[\]]+@(?:[^\s@"<>(),;:\\[\].]+\.)+[^\s@"<>(),;:\\[\].]+$/;

export function checkEmail(value: unknown, field: string): string | undefined {
  const text = checkText(value, field, { max: 254 });
  if (text === undefined) return undefined;
  if (!EMAIL.test(text)) {
    throw schemaError(field, `is not a plausible email address: ${preview(text)}`, { reason: 'email' });
  }
  return text;
}

/** A short, safe rendering of an untrusted value for messages. */
export function preview(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  return describeType(value);
}
