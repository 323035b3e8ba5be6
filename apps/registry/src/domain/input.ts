import { LtError, parseAgencyCode, type AgencyCode, type AgencyContact } from '@lt/contracts';
import { CONTACT_FIELDS } from './agency';

/** Payload checks shared by the use cases: every failure names the field and what it got. */

export function invalid(field: string, message: string, extra: Record<string, unknown> = {}): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field, ...extra });
}

export function asObject(value: unknown, field: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalid(field, 'must be an object');
  return value as Record<string, unknown>;
}

export function rejectUnknownFields(o: Record<string, unknown>, allowed: readonly string[], where: string): void {
  const extra = Object.keys(o).filter((k) => !allowed.includes(k));
  if (extra.length > 0) throw invalid(where, `has unknown field(s) ${extra.join(', ')}; allowed: ${allowed.join(', ')}`, { unknown: extra });
}

// same rule as free text in envelopes: no C0/C1 controls (tab excepted), no DEL, no lone surrogates;
// Postgres refuses NUL outright and CR/LF in a directory field is a header-injection vector
 
const FORBIDDEN_TEXT = /[\u0000-\u0008\u000a-\u001f\u007f-\u009f\ufffe\uffff]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/u;

/** Throws VALIDATION_FAILED naming the first control/invalid character of a text field. */
export function checkText(v: string, field: string): void {
  const m = FORBIDDEN_TEXT.exec(v);
  if (m) {
    const cp = m[0].codePointAt(0)!;
    throw invalid(field, `contains control or invalid character U+${cp.toString(16).toUpperCase().padStart(4, '0')} at position ${m.index}`);
  }
}

/** A non-empty string (trimmed), at most `max` characters, without control characters. */
export function requiredString(value: unknown, field: string, max: number): string {
  if (typeof value !== 'string') throw invalid(field, `must be a string, got ${describe(value)}`);
  checkText(value, field);
  const v = value.trim();
  if (v.length === 0) throw invalid(field, 'must not be empty');
  if (v.length > max) throw invalid(field, `must be at most ${max} characters, got ${v.length}`);
  return v;
}

/** Absent/null/empty -> null; otherwise a trimmed string of at most `max` characters. */
export function optionalString(value: unknown, field: string, max: number): string | null {
  if (value === undefined || value === null) return null;
  if (typeof value !== 'string') throw invalid(field, `must be a string or null, got ${describe(value)}`);
  checkText(value, field);
  const v = value.trim();
  if (v.length === 0) return null;
  if (v.length > max) throw invalid(field, `must be at most ${max} characters, got ${v.length}`);
  return v;
}

export function parseCodeField(value: unknown, field: string): AgencyCode {
  try {
    return parseAgencyCode(value);
  } catch (e) {
    const err = e as LtError;
    throw new LtError(err.code, `${field}: ${err.message}`, { ...err.details, field });
  }
}

/** ISO-8601 timestamp (with a zone) -> normalised ISO string. */
export function parseTime(value: unknown, field: string): string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(value)) {
    throw invalid(field, `must be an ISO-8601 timestamp with a zone (e.g. 2026-01-01T00:00:00Z), got ${describe(value)}`);
  }
  const t = new Date(value);
  if (Number.isNaN(t.getTime())) throw invalid(field, `is not a valid time: ${JSON.stringify(value)}`);
  return t.toISOString();
}

export const CONTACT_MAX = 500;

/** Only the fields present are returned, so an update can tell "clear" (null) from "keep" (absent). */
export function parseContact(value: unknown, field = 'contact'): AgencyContact {
  if (value === undefined || value === null) return {};
  const o = asObject(value, field);
  rejectUnknownFields(o, CONTACT_FIELDS, field);
  const out: AgencyContact = {};
  for (const f of CONTACT_FIELDS) {
    if (f in o) out[f] = optionalString(o[f], `${field}.${f}`, CONTACT_MAX);
  }
  if (out.email && !/^[^\s@]+@[^\s@]+$/.test(out.email)) throw invalid(`${field}.email`, `is not an e-mail address: ${JSON.stringify(out.email)}`);
  return out;
}

export function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  return typeof value;
}
