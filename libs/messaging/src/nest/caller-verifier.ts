import { CALLER_TOKEN_HEADER, LtError, type VerifiedCaller } from '@lt/contracts';
import { GATEWAY_TOKEN_AUDIENCE, importPublicKey, verifyToken, type TokenClaims, type VerifyKey } from '@lt/crypto';
import { hubKeyPaths, loadHubPublicKeys } from '@lt/platform';
import type { NatsRpcContext } from './nats-rpc.server';

/**
 * The keys bearer tokens are verified with: the active token key of the data folder, by key id.
 * Retired token keys are not accepted (a rotation ends the tokens signed before it). Only public
 * halves are read; an empty map when the folder holds no token key.
 */
export function loadTokenVerifyKeys(dataDir: string): Map<string, VerifyKey> {
  const active = loadHubPublicKeys(dataDir, 'token').filter((k) => k.status === 'active');
  return new Map(active.map((k) => [k.keyId, importPublicKey(k.publicJwk, k.alg)]));
}

export interface CallerVerifierOptions {
  /** where the keys come from, for messages (e.g. the token key file) */
  source?: string;
  /** an unknown key id reloads the keys at most this often (default 5 s): a rotated token key is taken up without a restart */
  reloadIntervalMs?: number;
  now?: () => number;
}

/** The roles a method admits, as in token roles; 'agency' = any agency token. */
export type CallerRole = 'admin' | 'auditor' | 'agency';

/**
 * A hub service's check of who calls it: the caller's bearer token in the Lt-Caller-Token header,
 * verified with the hub's public token key for the gateway's audience (the token the gateway
 * itself accepted). Never the payload. Refusals: no or bad token -> UNAUTHENTICATED
 * (details.reason as verifyToken's, or `missing`); a good token whose role the method does not
 * admit -> FORBIDDEN. Revocation and closed agencies are checked by the gateway, which holds
 * those lists (docs/security-identity.md).
 */
export class CallerVerifier {
  private keys: ReadonlyMap<string, VerifyKey>;
  private loadedAt: number;
  private readonly reloadIntervalMs: number;
  private readonly now: () => number;

  constructor(
    private readonly load: () => ReadonlyMap<string, VerifyKey>,
    private readonly opts: CallerVerifierOptions = {},
  ) {
    this.now = opts.now ?? Date.now;
    this.reloadIntervalMs = opts.reloadIntervalMs ?? 5_000;
    this.keys = load();
    this.loadedAt = this.now();
  }

  /** Verifies with the active token key of `dataDir` (LT_DATA_DIR), read again when a token names a key it does not know. */
  static fromDataDir(dataDir: string, opts: Omit<CallerVerifierOptions, 'source'> = {}): CallerVerifier {
    return new CallerVerifier(() => loadTokenVerifyKeys(dataDir), { ...opts, source: hubKeyPaths.active(dataDir, 'token') });
  }

  /** Whether a token key is loaded (a service logs a warning at start when not). */
  get hasKeys(): boolean {
    return this.keys.size > 0;
  }

  /** The verified caller of a token (the header's value), or UNAUTHENTICATED. */
  verify(token: string | undefined): VerifiedCaller {
    if (token === undefined || token === '') {
      throw new LtError(
        'UNAUTHENTICATED',
        `no ${CALLER_TOKEN_HEADER} header: this method needs the caller's bearer token (the gateway forwards it; tools on the hub machine sign one with issueLocalToken)`,
        { reason: 'missing', header: CALLER_TOKEN_HEADER },
      );
    }
    let claims: TokenClaims;
    try {
      claims = this.verifyOnce(token);
    } catch (e) {
      if (!(e instanceof LtError) || e.details?.reason !== 'unknown_kid' || !this.reload()) throw this.named(e);
      try {
        claims = this.verifyOnce(token);
      } catch (again) {
        throw this.named(again);
      }
    }
    const caller: VerifiedCaller = { sub: claims.sub, role: claims.role, jti: claims.jti };
    if (claims.role.startsWith('agency:')) caller.agencyCode = claims.role.slice('agency:'.length);
    return caller;
  }

  /** The verified caller of a request, refused unless its role is one of `roles` (any role when empty). */
  require(ctx: NatsRpcContext, roles: readonly CallerRole[] = []): VerifiedCaller {
    const caller = this.verify(ctx.getHeader(CALLER_TOKEN_HEADER));
    const admitted = roles.length === 0 || roles.some((r) => (r === 'agency' ? caller.agencyCode !== undefined : caller.role === r));
    if (!admitted) {
      throw new LtError('FORBIDDEN', `role ${caller.role} may not call ${ctx.getSubject()}; requires ${roles.join(' or ')}`, {
        role: caller.role,
        required: [...roles],
      });
    }
    return caller;
  }

  private verifyOnce(token: string): TokenClaims {
    if (this.keys.size === 0) {
      throw new LtError('UNAUTHENTICATED', `no hub token key to verify with${this.opts.source ? ` at ${this.opts.source}` : ''}`, { reason: 'unknown_kid' });
    }
    return verifyToken(token, this.keys, { audience: GATEWAY_TOKEN_AUDIENCE, now: this.now() });
  }

  /** Reads the keys again unless that was done recently (always while none is held); true when it did. */
  private reload(): boolean {
    const now = this.now();
    if (this.keys.size > 0 && now - this.loadedAt < this.reloadIntervalMs) return false;
    this.loadedAt = now;
    try {
      this.keys = this.load();
    } catch {
      // an unreadable key folder leaves the keys held so far in force
      return false;
    }
    return true;
  }

  private named(e: unknown): unknown {
    if (!(e instanceof LtError) || e.code !== 'UNAUTHENTICATED') return e;
    return new LtError('UNAUTHENTICATED', `${CALLER_TOKEN_HEADER} refused: ${e.message.replace(/^bearer token refused: /, '')}`, {
      ...e.details,
      header: CALLER_TOKEN_HEADER,
    });
  }
}
