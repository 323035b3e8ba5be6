import { HUB_KEYS_KV_KEY, LtError } from '@lt/contracts';
import type { VerifyKey } from '@lt/crypto';
import { AgencyDirectory as SharedDirectory, type AgencyView, type ApplyResult, type DirectoryKeyEntry, type KeyView } from '@lt/directory';

export type { AgencyView, ApplyResult, DirectoryKeyEntry, HubKeysKvValue, KeyView } from '@lt/directory';
/** An agency as the SDK's directory holds it. */
export type DirectoryAgency = AgencyView;

/**
 * The SDK's face of the shared in-memory directory (libs/directory), kept current by the client's
 * KV watch. Public keys are imported on first use, once: a one-shot CLI command does not import
 * 12,000 keys to send one document. What this adds: `apply` by KV key, and key lookups that
 * throw the LtError codes verifyInbound and preflight report.
 */
export class AgencyDirectory {
  /** the shared directory itself; the client's KvDirectoryFeed writes into it */
  readonly shared = new SharedDirectory({ importKeys: 'on-first-use' });

  get size(): number {
    return this.shared.size;
  }

  agency(code: string): DirectoryAgency | undefined {
    return this.shared.agency(code);
  }

  has(code: string): boolean {
    return this.shared.has(code);
  }

  /** Kids of the keys an agency's entry lists. */
  kidsOf(code: string): readonly string[] {
    return this.shared.kidsOf(code);
  }

  keyEntry(kid: string): DirectoryKeyEntry | undefined {
    return this.shared.key(kid)?.entry;
  }

  hubKids(): string[] {
    return this.shared.hubKids();
  }

  /**
   * Applies one KV entry: `value` is the parsed JSON of a PUT, null for DEL/PURGE. A value that is
   * not a valid entry is refused (`applied: false` with the reason) and the last good one kept.
   */
  apply(kvKey: string, value: unknown): ApplyResult {
    return this.shared.applyKv(kvKey, value);
  }

  /**
   * The key that must have signed an envelope with header `kid` issued at `issuedAt` (omit to skip
   * the validity window, e.g. before the payload is read). UNKNOWN_KEY when the directory does not
   * hold it (unknown agency or key; revoked keys leave the directory), KEY_REVOKED when revoked
   * at or before issuedAt, UNKNOWN_KEY with reason not_yet_valid/expired outside its window,
   * UNKNOWN_KEY with reason bad_jwk when the registered JWK is not a usable key.
   */
  verifyKeyFor(kid: string, issuedAt?: string): VerifyKey {
    const k = this.shared.key(kid);
    if (!k) throw new LtError('UNKNOWN_KEY', `key ${kid} is not in the directory (unknown agency or key id, or the key was revoked)`, { kid });
    if (issuedAt !== undefined) checkValidity(k, issuedAt);
    if (!k.key) {
      throw new LtError('UNKNOWN_KEY', `key ${kid} in the directory is not a usable ${k.alg} public key: ${k.importError}`, { kid, reason: 'bad_jwk' });
    }
    return k.key;
  }

  /** A hub signing key by kid (`hub#<id>`); UNKNOWN_KEY when KV does not list it. */
  hubVerifyKey(kid: string): VerifyKey {
    const k = this.shared.hubKey(kid);
    if (!k) throw new LtError('UNKNOWN_KEY', `hub key ${kid} is not among the hub keys in KV ${HUB_KEYS_KV_KEY}`, { kid });
    if (!k.key) throw new LtError('UNKNOWN_KEY', `hub key ${kid} is not a usable ${k.alg} public key: ${k.importError}`, { kid, reason: 'bad_jwk' });
    return k.key;
  }
}

function checkValidity(k: KeyView, issuedAt: string): void {
  const at = Date.parse(issuedAt);
  const { revokedAt, notBefore, notAfter } = k.entry;
  if (k.revokedAtMs !== null && k.revokedAtMs <= at) {
    throw new LtError('KEY_REVOKED', `key ${k.kid} was revoked at ${revokedAt}, before the envelope was issued (${issuedAt})`, { kid: k.kid, revokedAt });
  }
  if (k.notBeforeMs > at) {
    throw new LtError('UNKNOWN_KEY', `key ${k.kid} is valid only from ${notBefore}; the envelope was issued at ${issuedAt}`, {
      kid: k.kid,
      reason: 'not_yet_valid',
    });
  }
  if (k.notAfterMs !== null && k.notAfterMs <= at) {
    throw new LtError('UNKNOWN_KEY', `key ${k.kid} expired at ${notAfter}; the envelope was issued at ${issuedAt}`, { kid: k.kid, reason: 'expired' });
  }
}
