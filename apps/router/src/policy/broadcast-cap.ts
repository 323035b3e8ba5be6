import type { AgencyView } from '@lt/directory';
import { loadRouterSettings, type BroadcastCaps } from '@lt/platform';

export type { BroadcastCaps };

/** The schema's defaults (LT_ROUTER_BROADCAST_MAX_*): ministries large, communes small. */
export const DEFAULT_BROADCAST_CAPS: BroadcastCaps = loadRouterSettings({}).broadcastCaps;

/**
 * How many recipients one submission may resolve to, by the sender's tier: a broadcast costs the
 * hub one stored copy per recipient, so the reach of one signed document follows the sender's
 * place in the administration. Checked once the recipients are resolved (selectors expanded,
 * duplicates merged), before the per-recipient policy.
 */
export function broadcastCapRefusal(
  sender: Pick<AgencyView, 'code' | 'tier'>,
  recipients: number,
  caps: BroadcastCaps,
): { reason: string; details: Record<string, unknown> } | null {
  const cap = caps[sender.tier];
  if (cap === undefined || recipients <= cap) return null;
  return {
    reason: `to resolves to ${recipients} recipients; a ${sender.tier}-tier sender (${sender.code}) may reach at most ${cap} with one submission`,
    details: { field: 'to', recipients, cap, tier: sender.tier },
  };
}
