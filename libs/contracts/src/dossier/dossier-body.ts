import { isAgencyCode } from '../agency-code/agency-code';
import { LIMITS, type AttachmentRef } from '../envelope/envelope';
import { LtError } from '../errors';
import { isTier, TIERS, type Tier } from '../tiers';
import { isDossierCode } from './dossier-code';
import { isDossierStateCode, type DossierStateCode } from './dossier-state';
import { isLocalDate } from './local-time';

/** Procedure codes as the catalog writes them (`DEMO-HT-KHAISINH`). */
export const PROCEDURE_CODE_RE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** One applicant field's value; which fields a procedure accepts is the catalog's business. */
export type ApplicantValue = string | number | boolean | string[];

/**
 * Body of a `dossier` envelope. The sender is the envelope's `from`.
 * - `submit`: the receiving agency registers a dossier; the hub issues the dossier code, so the
 *   body carries none. `applicant` is checked against the procedure by the hub's catalog.
 * - `transfer`: the holder sends it to another agency, with the step deadline given as
 *   `stepWorkingDays` (counted by the hub's calendar) or `stepDueAt` (exactly one).
 * - `return`: the step's target sends it back to the step's sender.
 * - `transition`: a state change (table in libs/dossier-domain lifecycle.ts); `apology` only with `toState: 9`.
 * Deadlines (`stepDueAt`, `apology.newDueAt`) are a `YYYY-MM-DD` local day or an ISO timestamp;
 * either way the deadline is the end of that Vietnam-local day.
 */
export const DOSSIER_BODY_ACTIONS = ['submit', 'transfer', 'return', 'transition'] as const;
export type DossierBodyAction = (typeof DOSSIER_BODY_ACTIONS)[number];

export interface DossierSubmitBody {
  action: 'submit';
  procedureCode: string;
  /** when the one-stop desk received it (ISO timestamp) */
  receivedAt: string;
  applicant: Record<string, ApplicantValue>;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface DossierTransferBody {
  action: 'transfer';
  dossierCode: string;
  procedureCode: string;
  toAgency: string;
  toTier?: Tier;
  stepWorkingDays?: number;
  stepDueAt?: string;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface DossierReturnBody {
  action: 'return';
  dossierCode: string;
  procedureCode: string;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface DossierTransitionBody {
  action: 'transition';
  dossierCode: string;
  procedureCode: string;
  toState: DossierStateCode;
  reason?: string;
  apology?: { newDueAt: string; reason: string; issuedAt?: string };
  attachments?: AttachmentRef[];
  note?: string;
}

export type DossierBody = DossierSubmitBody | DossierTransferBody | DossierReturnBody | DossierTransitionBody;

export const DOSSIER_BODY_LIMITS = { text: 2000, applicantFields: 100 } as const;

const ISO_TS_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:\d{2})$/;
const SHA256_RE = /^[0-9a-f]{64}$/;

function fail(path: string, message: string): never {
  throw new LtError('SCHEMA_INVALID', `${path} ${message}`, { field: path });
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function onlyKeys(o: Record<string, unknown>, allowed: readonly string[], path: string): void {
  for (const k of Object.keys(o)) {
    if (!allowed.includes(k)) fail(path ? `${path}.${k}` : k, `is not a known field here (allowed: ${allowed.join(', ')})`);
  }
}

function text(v: unknown, path: string, required: boolean): string | undefined {
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string' || v.trim() === '') fail(path, 'must be a non-empty string');
  if (v.length > DOSSIER_BODY_LIMITS.text) fail(path, `must be at most ${DOSSIER_BODY_LIMITS.text} characters, got ${v.length}`);
  return v;
}

function timestamp(v: unknown, path: string): string {
  if (typeof v !== 'string' || !ISO_TS_RE.test(v) || Number.isNaN(Date.parse(v))) fail(path, `must be an ISO 8601 timestamp with offset, got ${JSON.stringify(v)}`);
  return v;
}

function dayOrTimestamp(v: unknown, path: string): string {
  if (isLocalDate(v)) return v;
  if (typeof v === 'string' && ISO_TS_RE.test(v) && !Number.isNaN(Date.parse(v))) return v;
  fail(path, `must be a YYYY-MM-DD day or an ISO 8601 timestamp, got ${JSON.stringify(v)}`);
}

function attachments(v: unknown, path: string): AttachmentRef[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v)) fail(path, 'must be an array of {name, mediaType, size, sha256}');
  if (v.length > LIMITS.maxAttachments) fail(path, `has ${v.length} entries; at most ${LIMITS.maxAttachments}`);
  return v.map((a, i) => {
    const p = `${path}[${i}]`;
    if (!isObject(a)) fail(p, 'must be an object {name, mediaType, size, sha256}');
    onlyKeys(a, ['name', 'mediaType', 'size', 'sha256'], p);
    if (typeof a.name !== 'string' || a.name.length === 0 || a.name.length > 200) fail(`${p}.name`, 'must be a string of 1-200 characters');
    if (typeof a.mediaType !== 'string' || !/^[\w.+-]+\/[\w.+-]+$/.test(a.mediaType)) fail(`${p}.mediaType`, 'must be a media type such as application/pdf');
    if (typeof a.size !== 'number' || !Number.isInteger(a.size) || a.size < 0) fail(`${p}.size`, 'must be a non-negative integer');
    if (typeof a.sha256 !== 'string' || !SHA256_RE.test(a.sha256)) fail(`${p}.sha256`, 'must be a lowercase hex SHA-256 digest (64 characters)');
    return { name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256 };
  });
}

function dossierCode(v: unknown, path: string): string {
  if (!isDossierCode(v)) fail(path, `must be a dossier code <agency code>-YYMMDD-NNNN, got ${JSON.stringify(v)}`);
  return v;
}

function procedureCode(v: unknown, path: string): string {
  if (typeof v !== 'string' || !PROCEDURE_CODE_RE.test(v)) fail(path, `must be a procedure code matching ${PROCEDURE_CODE_RE}, got ${JSON.stringify(v)}`);
  return v;
}

function applicant(v: unknown, path: string): Record<string, ApplicantValue> {
  if (!isObject(v)) fail(path, 'must be an object of applicant fields');
  const keys = Object.keys(v);
  if (keys.length > DOSSIER_BODY_LIMITS.applicantFields) fail(path, `has ${keys.length} fields; at most ${DOSSIER_BODY_LIMITS.applicantFields}`);
  const out: Record<string, ApplicantValue> = {};
  for (const k of keys) {
    const x = v[k];
    const ok =
      typeof x === 'string' ||
      typeof x === 'boolean' ||
      (typeof x === 'number' && Number.isFinite(x)) ||
      (Array.isArray(x) && x.every((e) => typeof e === 'string'));
    if (!ok) fail(`${path}.${k}`, 'must be a string, finite number, boolean or list of strings');
    out[k] = Array.isArray(x) ? [...(x as string[])] : (x as ApplicantValue);
  }
  return out;
}

const COMMON = ['action', 'dossierCode', 'procedureCode', 'attachments', 'note'] as const;

/** Checks a dossier envelope body, throwing SCHEMA_INVALID that names the offending path. */
export function validateDossierBody(body: unknown): DossierBody {
  if (!isObject(body)) fail('body', 'must be an object');
  const action = body.action;
  if (typeof action !== 'string' || !(DOSSIER_BODY_ACTIONS as readonly string[]).includes(action)) {
    fail('body.action', `must be one of ${DOSSIER_BODY_ACTIONS.join(', ')}, got ${JSON.stringify(action)}`);
  }
  const note = text(body.note, 'body.note', false);
  const atts = attachments(body.attachments, 'body.attachments');
  const optional = { ...(atts ? { attachments: atts } : {}), ...(note !== undefined ? { note } : {}) };

  switch (action as DossierBodyAction) {
    case 'submit': {
      if (body.dossierCode !== undefined) fail('body.dossierCode', 'must be absent on submit: the hub issues the dossier code');
      onlyKeys(body, ['action', 'procedureCode', 'receivedAt', 'applicant', 'attachments', 'note'], 'body');
      return {
        action: 'submit',
        procedureCode: procedureCode(body.procedureCode, 'body.procedureCode'),
        receivedAt: timestamp(body.receivedAt, 'body.receivedAt'),
        applicant: applicant(body.applicant, 'body.applicant'),
        ...optional,
      };
    }
    case 'transfer': {
      onlyKeys(body, [...COMMON, 'toAgency', 'toTier', 'stepWorkingDays', 'stepDueAt'], 'body');
      const out: DossierTransferBody = {
        action: 'transfer',
        dossierCode: dossierCode(body.dossierCode, 'body.dossierCode'),
        procedureCode: procedureCode(body.procedureCode, 'body.procedureCode'),
        toAgency: isAgencyCode(body.toAgency) ? body.toAgency : fail('body.toAgency', `must be an agency code DDD.CC.BB.AXX, got ${JSON.stringify(body.toAgency)}`),
        ...optional,
      };
      if (body.toTier !== undefined) {
        if (!isTier(body.toTier)) fail('body.toTier', `must be one of ${TIERS.join(', ')}`);
        out.toTier = body.toTier;
      }
      if ((body.stepWorkingDays === undefined) === (body.stepDueAt === undefined)) {
        fail('body.stepWorkingDays', 'or body.stepDueAt is required, not both: a transfer carries its step deadline');
      }
      if (body.stepWorkingDays !== undefined) {
        const n = body.stepWorkingDays;
        if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > 365) fail('body.stepWorkingDays', `must be an integer from 1 to 365, got ${JSON.stringify(n)}`);
        out.stepWorkingDays = n;
      } else {
        out.stepDueAt = dayOrTimestamp(body.stepDueAt, 'body.stepDueAt');
      }
      return out;
    }
    case 'return': {
      onlyKeys(body, [...COMMON], 'body');
      return {
        action: 'return',
        dossierCode: dossierCode(body.dossierCode, 'body.dossierCode'),
        procedureCode: procedureCode(body.procedureCode, 'body.procedureCode'),
        ...optional,
      };
    }
    case 'transition': {
      onlyKeys(body, [...COMMON, 'toState', 'reason', 'apology'], 'body');
      const toState = body.toState;
      if (!isDossierStateCode(toState) || toState === 1) fail('body.toState', `must be a dossier state from 2 to 10, got ${JSON.stringify(toState)}`);
      const out: DossierTransitionBody = {
        action: 'transition',
        dossierCode: dossierCode(body.dossierCode, 'body.dossierCode'),
        procedureCode: procedureCode(body.procedureCode, 'body.procedureCode'),
        toState,
        ...optional,
      };
      const reason = text(body.reason, 'body.reason', false);
      if (reason !== undefined) out.reason = reason;
      if (body.apology !== undefined) {
        if (toState !== 9) fail('body.apology', 'is only allowed with toState 9 (a late settlement)');
        const a = body.apology;
        if (!isObject(a)) fail('body.apology', 'must be an object {newDueAt, reason, issuedAt?}');
        onlyKeys(a, ['newDueAt', 'reason', 'issuedAt'], 'body.apology');
        out.apology = {
          newDueAt: dayOrTimestamp(a.newDueAt, 'body.apology.newDueAt'),
          reason: text(a.reason, 'body.apology.reason', true)!,
          ...(a.issuedAt !== undefined ? { issuedAt: timestamp(a.issuedAt, 'body.apology.issuedAt') } : {}),
        };
      }
      return out;
    }
  }
}
