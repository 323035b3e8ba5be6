import { HEADERS, LIMITS, LtError, parseSelectors, type Envelope } from '@lt/contracts';
import type { AgencyDirectory } from './directory';

/**
 * What an inbox copy must satisfy beyond its signature: it is addressed to the agency reading it
 * (or forwarded to it from an agency it succeeds), and it was issued recently. A valid signed copy
 * replayed into another agency's inbox, or years later, is refused.
 */

const DAY_MS = 24 * 60 * 60 * 1000;

/** How far the signed `issuedAt` of an inbox copy may lie from the reader's clock. */
export interface IssuedAtWindow {
  /** latest accepted issuedAt, ahead of the reader's clock */
  maxFutureMs: number;
  /** oldest accepted issuedAt, behind the reader's clock */
  maxAgeMs: number;
}

/**
 * maxFutureMs: the router accepts issuedAt up to LIMITS.maxClockSkewMs (5 min) ahead of the hub's
 * clock, and the reader's clock may be as far behind the hub's: twice that. maxAgeMs: a copy waits
 * in the inbox stream at most LT_INBOX_MAX_AGE_DAYS (default 30 days) and may have been issued up
 * to the router's skew before it was routed: 31 days. A hub that keeps copies longer needs a longer
 * maxAgeMs, or a copy read late is refused.
 */
export const DEFAULT_ISSUED_AT_WINDOW: Readonly<IssuedAtWindow> = { maxFutureMs: 2 * LIMITS.maxClockSkewMs, maxAgeMs: 31 * DAY_MS };

/** CLOCK_SKEW (details.reason `issued_in_future` / `too_old`) when issuedAt is outside the window around nowMs. */
export function checkIssuedAtWindow(envelope: Pick<Envelope, 'id' | 'issuedAt'>, nowMs: number, window: Readonly<IssuedAtWindow> = DEFAULT_ISSUED_AT_WINDOW): void {
  const issuedMs = Date.parse(envelope.issuedAt);
  // the reader's clock is written out only in a refusal: every copy passes here
  if (!(issuedMs <= nowMs + window.maxFutureMs)) {
    throw new LtError(
      'CLOCK_SKEW',
      `inbox copy ${envelope.id} was issued at ${envelope.issuedAt}, more than ${Math.round(window.maxFutureMs / 1000)} s after this system's clock (${new Date(nowMs).toISOString()})`,
      { field: 'issuedAt', reason: 'issued_in_future', envelopeId: envelope.id, limitMs: window.maxFutureMs },
    );
  }
  if (issuedMs < nowMs - window.maxAgeMs) {
    throw new LtError(
      'CLOCK_SKEW',
      `inbox copy ${envelope.id} was issued at ${envelope.issuedAt}, more than ${formatAge(window.maxAgeMs)} before this system's clock (${new Date(nowMs).toISOString()}): too old to accept`,
      { field: 'issuedAt', reason: 'too_old', envelopeId: envelope.id, limitMs: window.maxAgeMs },
    );
  }
}

function formatAge(ms: number): string {
  return ms % DAY_MS === 0 ? `${ms / DAY_MS} days` : `${Math.round(ms / 1000)} s`;
}

/** Longest successor chain followed (as the router does); a cycle must not hang the reader. */
const MAX_SUCCESSOR_HOPS = 16;
/** Longest parent chain followed for a childrenOf selector. */
const MAX_PARENT_HOPS = 64;

export interface AddressedCopy {
  envelope: Envelope;
  hubSigned: boolean;
}

/**
 * FORBIDDEN (details.reason `not_addressed`) unless the copy is for `recipient`: named in the
 * envelope's `to`, reached by one of its childrenOf selectors (as the router expands them:
 * depth, tier, never the sender), or, when the copy says Lt-Forwarded-From F, F is named in `to`
 * and `recipient` is F's successor (directly or down the chain). Hub-signed copies are addressed
 * by code only and never forwarded. Reads the directory: when it is behind the hub's (a closure
 * or a new agency not seen yet), a legitimate copy is refused, so the reader retries before it
 * gives up (details.directoryDependent).
 */
export function checkAddressedTo(copy: AddressedCopy, recipient: string, dir: AgencyDirectory, forwardedFrom?: string): void {
  const { envelope } = copy;
  const explicit = envelope.to.filter((t): t is string => typeof t === 'string');
  if (forwardedFrom !== undefined) {
    if (copy.hubSigned || !explicit.includes(forwardedFrom)) {
      throw notAddressed(
        envelope,
        recipient,
        `header ${HEADERS.forwardedFrom} says the copy was forwarded from ${forwardedFrom}, which the signed envelope is not addressed to`,
        false,
      );
    }
    if (!succeeds(recipient, forwardedFrom, dir)) {
      throw notAddressed(envelope, recipient, `it was forwarded from ${forwardedFrom}, and ${recipient} is not that agency's successor in the directory`, true);
    }
    return;
  }
  if (explicit.includes(recipient)) return;
  if (!copy.hubSigned && envelope.from !== recipient && coveredBySelector(envelope, recipient, dir)) return;
  throw notAddressed(envelope, recipient, `the signed envelope is addressed to ${describeTo(envelope)}`, !copy.hubSigned && explicit.length < envelope.to.length);
}

/** True when following successorCode from `closed` reaches `recipient`. */
function succeeds(recipient: string, closed: string, dir: AgencyDirectory): boolean {
  let current = dir.agency(closed);
  for (let hop = 0; current && hop < MAX_SUCCESSOR_HOPS; hop++) {
    const next = current.successorCode;
    if (!next) return false;
    if (next === recipient) return true;
    current = dir.agency(next);
  }
  return false;
}

function coveredBySelector(envelope: Envelope, recipient: string, dir: AgencyDirectory): boolean {
  const self = dir.agency(recipient);
  if (!self) return false;
  // ancestors of the recipient with their distance: parent = 1
  const ancestors = new Map<string, number>();
  let parent = self.parentCode;
  for (let level = 1; parent && level <= MAX_PARENT_HOPS && !ancestors.has(parent); level++) {
    ancestors.set(parent, level);
    parent = dir.agency(parent)?.parentCode ?? null;
  }
  for (const sel of parseSelectors(envelope.to)) {
    if (sel.type !== 'childrenOf') continue;
    const level = ancestors.get(sel.code);
    if (level === undefined) continue;
    if (sel.depth !== undefined && level > sel.depth) continue;
    if (sel.tier !== undefined && self.tier !== sel.tier) continue;
    return true;
  }
  return false;
}

function describeTo(envelope: Envelope): string {
  const shown = envelope.to.slice(0, 5).map((t) => (typeof t === 'string' ? t : `childrenOf ${t.childrenOf}`));
  return `${shown.join(', ')}${envelope.to.length > 5 ? ` and ${envelope.to.length - 5} more` : ''}`;
}

function notAddressed(envelope: Envelope, recipient: string, why: string, directoryDependent: boolean): LtError {
  return new LtError('FORBIDDEN', `inbox copy ${envelope.id} is not addressed to ${recipient}: ${why}`, {
    reason: 'not_addressed',
    recipient,
    envelopeId: envelope.id,
    directoryDependent,
  });
}
