import { Inject, Injectable } from '@nestjs/common';
import { LtError, type Actor, type AddKeyInput, type AgencyKey } from '@lt/contracts';
import { assertWindow, parseAddKeyInput } from '../../domain/key-rules';
import { parseCodeField } from '../../domain/input';
import { makeChange, REGISTRY_CONTEXT, type RegistryContext } from '../shared/registry-context';

/**
 * Registers a public signing key; its JWS kid is `<code>#<keyId>`. The agency's version moves on,
 * because its KV entry (agency + active keys) changes.
 */
@Injectable()
export class AddKeyUseCase {
  constructor(@Inject(REGISTRY_CONTEXT) private readonly ctx: RegistryContext) {}

  async execute(actor: Actor, code: string, input: AddKeyInput | Record<string, unknown>): Promise<AgencyKey> {
    const c = parseCodeField(code, 'code');
    const k = parseAddKeyInput(input);
    const now = this.ctx.clock.now().toISOString();
    const notBefore = k.notBefore ?? now;
    assertWindow(notBefore, k.notAfter);
    const key = await this.ctx.repo.transaction(async (tx) => {
      const agency = (await tx.findAgencies([c])).get(c);
      if (!agency) throw new LtError('UNKNOWN_AGENCY', `agency ${c} is not registered`, { code: c });
      if (agency.status === 'closed') throw new LtError('AGENCY_CLOSED', `agency ${c} is closed: it cannot get new keys`, { code: c, successorCode: agency.successorCode });
      const keys = (await tx.findKeys([c])).get(c) ?? [];
      const kid = `${c}#${k.keyId}`;
      const same = keys.find((x) => x.keyId === k.keyId);
      if (same) throw new LtError('DUPLICATE', `key ${kid} is already registered${same.revokedAt ? ' (revoked; key ids are never reused)' : ''}`, { kid, keyId: k.keyId });
      const added: AgencyKey = {
        agencyCode: c,
        keyId: k.keyId,
        kid,
        alg: k.alg,
        publicJwk: k.publicJwk,
        notBefore,
        notAfter: k.notAfter,
        revokedAt: null,
        revokedReason: null,
      };
      await tx.insertKey(added);
      const next = { ...agency, version: agency.version + 1, updatedAt: now };
      await tx.updateAgencies([next]);
      await tx.appendChanges([makeChange(this.ctx, 'registry.key.added', actor, next, [...keys, added], now, k.keyId)]);
      return added;
    });
    await this.ctx.outbox.flushQuietly();
    return key;
  }
}
