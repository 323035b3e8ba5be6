/** Administrative tier, stored explicitly: code level is not the tier (a provincial department and a district are both level 2). */
export const TIERS = ['central', 'province', 'district', 'commune'] as const;
export type Tier = (typeof TIERS)[number];

export function isTier(value: unknown): value is Tier {
  return typeof value === 'string' && (TIERS as readonly string[]).includes(value);
}

/** Rank of a tier, central highest; a child's tier rank is never above its parent's. */
export function tierRank(tier: Tier): number {
  return TIERS.indexOf(tier);
}

export const AGENCY_STATUSES = ['active', 'suspended', 'closed'] as const;
export type AgencyStatus = (typeof AGENCY_STATUSES)[number];
