import { HUB_KEYS_KV_KEY, HUB_KID_PREFIX, LtError, isAgencyCode, type AgencyKvEntry, type SigningAlg } from '@lt/contracts';
import { importPublicKey, isSigningAlg, type VerifyKey } from '@lt/crypto';

/**
 * The agency directory held in memory, fed by a watch on the registry's KV bucket (DESIGN.md:
 * a KV get per message is far too slow for the hot path). Public keys are imported lazily, once,
 * on first use: a one-shot CLI command does not import 12,000 keys to send one document.
 */

export type DirectoryAgency = AgencyKvEntry['agency'];
export type DirectoryKeyEntry = AgencyKvEntry['keys'][number];

interface KeyRecord {
  agencyCode: string;
  entry: DirectoryKeyEntry;
  verifyKey?: VerifyKey;
}

interface HubKeyRecord {
  kid: string;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
  verifyKey?: VerifyKey;
}

/** Value stored under HUB_KEYS_KV_KEY. */
export interface HubKeysKvValue {
  keys: Array<{ kid: string; alg: SigningAlg; publicJwk: Record<string, unknown> }>;
}

export class AgencyDirectory {
  private readonly agencies = new Map<string, DirectoryAgency>();
  private readonly kidsByCode = new Map<string, string[]>();
  private readonly keys = new Map<string, KeyRecord>();
  /** KV key -> agency code, to apply deletions (which carry no value) */
  private readonly codeByKvKey = new Map<string, string>();
  private hubKeys = new Map<string, HubKeyRecord>();

  get size(): number {
    return this.agencies.size;
  }

  agency(code: string): DirectoryAgency | undefined {
    return this.agencies.get(code);
  }

  has(code: string): boolean {
    return this.agencies.has(code);
  }

  /** Kids of an agency's unrevoked keys as mirrored by the registry. */
  kidsOf(code: string): readonly string[] {
    return this.kidsByCode.get(code) ?? [];
  }

  keyEntry(kid: string): DirectoryKeyEntry | undefined {
    return this.keys.get(kid)?.entry;
  }

  hubKids(): string[] {
    return [...this.hubKeys.keys()];
  }

  /**
   * Applies one KV entry: `value` is the parsed JSON of a PUT, null for DEL/PURGE.
   * Throws SCHEMA_INVALID for a value that is not an AgencyKvEntry (the caller logs and goes on).
   */
  apply(kvKey: string, value: unknown): void {
    if (kvKey === HUB_KEYS_KV_KEY) {
      this.applyHubKeys(value);
      return;
    }
    if (kvKey.startsWith('_')) return; // other hub-internal keys
    const previous = this.codeByKvKey.get(kvKey);
    if (previous !== undefined) this.remove(previous);
    if (value === null || value === undefined) {
      this.codeByKvKey.delete(kvKey);
      return;
    }
    const entry = checkKvEntry(kvKey, value);
    const code = entry.agency.code;
    this.codeByKvKey.set(kvKey, code);
    this.agencies.set(code, entry.agency);
    const kids: string[] = [];
    for (const k of entry.keys) {
      // a kid names its agency: an entry cannot vouch for another agency's key
      if (!k.kid.startsWith(`${code}#`)) continue;
      kids.push(k.kid);
      this.keys.set(k.kid, { agencyCode: code, entry: k });
    }
    this.kidsByCode.set(code, kids);
  }

  private remove(code: string): void {
    this.agencies.delete(code);
    for (const kid of this.kidsByCode.get(code) ?? []) this.keys.delete(kid);
    this.kidsByCode.delete(code);
  }

  private applyHubKeys(value: unknown): void {
    const next = new Map<string, HubKeyRecord>();
    if (value !== null && value !== undefined) {
      const list = (value as Partial<HubKeysKvValue>).keys;
      if (!Array.isArray(list)) throw new LtError('SCHEMA_INVALID', `KV ${HUB_KEYS_KV_KEY}: keys must be an array`, { field: 'keys' });
      for (const k of list) {
        if (
          typeof k?.kid !== 'string' ||
          !k.kid.startsWith(HUB_KID_PREFIX) ||
          !isSigningAlg(k.alg) ||
          typeof k.publicJwk !== 'object' ||
          k.publicJwk === null
        ) {
          throw new LtError('SCHEMA_INVALID', `KV ${HUB_KEYS_KV_KEY}: each key needs kid "${HUB_KID_PREFIX}<id>", alg EdDSA|ES256 and publicJwk`, {
            field: 'keys',
          });
        }
        // keep an imported key when the same kid comes again with the same material
        const old = this.hubKeys.get(k.kid);
        const same = old && old.alg === k.alg && JSON.stringify(old.publicJwk) === JSON.stringify(k.publicJwk);
        next.set(k.kid, same ? old : { kid: k.kid, alg: k.alg, publicJwk: k.publicJwk });
      }
    }
    this.hubKeys = next;
  }

  /**
   * The key that must have signed an envelope with header `kid` issued at `issuedAt` (omit to skip
   * the validity window, e.g. before the payload is read). UNKNOWN_KEY when the directory does not
   * hold it (unknown agency or key; revoked keys leave the directory), KEY_REVOKED when revoked
   * at or before issuedAt, UNKNOWN_KEY with reason not_yet_valid/expired outside its window.
   */
  verifyKeyFor(kid: string, issuedAt?: string): VerifyKey {
    const rec = this.keys.get(kid);
    if (!rec) throw new LtError('UNKNOWN_KEY', `key ${kid} is not in the directory (unknown agency or key id, or the key was revoked)`, { kid });
    if (issuedAt !== undefined) checkValidity(rec.entry, issuedAt);
    if (!rec.verifyKey) {
      try {
        rec.verifyKey = importPublicKey(rec.entry.publicJwk, rec.entry.alg);
      } catch (e) {
        throw new LtError('UNKNOWN_KEY', `key ${kid} in the directory is not a usable ${rec.entry.alg} public key: ${(e as Error).message}`, {
          kid,
          reason: 'bad_jwk',
        });
      }
    }
    return rec.verifyKey;
  }

  /** A hub signing key by kid (`hub#<id>`); UNKNOWN_KEY when KV does not list it. */
  hubVerifyKey(kid: string): VerifyKey {
    const rec = this.hubKeys.get(kid);
    if (!rec) throw new LtError('UNKNOWN_KEY', `hub key ${kid} is not among the hub keys in KV ${HUB_KEYS_KV_KEY}`, { kid });
    if (!rec.verifyKey) {
      try {
        rec.verifyKey = importPublicKey(rec.publicJwk, rec.alg);
      } catch (e) {
        throw new LtError('UNKNOWN_KEY', `hub key ${kid} is not a usable ${rec.alg} public key: ${(e as Error).message}`, { kid, reason: 'bad_jwk' });
      }
    }
    return rec.verifyKey;
  }
}

function checkValidity(k: DirectoryKeyEntry, issuedAt: string): void {
  const at = Date.parse(issuedAt);
  if (k.revokedAt && Date.parse(k.revokedAt) <= at) {
    throw new LtError('KEY_REVOKED', `key ${k.kid} was revoked at ${k.revokedAt}, before the envelope was issued (${issuedAt})`, {
      kid: k.kid,
      revokedAt: k.revokedAt,
    });
  }
  if (k.notBefore && Date.parse(k.notBefore) > at) {
    throw new LtError('UNKNOWN_KEY', `key ${k.kid} is valid only from ${k.notBefore}; the envelope was issued at ${issuedAt}`, {
      kid: k.kid,
      reason: 'not_yet_valid',
    });
  }
  if (k.notAfter && Date.parse(k.notAfter) <= at) {
    throw new LtError('UNKNOWN_KEY', `key ${k.kid} expired at ${k.notAfter}; the envelope was issued at ${issuedAt}`, { kid: k.kid, reason: 'expired' });
  }
}

function checkKvEntry(kvKey: string, value: unknown): AgencyKvEntry {
  const v = value as Partial<AgencyKvEntry> | null;
  if (v === null || typeof v !== 'object' || typeof v.agency !== 'object' || v.agency === null || !isAgencyCode(v.agency.code)) {
    throw new LtError('SCHEMA_INVALID', `KV entry ${kvKey}: agency.code must be an agency code`, { field: 'agency.code', kvKey });
  }
  if (!Array.isArray(v.keys)) throw new LtError('SCHEMA_INVALID', `KV entry ${kvKey}: keys must be an array`, { field: 'keys', kvKey });
  for (const k of v.keys) {
    if (typeof k?.kid !== 'string' || !isSigningAlg(k.alg) || typeof k.publicJwk !== 'object' || k.publicJwk === null) {
      throw new LtError('SCHEMA_INVALID', `KV entry ${kvKey}: each key needs kid, alg EdDSA|ES256 and publicJwk`, { field: 'keys', kvKey });
    }
  }
  return v as AgencyKvEntry;
}
