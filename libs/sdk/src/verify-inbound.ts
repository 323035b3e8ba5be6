import {
  ENVELOPE_KINDS,
  HEADERS,
  HUB_KID_PREFIX,
  JWS_TYP,
  LtError,
  checkUtcTimestamp,
  parseInboxHeaders,
  checkUuid,
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
import { base64urlDecode, decodeJws, isSigningAlg, verifyDecoded } from '@lt/crypto';
import type { AgencyDirectory } from './directory';

/**
 * Verification of what arrives in an inbox. Agencies never trust the hub for integrity: every
 * copy is checked again against the sender's key from the in-memory directory. Hub-signed
 * envelopes (refusals, receipts; kid `hub#<id>`) are checked against the hub keys in KV.
 * Every failure is an LtError: MALFORMED_JSON / SCHEMA_INVALID / PAYLOAD_TOO_LARGE (bytes or
 * envelope), BAD_SIGNATURE, UNKNOWN_KEY, KEY_REVOKED, SENDER_MISMATCH.
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

export function verifyInbound(bytes: Uint8Array, dir: AgencyDirectory, headers?: Record<string, string>): VerifiedInbound {
  const verified = verifySignedCopy(bytes, dir);
  if (headers) checkRoutingHeaders(verified, headers);
  return verified;
}

/**
 * The hub's routing headers are not signed, so they must agree with the signed content: the
 * audit reads them, and an agency system that trusted `Lt-From` over the signature could be fooled.
 */
export function checkRoutingHeaders(v: VerifiedInbound, headers: Record<string, string>): void {
  const h = parseInboxHeaders(headers);
  const id = h.envelopeId;
  if (id !== undefined && id !== v.envelope.id) {
    throw new LtError('SCHEMA_INVALID', `header ${HEADERS.envelopeId} ${id} does not match the signed envelope id ${v.envelope.id}`, {
      field: HEADERS.envelopeId,
    });
  }
  if (v.hubSigned) return;
  const from = h.from;
  if (from !== undefined && from !== v.envelope.from) {
    throw new LtError('SENDER_MISMATCH', `header ${HEADERS.from} says ${from} but the copy is signed by ${v.envelope.from}`, {
      field: HEADERS.from,
      signer: v.envelope.from,
    });
  }
  const kid = h.kid;
  if (kid !== undefined && kid !== v.kid) {
    throw new LtError('SENDER_MISMATCH', `header ${HEADERS.kid} says ${kid} but the copy is signed with ${v.kid}`, { field: HEADERS.kid, signer: v.kid });
  }
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
  let header: Record<string, unknown>;
  try {
    header = JSON.parse(headerBytes.toString('utf8')) as Record<string, unknown>;
  } catch {
    throw new LtError('SCHEMA_INVALID', 'JWS protected header is not valid JSON', { field: 'protected' });
  }
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
