import { LtError, structuralParent, tierRank, type Agency, type AgencyStatus, type Tier } from '@lt/contracts';
import { parseCodeField } from './input';

/** Read access to the directory as the current transaction sees it (including rows it wrote). */
export interface AgencyLookup {
  get(code: string): Promise<Agency | null>;
}

/**
 * Why `tier` cannot hang under a parent of `parentTier` (null parent = top of the tree), or null when it can.
 * Works for the 4-tier map (central, province, district, commune) and the 2-tier one (province, commune):
 * a commune may sit under a province, a district, or a commune (a one-stop unit under a commune).
 */
export function tierProblem(tier: Tier, parentTier: Tier | null): string | null {
  if (parentTier === null) {
    return tier === 'district' || tier === 'commune' ? `tier ${tier} requires a parent agency` : null;
  }
  if (tierRank(tier) < tierRank(parentTier)) return `tier ${tier} cannot sit under a ${parentTier}-tier parent: a child is never above its parent`;
  if (tier === 'district' && parentTier !== 'province') return `tier district needs a province-tier parent, not a ${parentTier}-tier one`;
  if (tier === 'commune' && parentTier === 'central') return `tier commune needs a province-, district- or commune-tier parent, not a central-tier one`;
  return null;
}

export function assertTierFits(code: string, tier: Tier, parent: Pick<Agency, 'code' | 'tier'> | null, whyNoParent?: string): void {
  const problem = tierProblem(tier, parent?.tier ?? null);
  if (!problem) return;
  const suffix = parent ? ` (parent ${parent.code} is ${parent.tier})` : whyNoParent ? ` (${whyNoParent})` : '';
  throw new LtError('TIER_MISMATCH', `agency ${code}: ${problem}${suffix}`, {
    code,
    tier,
    parentCode: parent?.code ?? null,
    parentTier: parent?.tier ?? null,
  });
}

export interface ParentDecision {
  parent: Agency | null;
  /** why there is no parent, for the TIER_MISMATCH message of tiers that need one */
  whyNoParent?: string;
}

/**
 * The parent of a new or re-parented agency. An explicit parent must exist (UNKNOWN_PARENT) and not
 * be closed (AGENCY_CLOSED). Without one, the structural parent (lowest non-zero segment zeroed) is
 * used when it is registered and not closed; otherwise the agency has no parent.
 */
export async function decideParent(lookup: AgencyLookup, code: string, given: string | null | undefined, field = 'parentCode'): Promise<ParentDecision> {
  if (given !== undefined && given !== null && given !== '') {
    const parentCode = parseCodeField(given, field);
    if (parentCode === code) throw new LtError('VALIDATION_FAILED', `${field}: agency ${code} cannot be its own parent`, { field, code });
    const parent = await lookup.get(parentCode);
    if (!parent) throw new LtError('UNKNOWN_PARENT', `${field} ${parentCode} is not a registered agency`, { field, parentCode, code });
    if (parent.status === 'closed') {
      const hint = parent.successorCode ? `; its successor is ${parent.successorCode}` : '';
      throw new LtError('AGENCY_CLOSED', `${field} ${parentCode} is closed${hint}`, { field, parentCode, code, successorCode: parent.successorCode });
    }
    return { parent };
  }
  const sp = structuralParent(code);
  if (!sp) return { parent: null, whyNoParent: `${code} is a level-1 code and no parent was given` };
  const parent = await lookup.get(sp);
  if (!parent) return { parent: null, whyNoParent: `no ${field} given and its structural parent ${sp} is not registered` };
  if (parent.status === 'closed') return { parent: null, whyNoParent: `no ${field} given and its structural parent ${sp} is closed` };
  return { parent };
}

/** Refuses a parent that lies in the agency's own subtree (walks up from the new parent). */
export async function assertNotOwnDescendant(lookup: AgencyLookup, code: string, newParentCode: string): Promise<void> {
  const seen = new Set<string>();
  for (let p: string | null = newParentCode; p; ) {
    if (p === code) {
      throw new LtError('VALIDATION_FAILED', `parentCode ${newParentCode} lies under ${code}: an agency cannot hang under its own subtree`, {
        field: 'parentCode',
        code,
        parentCode: newParentCode,
      });
    }
    if (seen.has(p)) break; // a pre-existing loop elsewhere is not this change's concern
    seen.add(p);
    p = (await lookup.get(p))?.parentCode ?? null;
  }
}

/** Children that are not closed must keep fitting under the agency's (new) tier. */
export function assertChildrenFit(code: string, tier: Tier, children: Array<Pick<Agency, 'code' | 'tier' | 'status'>>): void {
  for (const child of children) {
    if (child.status === 'closed') continue;
    const problem = tierProblem(child.tier, tier);
    if (problem) {
      throw new LtError('TIER_MISMATCH', `agency ${code} cannot become ${tier}: its child ${child.code} (${child.tier}) would not fit: ${problem}`, {
        code,
        tier,
        childCode: child.code,
        childTier: child.tier,
      });
    }
  }
}

/**
 * Follows successor links from `start` to the final successor (an agency without one).
 * Throws SUCCESSOR_CYCLE if a link leads back to an agency already visited, or to `closing`
 * (the agency about to name `start` as its successor).
 */
export async function followSuccessors(lookup: AgencyLookup, start: Agency, closing?: string): Promise<{ final: Agency; chain: string[] }> {
  const chain = [start.code];
  const seen = new Set(chain);
  let current = start;
  while (current.successorCode) {
    const next = current.successorCode;
    if (next === closing || seen.has(next)) {
      const loop = [...(closing ? [closing] : []), ...chain, next].join(' -> ');
      throw new LtError('SUCCESSOR_CYCLE', `successor chain ${loop} comes back to ${next}`, { chain: [...chain, next], code: closing ?? start.code });
    }
    const agency = await lookup.get(next);
    if (!agency) break; // dangling link cannot happen with the foreign key; stop at the last known agency
    chain.push(next);
    seen.add(next);
    current = agency;
  }
  return { final: current, chain };
}

/**
 * Synchronous resolution for in-memory directories (routers, SDKs): the final successor of a code,
 * the code itself when it has no successor, or null when the code is unknown. Throws SUCCESSOR_CYCLE on a loop.
 */
export function resolveFinalSuccessor(code: string, lookup: (code: string) => { successorCode: string | null } | undefined | null): string | null {
  if (!lookup(code)) return null;
  const seen = new Set<string>();
  let current = code;
  for (;;) {
    if (seen.has(current)) throw new LtError('SUCCESSOR_CYCLE', `successor chain from ${code} loops at ${current}`, { code, at: current });
    seen.add(current);
    const next = lookup(current)?.successorCode ?? null;
    if (!next || !lookup(next)) return current;
    current = next;
  }
}

export function isOpen(status: AgencyStatus): boolean {
  return status !== 'closed';
}
