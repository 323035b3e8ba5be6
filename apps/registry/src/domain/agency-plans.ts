import { LtError, type Agency, type AgencyCode, type AgencyContact, type Tier } from '@lt/contracts';
import { CONTACT_FIELDS, fullContact } from './agency';
import { assertChildrenFit, assertNotOwnDescendant, assertTierFits, decideParent, followSuccessors, type AgencyLookup } from './agency-rules';

/**
 * What a change does to an agency row, decided from the directory as the transaction sees it.
 * Shared by the single-agency use cases and the CSV import, so both apply the same rules.
 */

export interface NewAgency {
  code: AgencyCode;
  name: string;
  tier: Tier;
  /** absent/null: the structural parent when registered, else none */
  parentCode?: string | null;
  validFrom?: string | null;
  contact?: AgencyContact;
}

export async function planCreate(lookup: AgencyLookup, input: NewAgency, now: string): Promise<Agency> {
  const existing = await lookup.get(input.code);
  if (existing) {
    throw new LtError('DUPLICATE', `agency ${input.code} is already registered (${existing.status}, "${existing.name}")`, { code: input.code, status: existing.status });
  }
  const { parent, whyNoParent } = await decideParent(lookup, input.code, input.parentCode);
  assertTierFits(input.code, input.tier, parent, whyNoParent);
  return {
    code: input.code,
    name: input.name,
    tier: input.tier,
    parentCode: parent?.code ?? null,
    status: 'active',
    successorCode: null,
    closedReason: null,
    validFrom: input.validFrom ?? now,
    validTo: null,
    contact: fullContact(input.contact),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
}

export interface AgencyPatch {
  name?: string;
  tier?: Tier;
  /** string: move under that agency; null: no parent; absent: keep */
  parentCode?: string | null;
  status?: 'active' | 'suspended';
  /** only the fields present change; null clears one */
  contact?: AgencyContact;
}

/** The agency after the patch, or null when the patch changes nothing. */
export async function planUpdate(
  lookup: AgencyLookup,
  existing: Agency,
  patch: AgencyPatch,
  now: string,
  children: () => Promise<Array<Pick<Agency, 'code' | 'tier' | 'status'>>>,
): Promise<Agency | null> {
  const next: Agency = { ...existing, contact: { ...fullContact(existing.contact) } };
  if (patch.name !== undefined) next.name = patch.name;
  if (patch.tier !== undefined) next.tier = patch.tier;
  if (patch.status !== undefined) next.status = patch.status;
  if (patch.parentCode !== undefined) next.parentCode = patch.parentCode === '' ? null : patch.parentCode;
  for (const f of CONTACT_FIELDS) if (patch.contact && f in patch.contact) next.contact[f] = patch.contact[f] ?? null;

  const parentChanged = next.parentCode !== existing.parentCode;
  const tierChanged = next.tier !== existing.tier;
  const changed =
    parentChanged ||
    tierChanged ||
    next.name !== existing.name ||
    next.status !== existing.status ||
    CONTACT_FIELDS.some((f) => (next.contact[f] ?? null) !== (existing.contact[f] ?? null));
  if (!changed) return null;

  if (existing.status === 'closed') {
    const hint = existing.successorCode ? `; its successor is ${existing.successorCode}` : '';
    throw new LtError('AGENCY_CLOSED', `agency ${existing.code} is closed and cannot be changed${hint}`, { code: existing.code, successorCode: existing.successorCode });
  }
  if (parentChanged || tierChanged) {
    let parent: Agency | null = null;
    if (parentChanged && next.parentCode !== null) {
      parent = (await decideParent(lookup, existing.code, next.parentCode)).parent;
      await assertNotOwnDescendant(lookup, existing.code, next.parentCode);
    } else if (next.parentCode !== null) {
      parent = await lookup.get(next.parentCode);
    }
    assertTierFits(existing.code, next.tier, parent, next.parentCode === null ? 'parentCode is null' : undefined);
    if (tierChanged) assertChildrenFit(existing.code, next.tier, await children());
  }
  next.version = existing.version + 1;
  next.updatedAt = now;
  return next;
}

export interface ClosePlanInput {
  successorCode: AgencyCode | null;
  reason: string;
}

/**
 * Closing keeps the code forever (status closed, valid_to now) and names who takes over. Without a
 * successor an agency that still has open children cannot close. A successor must exist and be
 * active, and following successor links from it must never lead back here.
 */
export async function planClose(
  lookup: AgencyLookup,
  existing: Agency,
  input: ClosePlanInput,
  now: string,
  children: () => Promise<Array<Pick<Agency, 'code' | 'status'>>>,
): Promise<Agency> {
  const code = existing.code;
  if (existing.status === 'closed') {
    throw new LtError('AGENCY_CLOSED', `agency ${code} is already closed${existing.successorCode ? ` (successor ${existing.successorCode})` : ''}`, { code });
  }
  if (input.successorCode !== null) {
    const s = input.successorCode;
    if (s === code) throw new LtError('SUCCESSOR_CYCLE', `agency ${code} cannot be its own successor`, { code, chain: [code, code] });
    const successor = await lookup.get(s);
    if (!successor) throw new LtError('UNKNOWN_AGENCY', `successorCode ${s} is not a registered agency`, { field: 'successorCode', successorCode: s });
    const { final } = await followSuccessors(lookup, successor, code);
    if (successor.status === 'closed') {
      throw new LtError('AGENCY_CLOSED', `successorCode ${s} is closed; its final successor is ${final.code}: name that one`, {
        field: 'successorCode',
        successorCode: s,
        finalSuccessorCode: final.code,
      });
    }
    if (successor.status === 'suspended') {
      throw new LtError('AGENCY_SUSPENDED', `successorCode ${s} is suspended; a successor must be active`, { field: 'successorCode', successorCode: s });
    }
  } else {
    const open = (await children()).filter((c) => c.status !== 'closed');
    if (open.length > 0) {
      const shown = open.slice(0, 10).map((c) => c.code);
      throw new LtError(
        'HAS_ACTIVE_CHILDREN',
        `agency ${code} still has ${open.length} open child agenc${open.length === 1 ? 'y' : 'ies'} (${shown.join(', ')}${open.length > 10 ? ', …' : ''}): close or move them first, or name a successor`,
        { code, children: shown, count: open.length },
      );
    }
  }
  return {
    ...existing,
    status: 'closed',
    successorCode: input.successorCode,
    closedReason: input.reason,
    validTo: now,
    version: existing.version + 1,
    updatedAt: now,
  };
}
