import { Inject, Injectable } from '@nestjs/common';
import { LtError, type Actor, type CloseAgencyInput } from '@lt/contracts';
import type { AgencyWithKeys } from '../../domain/agency';
import { planClose, type ClosePlanInput } from '../../domain/agency-plans';
import { asObject, parseCodeField, rejectUnknownFields, requiredString } from '../../domain/input';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';
import { TxAgencyLookup } from '../shared/tx-lookup';

export function parseCloseInput(value: unknown): ClosePlanInput {
  const o = asObject(value, 'close');
  rejectUnknownFields(o, ['successorCode', 'reason'], 'close');
  return {
    successorCode: o.successorCode === undefined || o.successorCode === null || o.successorCode === '' ? null : parseCodeField(o.successorCode, 'successorCode'),
    reason: requiredString(o.reason, 'reason', 1000),
  };
}

/** Closes an agency (status closed, valid_to now), optionally naming its successor. */
@Injectable()
export class CloseAgencyUseCase {
  constructor(@Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext) {}

  async execute(actor: Actor, code: string, input: CloseAgencyInput | Record<string, unknown>): Promise<AgencyWithKeys> {
    const c = parseCodeField(code, 'code');
    const parsed = parseCloseInput(input);
    const now = this.ctx.clock.now().toISOString();
    const closed = await this.ctx.repo.transaction(async (tx) => {
      const lookup = new TxAgencyLookup(tx);
      const existing = await lookup.get(c);
      if (!existing) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
      const next = await planClose(lookup, existing, parsed, now, () => tx.childrenOf([c]));
      await tx.updateAgencies([next]);
      const keys = (await tx.findKeys([c])).get(c) ?? [];
      const change = makeChange(this.ctx, 'registry.agency.closed', actor, next, keys, now);
      await tx.appendChanges([change]);
      return change.snapshot;
    });
    await this.ctx.outbox.flushQuietly();
    return closed;
  }
}
