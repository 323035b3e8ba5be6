import { JWS_TYP, LIMITS, LtError, parseJsonBytes, type AgencyCode, type FlattenedJws, type SigningAlg } from '@lt/contracts';
import { base64urlDecode, base64urlEncode, base64urlProblem } from './base64url';
import { isSigningAlg, type SigningKey, type VerifyKey } from './keys';
import { parseKid } from './kid';

export interface JwsHeader {
  alg: SigningAlg;
  kid: string;
  typ: string;
}

export interface DecodedJws {
  header: JwsHeader;
  /** `kid` split into its parts (already validated) */
  agencyCode: AgencyCode;
  keyId: string;
  /** the signed bytes: the envelope JSON as UTF-8 */
  payloadBytes: Buffer;
  /** ASCII(BASE64URL(protected) || '.' || BASE64URL(payload)), what the signature covers */
  signingInput: Buffer;
  signature: Buffer;
}

/** Longest payload member we decode: the hub refuses messages above LIMITS.maxMessageBytes anyway. */
const MAX_PAYLOAD_CHARS = Math.ceil((LIMITS.maxMessageBytes * 4) / 3);
const MAX_PROTECTED_CHARS = 1024;
const JWS_MEMBERS = ['protected', 'payload', 'signature'];

/**
 * Signs an envelope as a flattened JWS with protected header {alg, kid, typ}. Synchronous:
 * node:crypto signs directly with the key object imported once.
 */
export function signEnvelope(envelope: object, key: SigningKey, kid: string, typ: string = JWS_TYP): FlattenedJws {
  try {
    parseKid(kid);
  } catch (e) {
    // the signer passed a bad argument: say so, rather than a verifier's BAD_SIGNATURE
    throw new LtError('VALIDATION_FAILED', (e as LtError).message, { field: 'kid' });
  }
  const protectedB64 = base64urlEncode(JSON.stringify({ alg: key.alg, kid, typ }));
  const payloadB64 = base64urlEncode(JSON.stringify(envelope));
  const signature = key.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1'));
  return { protected: protectedB64, payload: payloadB64, signature: base64urlEncode(signature) };
}

function schema(message: string, field: string): LtError {
  return new LtError('SCHEMA_INVALID', message, { field });
}

function badHeader(message: string, field: string, extra: Record<string, unknown> = {}): LtError {
  return new LtError('BAD_SIGNATURE', message, { field, ...extra });
}

/**
 * Validates the shape of a flattened JWS and decodes it, without checking the signature.
 * Structure problems are SCHEMA_INVALID; a header that cannot be trusted to select a key and an
 * algorithm (alg not allowed, 'none', bad kid, wrong typ, crit) is BAD_SIGNATURE.
 */
export function decodeJws(jws: unknown, expectedTyp: string = JWS_TYP): DecodedJws {
  if (jws === null || typeof jws !== 'object' || Array.isArray(jws)) {
    throw schema(`JWS must be a JSON object {protected, payload, signature}, got ${jws === null ? 'null' : Array.isArray(jws) ? 'an array' : typeof jws}`, 'jws');
  }
  const obj = jws as Record<string, unknown>;
  for (const member of JWS_MEMBERS) {
    const v = obj[member];
    if (typeof v !== 'string') {
      throw schema(`JWS member "${member}" must be a base64url string, got ${v === undefined ? 'nothing' : v === null ? 'null' : typeof v}`, member);
    }
  }
  for (const member of Object.keys(obj)) {
    if (!JWS_MEMBERS.includes(member)) {
      throw schema(`JWS member "${member}" is not allowed: only protected, payload and signature (no unprotected header, no general serialization)`, member);
    }
  }
  const protectedB64 = obj.protected as string;
  const payloadB64 = obj.payload as string;
  const signatureB64 = obj.signature as string;
  if (protectedB64.length === 0) throw schema('JWS member "protected" is empty: a protected header is required', 'protected');
  if (protectedB64.length > MAX_PROTECTED_CHARS) throw schema(`JWS member "protected" is ${protectedB64.length} characters, more than ${MAX_PROTECTED_CHARS}`, 'protected');
  if (payloadB64.length === 0) throw schema('JWS member "payload" is empty', 'payload');
  if (payloadB64.length > MAX_PAYLOAD_CHARS) {
    throw new LtError('PAYLOAD_TOO_LARGE', `JWS payload is ${payloadB64.length} base64url characters, above the ${LIMITS.maxMessageBytes}-byte message limit`, { field: 'payload' });
  }
  const headerBytes = base64urlDecode(protectedB64, 'JWS member "protected"');
  const payloadProblem = base64urlProblem(payloadB64);
  if (payloadProblem) throw schema(`JWS member "payload" ${payloadProblem}`, 'payload');
  const signature = base64urlDecode(signatureB64, 'JWS member "signature"');

  const header = parseProtectedHeader(headerBytes);
  if (header === null || typeof header !== 'object' || Array.isArray(header)) {
    throw schema('JWS protected header must be a JSON object', 'protected');
  }
  const h = header as Record<string, unknown>;
  if (!isSigningAlg(h.alg)) {
    throw badHeader(`JWS header alg ${JSON.stringify(h.alg)} is not accepted; allowed: EdDSA, ES256`, 'alg', { alg: h.alg ?? null });
  }
  if (typeof h.kid !== 'string') throw badHeader('JWS header kid is missing: it must name the signing key "<agency code>#<key id>"', 'kid');
  const { agencyCode, keyId } = parseKid(h.kid);
  if (h.typ !== expectedTyp) throw badHeader(`JWS header typ ${JSON.stringify(h.typ)} must be "${expectedTyp}"`, 'typ');
  // RFC 7515 4.1.11: extensions we do not understand must be refused (this also refuses b64:false)
  if (h.crit !== undefined) throw badHeader('JWS header crit is not supported', 'crit');
  if (h.b64 !== undefined) throw badHeader('JWS header b64 is not supported', 'b64');

  return {
    header: { alg: h.alg, kid: h.kid, typ: h.typ },
    agencyCode,
    keyId,
    payloadBytes: Buffer.from(payloadB64, 'base64url'),
    signingInput: Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1'),
    signature,
  };
}

/**
 * The protected header as JSON, refusing a repeated member: {"alg":"ES256","alg":"none"} must not
 * mean one thing to us and another to a verifier that keeps the first.
 */
export function parseProtectedHeader(headerBytes: Uint8Array): unknown {
  try {
    return parseJsonBytes(headerBytes, { maxBytes: MAX_PROTECTED_CHARS });
  } catch (e) {
    if (e instanceof LtError && e.code === 'SCHEMA_INVALID') {
      throw new LtError('SCHEMA_INVALID', `JWS protected header: ${e.message}`, { field: 'protected', reason: e.details?.reason, member: e.details?.field });
    }
    throw schema('JWS protected header is not valid JSON', 'protected');
  }
}

/**
 * Checks the signature of a decoded JWS with the key its kid resolved to. The header alg must be
 * the key's alg (no algorithm confusion; 'none' never gets this far).
 */
export function verifyDecoded(decoded: DecodedJws, key: VerifyKey): boolean {
  if (decoded.header.alg !== key.alg) return false;
  return key.verify(decoded.signingInput, decoded.signature);
}
