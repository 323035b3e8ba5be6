import type { EnvelopeKind } from '@lt/contracts';
import type { AgencyView } from '@lt/directory';

export type PolicyVerdict = { allow: true } | { allow: false; reason: string };

/**
 * Authorisation hook, asked once per (sender, final recipient) after recipients are resolved
 * (so a forwarded copy is checked against the successor that will receive it). Must be pure and
 * fast: it runs on the hot path. A denial refuses the whole envelope with FORBIDDEN.
 */
export interface RoutingPolicy {
  check(sender: AgencyView, recipient: AgencyView, kind: EnvelopeKind): PolicyVerdict;
}

const ALLOW: PolicyVerdict = Object.freeze({ allow: true });

/**
 * Default: any active agency may send to any active agency (the router has already refused
 * inactive senders and recipients). `receipt` envelopes are the hub's own (hub-signed proofs of
 * delivery), so an agency may not send one.
 */
export const defaultRoutingPolicy: RoutingPolicy = {
  check(sender, recipient, kind) {
    if (kind === 'receipt') return { allow: false, reason: 'receipt envelopes are issued by the hub only' };
    if (sender.status !== 'active') return { allow: false, reason: `sender ${sender.code} is ${sender.status}` };
    if (recipient.status !== 'active') return { allow: false, reason: `recipient ${recipient.code} is ${recipient.status}` };
    return ALLOW;
  },
};

/** Every policy must allow; the first denial wins. */
export function allOf(...policies: RoutingPolicy[]): RoutingPolicy {
  return {
    check(sender, recipient, kind) {
      for (const p of policies) {
        const v = p.check(sender, recipient, kind);
        if (!v.allow) return v;
      }
      return ALLOW;
    },
  };
}
