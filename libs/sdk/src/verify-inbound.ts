import {
  ENVELOPE_KINDS,
  HEADERS,
  HUB_KID_PREFIX,
  JWS_TYP,
  LtError,
  checkUtcTimestamp,
  parseInboxHeaders,
  checkUuid,
  type ParsedInboxHeaders,
  isAgencyCode,
  parseJsonBytes,
  validateEnvelope,
  validateRecallBody,
  validateReceiptBody,
  validateStatusBody,
  type Envelope,
  type EnvelopeKind,
  type FlattenedJws,
} from '@lt/contracts';
import { base64urlDecode, decodeJws, isSigningAlg, parseProtectedHeader, sha256Hex, verifyDecoded } from '@lt/crypto';
import type { AgencyDirectory } from './directory';
import { checkAddressedTo, checkIssuedAtWindow, type IssuedAtWindow } from './inbound-checks';

/**
 * Verification of what arrives in an inbox. Agencies never trust the hub for integrity: every
 * copy is checked again against the sender's key from the in-memory directory. Hub-signed
 * envelopes (refusals, receipts, notices; kid `hub#<id>`) are checked against the hub's envelope
 * keys in KV (token and checkpoint keys never vouch for one).
 * Every failure is an LtError: MALFORMED_JSON / SCHEMA_INVALID / PAYLOAD_TOO_LARGE (bytes or
 * envelope; a key repeated in signed JSON, or a routing header other than Lt-From / Lt-Kid that
 * disagrees, is SCHEMA_INVALID), BAD_SIGNATURE (ES256: high-S too), UNKNOWN_KEY, KEY_REVOKED,
 * SENDER_MISMATCH (`from` not the signer's agency, or an Lt-From / Lt-Kid header that disagrees
 * with the signature), and with expectations FORBIDDEN (not addressed to the reader) and
 * CLOCK_SKEW (issuedAt outside the window).
 */

export interface VerifiedInbound {
  envelope: Envelope;
  jws: FlattenedJws;
  /** header kid: `<agency code>#<key id>` or `hub#<key id>` */
  kid: string;
  /** the authenticated signer: the sender's agency code, or 'hub' */
  signer: string;
  hubSigned: boolean;
}

/** What the reader of a copy knows beyond the copy: who reads it, and when. */
export interface InboundExpectations {
  /**
   * the agency whose inbox the copy came from: Lt-To must name it, and the signed envelope must be
   * addressed to it (or the copy forwarded to it from an agency it succeeds), see checkAddressedTo
   */
  recipient?: string;
  /** the reader's clock (ms): the signed issuedAt must lie within issuedAtWindow around it */
  nowMs?: number;
  /** default DEFAULT_ISSUED_AT_WINDOW */
  issuedAtWindow?: Readonly<IssuedAtWindow>;
}

/**
 * Verifies one inbox copy: its signature against the directory, its routing headers (when given)
 * against the signed envelope, and, when `expect` says, that it is addressed to the reader and
 * recent enough. Throws the LtError of the first failure.
 */
export function verifyInbound(bytes: Uint8Array, dir: AgencyDirectory, headers?: Record<string, string>, expect: InboundExpectations = {}): VerifiedInbound {
  const verified = verifySignedCopy(bytes, dir);
  const routing = headers ? checkRoutingHeaders(verified, headers, { bytes, recipient: expect.recipient }) : undefined;
  if (expect.recipient !== undefined) checkAddressedTo(verified, expect.recipient, dir, routing?.forwardedFrom);
  if (expect.nowMs !== undefined) checkIssuedAtWindow(verified.envelope, expect.nowMs, expect.issuedAtWindow);
  return verified;
}

/**
 * The hub's routing headers are not signed, so they must agree with the signed content: the
 * audit reads them, and an agency system that trusted `Lt-From` over the signature could be fooled.
 * A header that is absent is not compared; one that is present (even empty) must agree. Lt-Digest
 * is compared when `copy.bytes` is given, Lt-To when `copy.recipient` is. Returns the parsed headers.
 */
export function checkRoutingHeaders(
  v: VerifiedInbound,
  headers: Record<string, string>,
  copy: { bytes?: Uint8Array; recipient?: string } = {},
): ParsedInboxHeaders {
  const h = parseInboxHeaders(headers);
  const env = v.envelope;
  if (h.envelopeId !== undefined && h.envelopeId !== env.id) {
    throw new LtError('SCHEMA_INVALID', `header ${HEADERS.envelopeId} ${h.envelopeId} does not match the signed envelope id ${env.id}`, {
      field: HEADERS.envelopeId,
    });
  }
  if (h.from !== undefined && h.from !== env.from) {
    throw new LtError('SENDER_MISMATCH', `header ${HEADERS.from} says ${h.from} but the copy is signed by ${env.from}`, {
      field: HEADERS.from,
      signer: env.from,
    });
  }
  if (h.kid !== undefined && h.kid !== v.kid) {
    throw new LtError('SENDER_MISMATCH', `header ${HEADERS.kid} says ${h.kid} but the copy is signed with ${v.kid}`, { field: HEADERS.kid, signer: v.kid });
  }
  mustEqual(HEADERS.kind, h.kind, env.kind, 'the signed kind');
  mustEqual(HEADERS.issuedAt, h.issuedAt, env.issuedAt, 'the signed issuedAt');
  if (copy.recipient !== undefined) mustEqual(HEADERS.to, h.to, copy.recipient, 'the agency whose inbox holds the copy');
  if (copy.bytes !== undefined && h.digest !== undefined) mustEqual(HEADERS.digest, h.digest, sha256Hex(copy.bytes), 'the SHA-256 of the delivered bytes');
  if (h.forwardedFrom !== undefined && (v.hubSigned || !env.to.includes(h.forwardedFrom))) {
    throw new LtError('SCHEMA_INVALID', `header ${HEADERS.forwardedFrom} says ${h.forwardedFrom}, an agency the signed envelope is not addressed to`, {
      field: HEADERS.forwardedFrom,
    });
  }
  return h;
}

function mustEqual(header: string, value: string | undefined, signed: string, what: string): void {
  if (value === undefined || value === signed) return;
  const shown = value.length > 80 ? `${JSON.stringify(value.slice(0, 80))}…` : JSON.stringify(value);
  throw new LtError('SCHEMA_INVALID', `header ${header} ${shown} does not match ${what} (${signed})`, { field: header });
}

function verifySignedCopy(bytes: Uint8Array, dir: AgencyDirectory): VerifiedInbound {
  const jws = parseJsonBytes(bytes);
  const kid = peekKid(jws);
  if (kid !== undefined && kid.startsWith(HUB_KID_PREFIX)) return verifyHubSigned(jws, kid, dir);

  const decoded = decodeJws(jws);
  // signature before the payload is read: an unauthenticated payload is never parsed further
  const key = dir.verifyKeyFor(decoded.header.kid);
  if (!verifyDecoded(decoded, key)) {
    throw new LtError('BAD_SIGNATURE', `signature of the copy does not verify with ${decoded.header.kid}: altered in transit or not signed by that key`, {
      kid: decoded.header.kid,
    });
  }
  const envelope = validateEnvelope(parseJsonBytes(decoded.payloadBytes));
  if (envelope.from !== decoded.agencyCode) {
    throw new LtError('SENDER_MISMATCH', `envelope from ${envelope.from} is signed with ${decoded.header.kid}, a key of another agency`, {
      from: envelope.from,
      kid: decoded.header.kid,
      envelopeId: envelope.id,
    });
  }
  // the key must have been valid when the sender says it signed
  dir.verifyKeyFor(decoded.header.kid, envelope.issuedAt);
  return { envelope, jws: jws as FlattenedJws, kid: decoded.header.kid, signer: decoded.agencyCode, hubSigned: false };
}

/** The kid of a JWS's protected header, or undefined when it cannot be read (decodeJws then says why). */
export function peekKid(jws: unknown): string | undefined {
  const p = (jws as { protected?: unknown } | null)?.protected;
  if (typeof p !== 'string' || p.length > 1024) return undefined;
  try {
    const header = JSON.parse(Buffer.from(p, 'base64url').toString('utf8')) as { kid?: unknown };
    return typeof header?.kid === 'string' ? header.kid : undefined;
  } catch {
    return undefined;
  }
}

const JWS_MEMBERS = ['protected', 'payload', 'signature'];

function verifyHubSigned(jws: unknown, kid: string, dir: AgencyDirectory): VerifiedInbound {
  const obj = jws as Record<string, unknown>;
  for (const m of Object.keys(obj)) {
    if (!JWS_MEMBERS.includes(m)) throw new LtError('SCHEMA_INVALID', `JWS member "${m}" is not allowed`, { field: m });
  }
  const headerBytes = base64urlDecode(obj.protected, 'JWS member "protected"');
  base64urlDecode(obj.payload, 'JWS member "payload"');
  const signature = base64urlDecode(obj.signature, 'JWS member "signature"');
  const parsed = parseProtectedHeader(headerBytes);
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new LtError('SCHEMA_INVALID', 'JWS protected header must be a JSON object', { field: 'protected' });
  }
  const header = parsed as Record<string, unknown>;
  if (!isSigningAlg(header.alg)) throw new LtError('BAD_SIGNATURE', `hub JWS header alg ${JSON.stringify(header.alg)} is not accepted`, { field: 'alg', kid });
  if (header.typ !== JWS_TYP)
    throw new LtError('BAD_SIGNATURE', `hub JWS header typ ${JSON.stringify(header.typ)} must be "${JWS_TYP}"`, { field: 'typ', kid });
  if (header.crit !== undefined || header.b64 !== undefined)
    throw new LtError('BAD_SIGNATURE', 'hub JWS header crit/b64 are not supported', { field: 'crit', kid });
  const key = dir.hubVerifyKey(kid);
  const signingInput = Buffer.from(`${obj.protected as string}.${obj.payload as string}`, 'latin1');
  if (key.alg !== header.alg || !key.verify(signingInput, signature)) {
    throw new LtError('BAD_SIGNATURE', `hub-signed copy does not verify with ${kid}`, { kid });
  }
  const envelope = validateHubEnvelope(parseJsonBytes(Buffer.from(obj.payload as string, 'base64url')));
  return { envelope, jws: jws as FlattenedJws, kid, signer: 'hub', hubSigned: true };
}

/**
 * A hub-signed envelope's `from` need not be an agency code (the hub is not an agency), so the
 * full validateEnvelope would refuse it: check the rest, and the body per kind.
 */
function validateHubEnvelope(value: unknown): Envelope {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new LtError('SCHEMA_INVALID', 'hub envelope must be an object', { field: '' });
  }
  const env = value as Record<string, unknown>;
  if (isAgencyCode(env.from)) {
    return validateEnvelope(value);
  }
  checkUuid(env.id, 'id');
  if (typeof env.kind !== 'string' || !(ENVELOPE_KINDS as readonly string[]).includes(env.kind)) {
    throw new LtError('SCHEMA_INVALID', `kind must be one of ${ENVELOPE_KINDS.join(', ')}`, { field: 'kind' });
  }
  if (typeof env.from !== 'string' || env.from.length === 0 || env.from.length > 64) {
    throw new LtError('SCHEMA_INVALID', 'from must be a non-empty string', { field: 'from' });
  }
  checkUtcTimestamp(env.issuedAt, 'issuedAt');
  switch (env.kind as EnvelopeKind) {
    case 'status':
      validateStatusBody(env.body);
      break;
    case 'recall':
      validateRecallBody(env.body);
      break;
    case 'receipt':
      validateReceiptBody(env.body);
      break;
    default:
      if (env.body === null || typeof env.body !== 'object') throw new LtError('SCHEMA_INVALID', 'body must be an object', { field: 'body' });
  }
  return value as Envelope;
}
