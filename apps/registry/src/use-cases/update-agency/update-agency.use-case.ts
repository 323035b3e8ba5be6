import { Inject, Injectable } from '@nestjs/common';
import { LtError, type Actor, type UpdateAgencyInput } from '@lt/contracts';
import type { AgencyWithKeys } from '../../domain/agency';
import { planUpdate, type AgencyPatch } from '../../domain/agency-plans';
import { asObject, describe, parseCodeField, parseContact, rejectUnknownFields, requiredString } from '../../domain/input';
import { NAME_MAX, parseTier } from '../create-agency/create-agency.use-case';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';
import { TxAgencyLookup } from '../shared/tx-lookup';

const FIELDS = ['name', 'tier', 'parentCode', 'status', 'contact'] as const;

export function parseUpdateInput(value: unknown): AgencyPatch {
  const o = asObject(value, 'patch');
  rejectUnknownFields(o, FIELDS, 'patch');
  const patch: AgencyPatch = {};
  if (o.name !== undefined) patch.name = requiredString(o.name, 'name', NAME_MAX);
  if (o.tier !== undefined) patch.tier = parseTier(o.tier);
  if (o.parentCode !== undefined) patch.parentCode = o.parentCode === null || o.parentCode === '' ? null : parseCodeField(o.parentCode, 'parentCode');
  if (o.status !== undefined) {
    if (o.status === 'closed') throw new LtError('VALIDATION_FAILED', 'status cannot be set to closed here: close the agency (it needs a reason and maybe a successor)', { field: 'status' });
    if (o.status !== 'active' && o.status !== 'suspended') throw new LtError('VALIDATION_FAILED', `status must be active or suspended, got ${describe(o.status)}`, { field: 'status' });
    patch.status = o.status;
  }
  if (o.contact !== undefined) patch.contact = parseContact(o.contact);
  return patch;
}

/** Renames, moves, re-tiers, suspends/reactivates, or edits contact fields; a no-op patch writes nothing. */
@Injectable()
export class UpdateAgencyUseCase {
  constructor(@Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext) {}

  async execute(actor: Actor, code: string, input: UpdateAgencyInput | Record<string, unknown>): Promise<AgencyWithKeys> {
    const c = parseCodeField(code, 'code');
    const patch = parseUpdateInput(input);
    const now = this.ctx.clock.now().toISOString();
    const { result, changed } = await this.ctx.repo.transaction(async (tx) => {
      const lookup = new TxAgencyLookup(tx);
      const existing = await lookup.get(c);
      if (!existing) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
      const next = await planUpdate(lookup, existing, patch, now, () => tx.childrenOf([c]));
      const keys = (await tx.findKeys([c])).get(c) ?? [];
      if (!next) return { result: { ...existing, keys }, changed: false };
      await tx.updateAgencies([next]);
      const change = makeChange(this.ctx, 'registry.agency.updated', actor, next, keys, now);
      await tx.appendChanges([change]);
      return { result: change.snapshot, changed: true };
    });
    if (changed) await this.ctx.outbox.flushQuietly();
    return result;
  }
}
