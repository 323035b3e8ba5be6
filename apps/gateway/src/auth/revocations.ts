import { LtError, type Topology } from '@lt/contracts';
import { isValidJti } from '@lt/crypto';
import { openTokenRevocationKv, type NatsConnection } from '@lt/messaging';
import type { Logger } from '@lt/platform';
import { KvFollower, type KvFollowerOptions } from './kv-follower';

/** A revoked token as stored under its jti in the `<ns>-token-revocations` bucket. */
export interface TokenRevocation {
  jti: string;
  /** the token's expiry (epoch seconds) when the revoker knew it, else null */
  exp: number | null;
  revokedAt: string;
  /** sub of the admin token that revoked it */
  by: string;
  reason: string | null;
}

export interface RevokeInput {
  jti: unknown;
  reason?: unknown;
  exp?: unknown;
}

const MAX_REASON_CHARS = 500;

/**
 * Revoked bearer tokens, shared by every gateway replica through a KV bucket (key = jti) and
 * held here as a set kept current by a watch: a revocation written by any replica (or any
 * operator) is refused by all of them as soon as the watch delivers it, without a network
 * round trip per request. Entries expire with the bucket's max age (the longest token lifetime).
 */
export class TokenRevocations extends KvFollower {
  private readonly revoked = new Set<string>();

  constructor(nc: NatsConnection, topo: Topology, log: Logger, opts: KvFollowerOptions = {}) {
    super('token revocation list', () => openTokenRevocationKv(nc, topo), log, opts);
  }

  /** Whether the token named by jti was revoked; UNAVAILABLE while the list is not loaded (fails closed). */
  isRevoked(jti: string): boolean {
    this.assertReady();
    return this.revoked.has(jti);
  }

  /** Records a revocation (idempotent: revoking again keeps the token revoked and updates the record). */
  async revoke(input: RevokeInput, by: string, now: Date = new Date()): Promise<TokenRevocation> {
    if (!isValidJti(input?.jti)) {
      throw new LtError(
        'VALIDATION_FAILED',
        `jti ${JSON.stringify(input?.jti)} must be a token id (1-128 of [A-Za-z0-9_-]), as printed by \`lienthong token issue\``,
        {
          field: 'jti',
        },
      );
    }
    const reason = input.reason ?? null;
    if (reason !== null && (typeof reason !== 'string' || reason.length > MAX_REASON_CHARS)) {
      throw new LtError('VALIDATION_FAILED', `reason must be a string of at most ${MAX_REASON_CHARS} characters`, { field: 'reason' });
    }
    const exp = input.exp ?? null;
    if (exp !== null && !Number.isSafeInteger(exp)) throw new LtError('VALIDATION_FAILED', 'exp must be whole epoch seconds', { field: 'exp' });
    const record: TokenRevocation = { jti: input.jti, exp: exp as number | null, revokedAt: now.toISOString(), by, reason: reason as string | null };
    await this.bucket().put(record.jti, JSON.stringify(record));
    // this replica refuses it at once; the others when their watch delivers it
    this.revoked.add(record.jti);
    return record;
  }

  protected apply(key: string, value: unknown): void {
    if (value === null) this.revoked.delete(key);
    else this.revoked.add(key);
  }
}
