import { Inject, Injectable } from '@nestjs/common';
import { LtError, type Actor, type AgencyKey } from '@lt/contracts';
import { parseKeyId } from '../../domain/key-rules';
import { parseCodeField, requiredString } from '../../domain/input';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';

/** Accepts a bare key id (`k1`) or a full kid (`000.00.00.H41#k1`, which must name the same agency). */
export function parseKeyRef(code: string, keyIdOrKid: unknown): string {
  if (typeof keyIdOrKid === 'string' && keyIdOrKid.includes('#')) {
    const [agency, keyId, ...rest] = keyIdOrKid.split('#');
    if (rest.length > 0 || agency !== code) {
      throw new LtError('VALIDATION_FAILED', `kid ${JSON.stringify(keyIdOrKid)} does not belong to agency ${code}`, { field: 'keyId' });
    }
    return parseKeyId(keyId);
  }
  return parseKeyId(keyIdOrKid);
}

/** Revokes a key for good (a reason is required); routers drop it from the agency's KV entry. */
@Injectable()
export class RevokeKeyUseCase {
  constructor(@Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext) {}

  async execute(actor: Actor, code: string, keyIdOrKid: string, reason: string): Promise<AgencyKey> {
    const c = parseCodeField(code, 'code');
    const keyId = parseKeyRef(c, keyIdOrKid);
    const why = requiredString(reason, 'reason', 1000);
    const now = this.ctx.clock.now().toISOString();
    const revoked = await this.ctx.repo.transaction(async (tx) => {
      const agency = (await tx.findAgencies([c])).get(c);
      if (!agency) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
      const keys = (await tx.findKeys([c])).get(c) ?? [];
      const key = keys.find((k) => k.keyId === keyId);
      const kid = `${c}#${keyId}`;
      if (!key) throw new LtError('UNKNOWN_KEY', `key ${kid} is not registered`, { kid });
      if (key.revokedAt) throw new LtError('KEY_REVOKED', `key ${kid} was already revoked at ${key.revokedAt}: ${key.revokedReason ?? ''}`.trim(), { kid, revokedAt: key.revokedAt });
      const after: AgencyKey = { ...key, revokedAt: now, revokedReason: why };
      await tx.revokeKey(c, keyId, now, why);
      const next = { ...agency, version: agency.version + 1, updatedAt: now };
      await tx.updateAgencies([next]);
      const all = keys.map((k) => (k.keyId === keyId ? after : k));
      await tx.appendChanges([makeChange(this.ctx, 'registry.key.revoked', actor, next, all, now, keyId)]);
      return after;
    });
    await this.ctx.outbox.flushQuietly();
    return revoked;
  }
}
