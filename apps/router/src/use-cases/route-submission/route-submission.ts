import {
  isUuid,
  LIMITS,
  LtError,
  parseJsonBytes,
  parseSelectors,
  subjectTokensToCode,
  toLtError,
  validateEnvelope,
  type Envelope,
  type ErrorCode,
} from '@lt/contracts';
import { decodeJws, sha256Hex, type DecodedJws } from '@lt/crypto';
import type { AgencyView, DirectoryReader, KeyView } from '@lt/directory';
import type { RoutingPolicy } from '../../policy/routing-policy';
import { broadcastCapRefusal, type BroadcastCaps } from '../../policy/broadcast-cap';
import type { SubmissionRateLimiter } from '../../domain/rate-limiter';
import type { AwaitingSignature, Copy, Refuse, RoutingDecision, Submission, SubmissionFacts } from '../../domain/decision';
import { documentNumberOf } from '../../domain/document-number';
import { verifySignature } from '../../domain/signature';
import { resolveRecipients } from './recipients';

export interface RoutingContext {
  /** namespace of the submit subjects (`lt` in production) */
  ns: string;
  directory: DirectoryReader;
  policy: RoutingPolicy;
  /** defaults: LIMITS */
  limits?: { maxMessageBytes?: number; maxClockSkewMs?: number; maxRecipients?: number };
  /** recipients one submission may resolve to, by the sender's tier; absent: only limits.maxRecipients */
  broadcastCaps?: BroadcastCaps;
  /** submissions per agency over time, checked before anything else; absent: no limit */
  rateLimiter?: SubmissionRateLimiter;
}

export const ROUTING_CONTEXT = Symbol('ROUTING_CONTEXT');

function unauthenticated(facts: SubmissionFacts, reasonCode: ErrorCode, reason: string, extra: Partial<Refuse> = {}): Refuse {
  return { type: 'refuse', facts, reasonCode, reason, authenticated: false, bounceTo: null, ...extra };
}

function refusalFrom(facts: SubmissionFacts, err: unknown, fallback: ErrorCode, extra: Partial<Refuse>): Refuse {
  const e = err instanceof LtError ? err : new LtError(fallback, toLtError(err).message);
  return {
    type: 'refuse',
    facts,
    reasonCode: e.code,
    reason: e.message,
    ...(e.details ? { details: e.details } : {}),
    authenticated: false,
    bounceTo: null,
    ...extra,
  };
}

function subjectAgencyOf(subject: string, ns: string): string | null {
  const prefix = `${ns}.submit.`;
  if (!subject.startsWith(prefix)) return null;
  try {
    return subjectTokensToCode(subject.slice(prefix.length));
  } catch {
    return null;
  }
}

/**
 * The per-agency rate, checked before any other work on the submission (above all the signature
 * check). The agency is the one of the submit subject, which NATS permissions bind to it, never
 * the body's claim, so a refusal can go to its inbox without checking the signature. The refusal
 * names the envelope id the payload claims (so the SDK can match it) but records no id: the
 * sender may send the document again, as a new envelope. Null: within the rate.
 */
export function checkSubmissionRate(sub: Submission, ctx: RoutingContext): Refuse | null {
  const limiter = ctx.rateLimiter;
  if (!limiter || limiter.take(sub.subject, sub.receivedAtMs)) return null;
  const facts = factsOf(sub, ctx.ns);
  const agency = facts.subjectAgency;
  const { ratePerSecond, burst } = limiter.rate;
  let claims: Partial<Refuse> = {};
  const maxBytes = ctx.limits?.maxMessageBytes ?? LIMITS.maxMessageBytes;
  if (sub.data.byteLength <= maxBytes) {
    try {
      claims = readClaims(parseJsonBytes(decodeJws(parseJsonBytes(sub.data, { maxBytes })).payloadBytes));
    } catch {
      // unreadable: the refusal names an id derived from the submission
    }
  }
  return {
    type: 'refuse',
    facts,
    reasonCode: 'RATE_LIMITED',
    reason: `${agency ?? sub.subject} sends more than ${ratePerSecond} submissions per second (bursts of ${burst}): refused unread; send it again later as a new envelope`,
    details: { ratePerSecond, burst },
    authenticated: false,
    bounceTo: agency !== null && ctx.directory.agency(agency) ? agency : null,
    ...claims,
  };
}

function factsOf(sub: Submission, ns: string): SubmissionFacts {
  return {
    seq: sub.seq,
    subject: sub.subject,
    receivedAtMs: sub.receivedAtMs,
    digest: sha256Hex(sub.data),
    subjectAgency: subjectAgencyOf(sub.subject, ns),
  };
}

/**
 * Checks that need no signature: size, JSON and JWS shape, kid resolving to a registered key.
 * Everything refused here is unauthenticated: recorded (event), never bounced.
 */
export function prepareSubmission(sub: Submission, ctx: RoutingContext): AwaitingSignature | Refuse {
  const facts = factsOf(sub, ctx.ns);
  const maxBytes = ctx.limits?.maxMessageBytes ?? LIMITS.maxMessageBytes;
  if (sub.data.byteLength > maxBytes) {
    return unauthenticated(facts, 'PAYLOAD_TOO_LARGE', `submission is ${sub.data.byteLength} bytes; at most ${maxBytes}`, {
      details: { size: sub.data.byteLength, limit: maxBytes },
    });
  }
  let decoded: DecodedJws;
  try {
    decoded = decodeJws(parseJsonBytes(sub.data, { maxBytes }));
  } catch (err) {
    return refusalFrom(facts, err, 'SCHEMA_INVALID', {});
  }
  const key = ctx.directory.key(decoded.header.kid);
  if (!key) {
    return unauthenticated(facts, 'BAD_SIGNATURE', `kid ${decoded.header.kid} is not a registered key`, {
      kid: decoded.header.kid,
      details: { kid: decoded.header.kid },
    });
  }
  return { type: 'verify', facts, decoded, key };
}

/**
 * The routing decision once the signature has been checked, in this order (each with its stable
 * code): signature, submit subject = signer's agency, key revocation, payload JSON, envelope
 * schema, key validity at issuedAt, `from` = signer's agency, sender active, clock skew,
 * recipients, broadcast cap of the sender's tier, policy. Replays are decided afterwards against the register (see outcome.ts).
 */
export function decideRouting(p: AwaitingSignature, signatureValid: boolean, ctx: RoutingContext): RoutingDecision {
  const { facts, decoded, key } = p;
  const kid = decoded.header.kid;
  if (!signatureValid) {
    return unauthenticated(facts, 'BAD_SIGNATURE', `signature does not verify with ${kid}`, { kid });
  }
  const signer = key.agencyCode;
  if (facts.subjectAgency !== signer) {
    // whoever published on this subject is not the signer: nobody authenticated to tell
    return unauthenticated(facts, 'SENDER_MISMATCH', `submitted on ${facts.subject}, which is not the subject of the signer ${signer}`, {
      kid,
      details: { subject: facts.subject, signer },
    });
  }
  // from here the sender is authenticated: the signer's own inbox gets a status 02
  const authed = { authenticated: true, bounceTo: signer, kid } as const;
  const refuse = (reasonCode: ErrorCode, reason: string, extra: Partial<Refuse> = {}): Refuse => ({
    type: 'refuse',
    facts,
    reasonCode,
    reason,
    ...authed,
    ...extra,
  });

  if (key.revokedAtMs !== null && key.revokedAtMs <= facts.receivedAtMs) {
    // revocation counts at receive time, not at the signer-chosen issuedAt: a stolen key cannot backdate
    // the signature is the key owner's, so the id is authentic: the owner's 02 names the refused document
    let claims: Partial<Refuse> = {};
    try {
      claims = readClaims(parseJsonBytes(decoded.payloadBytes));
    } catch {
      // unreadable payload: the refusal still goes out, naming a derived id
    }
    return refuse('KEY_REVOKED', `key ${kid} was revoked at ${new Date(key.revokedAtMs).toISOString()}`, { ...claims, details: { kid } });
  }

  let payload: unknown;
  try {
    payload = parseJsonBytes(decoded.payloadBytes);
  } catch (err) {
    return { ...refusalFrom(facts, err, 'MALFORMED_JSON', authed), reason: `payload: ${toLtError(err).message}` };
  }
  const claimed = readClaims(payload);
  let envelope: Envelope;
  try {
    envelope = validateEnvelope(payload);
  } catch (err) {
    return refusalFrom(facts, err, 'SCHEMA_INVALID', { ...authed, ...claimed });
  }
  const envelopeId = envelope.id;
  const base = { envelopeId, from: envelope.from, kind: envelope.kind };

  const issuedAtMs = Date.parse(envelope.issuedAt);
  if (issuedAtMs < key.notBeforeMs || (key.notAfterMs !== null && issuedAtMs >= key.notAfterMs)) {
    const window = `${new Date(key.notBeforeMs).toISOString()} to ${key.notAfterMs === null ? 'open' : new Date(key.notAfterMs).toISOString()}`;
    return refuse('KEY_REVOKED', `key ${kid} is not valid at issuedAt ${envelope.issuedAt} (valid ${window})`, { ...base, details: { kid } });
  }
  if (envelope.from !== signer) {
    return refuse('SENDER_MISMATCH', `from ${envelope.from} is not the agency of the signing key ${kid}`, { ...base, details: { field: 'from' } });
  }
  const sender = ctx.directory.agency(signer);
  if (!sender || sender.status === 'closed') {
    return refuse('AGENCY_CLOSED', `sender ${signer} is closed${sender?.successorCode ? `; its successor is ${sender.successorCode}` : ''}`, base);
  }
  if (sender.status === 'suspended') return refuse('AGENCY_SUSPENDED', `sender ${signer} is suspended`, base);

  const skewMs = issuedAtMs - facts.receivedAtMs;
  const maxSkew = ctx.limits?.maxClockSkewMs ?? LIMITS.maxClockSkewMs;
  if (Math.abs(skewMs) > maxSkew) {
    return refuse(
      'CLOCK_SKEW',
      `issuedAt ${envelope.issuedAt} is ${Math.round(Math.abs(skewMs) / 1000)} s ${skewMs > 0 ? 'ahead of' : 'behind'} the hub's receive time ${new Date(facts.receivedAtMs).toISOString()}; at most ${maxSkew / 1000} s`,
      { ...base, details: { field: 'issuedAt', skewMs, limitMs: maxSkew } },
    );
  }

  const resolved = resolveRecipients(parseSelectors(envelope.to), signer, ctx.directory, ctx.limits?.maxRecipients ?? LIMITS.maxRecipients);
  if (!resolved.ok) return refuse(resolved.reasonCode, resolved.reason, { ...base, details: resolved.details });
  const tooMany = ctx.broadcastCaps ? broadcastCapRefusal(sender, resolved.copies.length, ctx.broadcastCaps) : null;
  if (tooMany) return refuse('BROADCAST_TOO_LARGE', tooMany.reason, { ...base, details: tooMany.details });

  const denied = checkPolicy(ctx.policy, sender, resolved.copies, ctx.directory, envelope.kind);
  if (denied) return refuse('FORBIDDEN', denied.reason, { ...base, details: { recipients: denied.recipients } });

  const documentNumber = documentNumberOf(envelope);
  return {
    type: 'deliver',
    facts,
    envelopeId,
    sender: signer,
    kid,
    envelope,
    copies: resolved.copies,
    ...(documentNumber ? { documentNumber } : {}),
  };
}

function checkPolicy(
  policy: RoutingPolicy,
  sender: AgencyView,
  copies: Copy[],
  directory: DirectoryReader,
  kind: Envelope['kind'],
): { reason: string; recipients: string[] } | null {
  let reason: string | null = null;
  const recipients: string[] = [];
  for (const c of copies) {
    const v = policy.check(sender, directory.agency(c.recipient)!, kind);
    if (!v.allow) {
      reason ??= v.reason;
      recipients.push(c.recipient);
    }
  }
  if (reason === null) return null;
  const shown = recipients.length <= 10 ? recipients.join(', ') : `${recipients.slice(0, 10).join(', ')} and ${recipients.length - 10} more`;
  return { reason: `not allowed to send ${kind} to ${shown}: ${reason}`, recipients };
}

/** What a payload claims, read before validation so a refusal can still name the envelope. */
function readClaims(payload: unknown): Partial<Refuse> {
  if (payload === null || typeof payload !== 'object') return {};
  const p = payload as Record<string, unknown>;
  const out: Partial<Refuse> = {};
  if (isUuid(p.id)) out.envelopeId = p.id;
  if (typeof p.from === 'string' && p.from.length <= 13) out.from = p.from;
  if (typeof p.kind === 'string' && p.kind.length <= 16) out.kind = p.kind;
  return out;
}

/** Prepare, verify inline and decide: one submission end to end (tests, small batches). */
export function routeSubmission(sub: Submission, ctx: RoutingContext): RoutingDecision {
  const p = prepareSubmission(sub, ctx);
  if (p.type === 'refuse') return p;
  return decideRouting(p, verifySignature(p), ctx);
}

export type { KeyView };
