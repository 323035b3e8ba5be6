import type { DocumentBody, Envelope } from '@lt/contracts';
import type { DocumentNumber } from './decision';

/** Vietnam has one time zone, UTC+7, no daylight saving: the "year" of a document is local. */
const VN_OFFSET_MS = 7 * 3_600_000;

/** Compared as the clerk means them: NFC, trimmed, inner whitespace collapsed, case-insensitive. */
export function normaliseCodePart(value: string): string {
  return value.normalize('NFC').trim().replace(/\s+/g, ' ').toUpperCase();
}

/**
 * The Decree 30 key of a document envelope, or undefined when the rule does not apply: only new
 * documents (businessDocType absent or 0) take a number; a revocation, update or replacement
 * refers to an original and may carry its number. The year is the promulgation date's when
 * given, otherwise issuedAt's in Vietnam time.
 */
export function documentNumberOf(envelope: Envelope): DocumentNumber | undefined {
  if (envelope.kind !== 'document') return undefined;
  const body = envelope.body as DocumentBody;
  if (body.business && body.business.businessDocType !== 0) return undefined;
  const codeNumber = normaliseCodePart(body.code.codeNumber);
  const codeNotation = normaliseCodePart(body.code.codeNotation);
  const date = body.promulgationInfo?.promulgationDate;
  const year = date ? Number(date.slice(0, 4)) : new Date(Date.parse(envelope.issuedAt) + VN_OFFSET_MS).getUTCFullYear();
  return { sender: envelope.from, year, codeNumber, codeNotation };
}

export function documentNumberKey(n: DocumentNumber): string {
  return `${n.sender}\u0000${n.year}\u0000${n.codeNumber}\u0000${n.codeNotation}`;
}
