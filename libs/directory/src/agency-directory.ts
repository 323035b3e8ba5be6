import { HUB_KEYS_KV_KEY, subjectTokensToCode, type AgencyKvEntry } from '@lt/contracts';
import type { VerifyKey } from '@lt/crypto';
import { agencyEntryProblem, hubKeysProblem } from './entry-check';
import { KeyMaterial } from './key-material';
import type { AgencyView, ApplyResult, DirectoryKeyEntry, DirectoryReader, HubKeyView, HubKeysKvValue, KeyView } from './views';

export interface AgencyDirectoryOptions {
  /**
   * When public keys are imported (about 150 µs each), always once per key material:
   * - 'on-arrival' (default): as the entry arrives, so a lookup never imports (the router, which
   *   looks a key up per submission);
   * - 'on-first-use': the first time `key` is read (the SDK: a one-shot command does not import
   *   12,000 keys to send one document).
   */
  importKeys?: 'on-arrival' | 'on-first-use';
}

class DirectoryKey implements KeyView {
  readonly kid: string;
  readonly notBeforeMs: number;
  readonly notAfterMs: number | null;
  readonly revokedAtMs: number | null;

  constructor(
    readonly agencyCode: string,
    readonly entry: DirectoryKeyEntry,
    readonly material: KeyMaterial,
  ) {
    this.kid = entry.kid;
    this.notBeforeMs = Date.parse(entry.notBefore);
    this.notAfterMs = entry.notAfter ? Date.parse(entry.notAfter) : null;
    this.revokedAtMs = entry.revokedAt ? Date.parse(entry.revokedAt) : null;
    Object.freeze(this);
  }

  get alg(): DirectoryKeyEntry['alg'] {
    return this.entry.alg;
  }

  get key(): VerifyKey | null {
    return this.material.key;
  }

  get importError(): string | null {
    return this.material.importError;
  }
}

class HubKey implements HubKeyView {
  constructor(
    readonly kid: string,
    readonly publicJwk: Record<string, unknown>,
    readonly material: KeyMaterial,
  ) {
    Object.freeze(this);
  }

  get alg(): HubKeyView['alg'] {
    return this.material.alg;
  }

  get key(): VerifyKey | null {
    return this.material.key;
  }

  get importError(): string | null {
    return this.material.importError;
  }
}

interface Held {
  agency: AgencyView;
  kids: string[];
}

/**
 * The agency directory in memory, as the registry mirrors it into the KV bucket (a KV get is a
 * network round trip, far too slow once per message on the hot path). Agencies by code, keys by kid, the children
 * index, the hub keys; every lookup is a Map get. Fed entry by entry (KvDirectoryFeed, or apply()
 * directly in tests): a malformed or stale entry is refused with a reason and the last good state
 * is kept.
 */
export class AgencyDirectory implements DirectoryReader {
  private readonly agencies = new Map<string, Held>();
  private readonly keys = new Map<string, DirectoryKey>();
  private readonly childIndex = new Map<string, Map<string, AgencyView>>();
  private hubKeys = new Map<string, HubKey>();
  private readonly eager: boolean;

  constructor(opts: AgencyDirectoryOptions = {}) {
    this.eager = (opts.importKeys ?? 'on-arrival') === 'on-arrival';
  }

  // ---------------------------------------------------------------- reading

  /** number of agencies held */
  get size(): number {
    return this.agencies.size;
  }

  agency(code: string): AgencyView | undefined {
    return this.agencies.get(code)?.agency;
  }

  has(code: string): boolean {
    return this.agencies.has(code);
  }

  key(kid: string): KeyView | undefined {
    return this.keys.get(kid);
  }

  /** Kids of the keys an agency's entry lists (revoked ones included: the registry keeps them with revokedAt). */
  kidsOf(code: string): readonly string[] {
    return this.agencies.get(code)?.kids ?? [];
  }

  children(code: string): readonly AgencyView[] {
    const c = this.childIndex.get(code);
    return c ? [...c.values()] : [];
  }

  hubKey(kid: string): HubKeyView | undefined {
    return this.hubKeys.get(kid);
  }

  hubKids(): string[] {
    return [...this.hubKeys.keys()];
  }

  // ---------------------------------------------------------------- feeding

  /**
   * One KV entry: `value` is the parsed JSON of a PUT, null or undefined for a DEL/PURGE. Routes by
   * key: HUB_KEYS_KV_KEY to the hub keys, other `_` keys are ignored, anything else must be an
   * agency's subject tokens (codeToSubjectTokens) holding that agency's entry.
   */
  applyKv(kvKey: string, value: unknown): ApplyResult {
    if (kvKey === HUB_KEYS_KV_KEY) return this.applyHubKeys(value);
    if (kvKey.startsWith('_')) return { applied: false, ignored: true, reason: `KV key ${kvKey} is hub-internal, not an agency` };
    let code: string;
    try {
      code = subjectTokensToCode(kvKey);
    } catch {
      return { applied: false, reason: `KV key ${JSON.stringify(kvKey)} is not an agency code` };
    }
    if (value === null || value === undefined) {
      this.remove(code);
      return { applied: true };
    }
    const problem = agencyEntryProblem(value);
    if (problem) return { applied: false, reason: problem };
    const named = (value as AgencyKvEntry).agency.code;
    if (named !== code) return { applied: false, reason: `agency.code ${named} is not the agency of KV key ${kvKey} (${code})` };
    return this.store(value as AgencyKvEntry);
  }

  /** Stores an agency's entry. An older version than the one held is refused. */
  apply(entry: unknown): ApplyResult {
    const problem = agencyEntryProblem(entry);
    if (problem) return { applied: false, reason: problem };
    return this.store(entry as AgencyKvEntry);
  }

  /** The agency's KV entry was deleted or purged: it and its keys are gone. False when it was not held. */
  remove(code: string): boolean {
    const held = this.agencies.get(code);
    if (!held) return false;
    this.unindex(held);
    for (const kid of held.kids) this.keys.delete(kid);
    this.agencies.delete(code);
    return true;
  }

  /** The value under HUB_KEYS_KV_KEY (null or undefined: deleted, no hub keys). Replaces the whole list; keeps the envelope keys, active and retired. */
  applyHubKeys(value: unknown): ApplyResult {
    const next = new Map<string, HubKey>();
    if (value !== null && value !== undefined) {
      const problem = hubKeysProblem(value);
      if (problem) return { applied: false, reason: problem };
      for (const k of (value as HubKeysKvValue).keys) {
        // token and checkpoint keys are listed too; only envelope keys vouch for hub-signed envelopes (no purpose: listed before the split)
        if (k.purpose !== undefined && k.purpose !== 'envelope') continue;
        const material = KeyMaterial.reuse(this.hubKeys.get(k.kid)?.material, k.alg, k.publicJwk);
        if (this.eager) void material.key;
        next.set(k.kid, new HubKey(k.kid, k.publicJwk, material));
      }
    }
    this.hubKeys = next;
    return { applied: true };
  }

  private store(e: AgencyKvEntry): ApplyResult {
    const a = e.agency;
    const held = this.agencies.get(a.code);
    if (held && held.agency.version > a.version) {
      return { applied: false, reason: `stale version ${a.version} < ${held.agency.version} for ${a.code}` };
    }
    const view: AgencyView = Object.freeze({
      code: a.code,
      name: a.name,
      tier: a.tier,
      parentCode: a.parentCode ?? null,
      status: a.status,
      successorCode: a.successorCode ?? null,
      validFrom: a.validFrom,
      validTo: a.validTo ?? null,
      version: a.version,
    });
    if (held) this.unindex(held);
    const kids: string[] = [];
    for (const k of e.keys) {
      // a kid names its agency: an entry cannot vouch for another agency's key
      if (!k.kid.startsWith(`${a.code}#`)) continue;
      const material = KeyMaterial.reuse(this.keys.get(k.kid)?.material, k.alg, k.publicJwk);
      if (this.eager) void material.key;
      this.keys.set(k.kid, new DirectoryKey(a.code, k, material));
      if (!kids.includes(k.kid)) kids.push(k.kid);
    }
    // keys that left the entry are gone (the registry stopped mirroring them)
    if (held) for (const kid of held.kids) if (!kids.includes(kid)) this.keys.delete(kid);
    const next: Held = { agency: view, kids };
    this.agencies.set(a.code, next);
    this.index(next);
    return { applied: true };
  }

  private index(h: Held): void {
    const p = h.agency.parentCode;
    if (!p) return;
    let set = this.childIndex.get(p);
    if (!set) this.childIndex.set(p, (set = new Map()));
    set.set(h.agency.code, h.agency);
  }

  private unindex(h: Held): void {
    const p = h.agency.parentCode;
    if (!p) return;
    const set = this.childIndex.get(p);
    set?.delete(h.agency.code);
    if (set && set.size === 0) this.childIndex.delete(p);
  }
}
