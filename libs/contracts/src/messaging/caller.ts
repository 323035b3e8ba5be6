/**
 * Who calls a hub service over request-reply is never read from the payload: the caller's own
 * bearer token travels in this header (the gateway forwards the token it verified; hub tools on
 * the hub machine sign a short-lived one with the local token key) and the service verifies it
 * with the hub's public token key (docs/security-identity.md).
 */
export const CALLER_TOKEN_HEADER = 'Lt-Caller-Token';

/** The request headers that present `token` as the caller. */
export function callerTokenHeaders(token: string): Record<string, string> {
  return { [CALLER_TOKEN_HEADER]: token };
}

/** The caller as a service verified it from CALLER_TOKEN_HEADER. */
export interface VerifiedCaller {
  sub: string;
  /** `admin`, `auditor` or `agency:<code>` */
  role: string;
  /** set for agency tokens */
  agencyCode?: string;
  /** the token's id (what a revocation names) */
  jti: string;
}
