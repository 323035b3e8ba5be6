import { isAgencyCode, parseAgencyCode, type AgencyCode } from '../agency-code/agency-code';
import { LtError } from '../errors';
import { daysInMonth, toVnLocalDate, type LocalDate } from './local-time';

/**
 * Dossier code `<agency code>-<YYMMDD>-<NNNN>` of one-stop-shop dossiers, e.g.
 * `000.00.00.H41-250701-0001`: the receiving agency, its Vietnam-local day of receipt and a
 * 4-digit daily sequence. The hub allocates the sequence (gap-free per agency and day); this
 * module only formats and parses.
 */
export type DossierCode = string & { readonly __dossierCode: unique symbol };

export const DOSSIER_CODE_MAX_SEQ = 9999;

export interface ParsedDossierCode {
  code: DossierCode;
  agencyCode: AgencyCode;
  /** Vietnam-local day of receipt, `YYYY-MM-DD` (YY read as 20YY) */
  date: LocalDate;
  /** the `YYMMDD` part as written */
  yymmdd: string;
  seq: number;
}

/** `YYMMDD` of an instant in Vietnam local time (the day part of a dossier code). */
export function dossierCodeDay(date: Date): string {
  const day = toVnLocalDate(date, 'date');
  return day.slice(2, 4) + day.slice(5, 7) + day.slice(8, 10);
}

/**
 * The key a daily sequence is allocated under: `<agency>-<YYMMDD>`. Codes sharing a prefix
 * share one sequence, so the allocator keeps one counter row per prefix.
 */
export function dossierCodePrefix(agencyCode: string, date: Date): string {
  return `${parseAgencyCode(agencyCode)}-${dossierCodeDay(date)}`;
}

export function formatDossierCode(agencyCode: string, date: Date, seq: number): DossierCode {
  if (!Number.isInteger(seq) || seq < 1) {
    throw new LtError('VALIDATION_FAILED', `dossier sequence must be an integer from 1 to ${DOSSIER_CODE_MAX_SEQ}, got ${seq}`, {
      field: 'seq',
      input: seq,
    });
  }
  if (seq > DOSSIER_CODE_MAX_SEQ) {
    throw new LtError(
      'VALIDATION_FAILED',
      `daily dossier sequence exhausted: sequence ${seq} exceeds ${DOSSIER_CODE_MAX_SEQ}, the most dossiers an agency can register in one day with a 4-digit code`,
      { field: 'seq', input: seq, reason: 'sequence_exhausted', max: DOSSIER_CODE_MAX_SEQ },
    );
  }
  return `${dossierCodePrefix(agencyCode, date)}-${String(seq).padStart(4, '0')}` as DossierCode;
}

function invalidCode(input: unknown, part: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `invalid dossier code ${JSON.stringify(input)}: ${message}`, {
    field: 'dossierCode',
    part,
    input,
  });
}

/** Parses `<agency code>-<YYMMDD>-<NNNN>`, throwing VALIDATION_FAILED that names the faulty part. */
export function parseDossierCode(input: unknown): ParsedDossierCode {
  if (typeof input !== 'string') {
    throw invalidCode(input, 'type', `expected a string, got ${input === null ? 'null' : typeof input}`);
  }
  const parts = input.split('-');
  if (parts.length !== 3) {
    throw invalidCode(input, 'format', `expected <agency code>-<YYMMDD>-<NNNN> (3 parts separated by "-"), found ${parts.length} part(s)`);
  }
  const [agency, yymmdd, seqText] = parts as [string, string, string];
  if (!isAgencyCode(agency)) {
    let reason = 'malformed';
    try {
      parseAgencyCode(agency);
    } catch (e) {
      reason = (e as Error).message;
    }
    throw invalidCode(input, 'agencyCode', `agency code part ${JSON.stringify(agency)} is not a valid agency code (${reason})`);
  }
  if (!/^\d{6}$/.test(yymmdd)) {
    throw invalidCode(input, 'date', `date part ${JSON.stringify(yymmdd)} must be 6 digits YYMMDD`);
  }
  const year = 2000 + Number(yymmdd.slice(0, 2));
  const month = Number(yymmdd.slice(2, 4));
  const day = Number(yymmdd.slice(4, 6));
  if (month < 1 || month > 12) throw invalidCode(input, 'date', `date part ${yymmdd} has month ${month}; expected 01-12`);
  if (day < 1 || day > daysInMonth(year, month)) {
    throw invalidCode(input, 'date', `date part ${yymmdd} has day ${day}; ${year}-${String(month).padStart(2, '0')} has ${daysInMonth(year, month)} days`);
  }
  if (!/^\d{4}$/.test(seqText)) {
    throw invalidCode(input, 'sequence', `sequence part ${JSON.stringify(seqText)} must be 4 digits`);
  }
  const seq = Number(seqText);
  if (seq < 1) throw invalidCode(input, 'sequence', 'sequence part 0000 is not allowed; daily sequences start at 0001');
  return {
    code: input as DossierCode,
    agencyCode: agency as AgencyCode,
    date: `${year}-${yymmdd.slice(2, 4)}-${yymmdd.slice(4, 6)}`,
    yymmdd,
    seq,
  };
}

export function isDossierCode(input: unknown): input is DossierCode {
  try {
    parseDossierCode(input);
    return true;
  } catch {
    return false;
  }
}
