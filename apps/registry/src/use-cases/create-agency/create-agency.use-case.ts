import { Inject, Injectable } from '@nestjs/common';
import { LtError, isTier, type Actor, type CreateAgencyInput, type Tier } from '@lt/contracts';
import type { AgencyWithKeys } from '../../domain/agency';
import { planCreate, type NewAgency } from '../../domain/agency-plans';
import { asObject, describe, parseCodeField, parseContact, parseTime, rejectUnknownFields, requiredString } from '../../domain/input';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';
import { TxAgencyLookup } from '../shared/tx-lookup';

export const NAME_MAX = 500;
const FIELDS = ['code', 'name', 'tier', 'parentCode', 'validFrom', 'contact'] as const;

export function parseTier(value: unknown, field = 'tier'): Tier {
  if (!isTier(value)) throw new LtError('VALIDATION_FAILED', `${field} must be one of central, province, district, commune, got ${describe(value)}`, { field });
  return value;
}

export function parseCreateInput(value: unknown): NewAgency {
  const o = asObject(value, 'agency');
  rejectUnknownFields(o, FIELDS, 'agency');
  return {
    code: parseCodeField(o.code, 'code'),
    name: requiredString(o.name, 'name', NAME_MAX),
    tier: parseTier(o.tier),
    parentCode: o.parentCode === undefined || o.parentCode === null || o.parentCode === '' ? null : parseCodeField(o.parentCode, 'parentCode'),
    validFrom: o.validFrom === undefined || o.validFrom === null ? null : parseTime(o.validFrom, 'validFrom'),
    contact: parseContact(o.contact),
  };
}

/** Registers one agency: DUPLICATE, UNKNOWN_PARENT, AGENCY_CLOSED (parent) and TIER_MISMATCH are refused. */
@Injectable()
export class CreateAgencyUseCase {
  constructor(@Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext) {}

  async execute(actor: Actor, input: CreateAgencyInput | Record<string, unknown>): Promise<AgencyWithKeys> {
    const parsed = parseCreateInput(input);
    const now = this.ctx.clock.now().toISOString();
    const created = await this.ctx.repo.transaction(async (tx) => {
      const agency = await planCreate(new TxAgencyLookup(tx), parsed, now);
      await tx.insertAgencies([agency]);
      const change = makeChange(this.ctx, 'registry.agency.created', actor, agency, [], now);
      await tx.appendChanges([change]);
      return change.snapshot;
    });
    await this.ctx.outbox.flushQuietly();
    return created;
  }
}
