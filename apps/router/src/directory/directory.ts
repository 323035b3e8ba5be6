import { AGENCY_STATUSES, isAgencyCode, isTier, SIGNING_ALGS, type AgencyKvEntry, type AgencyStatus, type SigningAlg, type Tier } from '@lt/contracts';
import { importPublicKey, type VerifyKey } from '@lt/crypto';

/** An agency as the router sees it (what the policy hook receives). */
export interface AgencyView {
  readonly code: string;
  readonly name: string;
  readonly tier: Tier;
  readonly parentCode: string | null;
  readonly status: AgencyStatus;
  readonly successorCode: string | null;
  readonly version: number;
}

/** A registered signing key, imported once when its KV entry arrives. */
export interface KeyView {
  readonly kid: string;
  readonly agencyCode: string;
  readonly alg: SigningAlg;
  /** null when the registered JWK could not be imported: nothing verifies against it */
  readonly key: VerifyKey | null;
  readonly notBeforeMs: number;
  readonly notAfterMs: number | null;
  readonly revokedAtMs: number | null;
}

/** Read side used by the decision logic; a hand-built Directory is enough for unit tests. */
export interface DirectoryReader {
  agency(code: string): AgencyView | undefined;
  key(kid: string): KeyView | undefined;
  /** agencies whose parentCode is `code` */
  children(code: string): readonly AgencyView[];
}

/** Why an entry was not applied (logged by the feed, never thrown at it). */
export type ApplyResult = { applied: true } | { applied: false; reason: string };

interface Held {
  agency: AgencyView;
  kids: string[];
}

/**
 * The whole agency directory in memory (DESIGN.md: a KV get per message would be far too slow).
 * Fed entry by entry from the registry's KV mirror; keys are imported once per (kid, JWK) and
 * reused across updates of the same agency, so the hot path never touches a JWK.
 */
export class Directory implements DirectoryReader {
  private readonly agencies = new Map<string, Held>();
  private readonly keys = new Map<string, KeyView>();
  /** kid -> JWK fingerprint of the imported key, to re-import only when the material changes */
  private readonly keyMaterial = new Map<string, string>();
  private readonly childIndex = new Map<string, Map<string, AgencyView>>();

  get size(): number {
    return this.agencies.size;
  }

  agency(code: string): AgencyView | undefined {
    return this.agencies.get(code)?.agency;
  }

  key(kid: string): KeyView | undefined {
    return this.keys.get(kid);
  }

  children(code: string): readonly AgencyView[] {
    const c = this.childIndex.get(code);
    return c ? [...c.values()] : [];
  }

  /** Stores an entry as the registry mirrored it. An older version than the one held is ignored. */
  apply(entry: unknown): ApplyResult {
    const problem = entryProblem(entry);
    if (problem) return { applied: false, reason: problem };
    const e = entry as AgencyKvEntry;
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
      version: a.version,
    });
    if (held) this.unindex(held);
    const kids: string[] = [];
    for (const k of e.keys) {
      // a kid names its agency: an entry cannot register keys for another one
      if (!k.kid.startsWith(`${a.code}#`)) continue;
      this.keys.set(k.kid, this.keyView(a.code, k));
      kids.push(k.kid);
    }
    // keys that left the entry are gone (the registry stopped mirroring them)
    if (held) for (const kid of held.kids) if (!kids.includes(kid)) this.dropKey(kid);
    const next: Held = { agency: view, kids };
    this.agencies.set(a.code, next);
    this.index(next);
    return { applied: true };
  }

  /** The KV entry was deleted or purged. */
  remove(code: string): void {
    const held = this.agencies.get(code);
    if (!held) return;
    this.unindex(held);
    for (const kid of held.kids) this.dropKey(kid);
    this.agencies.delete(code);
  }

  private keyView(agencyCode: string, k: AgencyKvEntry['keys'][number]): KeyView {
    const fingerprint = `${k.alg}|${JSON.stringify(k.publicJwk)}`;
    const previous = this.keys.get(k.kid);
    let key: VerifyKey | null;
    if (previous && this.keyMaterial.get(k.kid) === fingerprint) key = previous.key;
    else {
      try {
        key = importPublicKey(k.publicJwk, k.alg);
      } catch {
        key = null;
      }
      this.keyMaterial.set(k.kid, fingerprint);
    }
    return Object.freeze({
      kid: k.kid,
      agencyCode,
      alg: k.alg,
      key,
      notBeforeMs: Date.parse(k.notBefore),
      notAfterMs: k.notAfter ? Date.parse(k.notAfter) : null,
      revokedAtMs: k.revokedAt ? Date.parse(k.revokedAt) : null,
    });
  }

  private dropKey(kid: string): void {
    this.keys.delete(kid);
    this.keyMaterial.delete(kid);
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

const STATUSES: readonly string[] = AGENCY_STATUSES;
const ALGS: readonly string[] = SIGNING_ALGS;

/** Defensive shape check: the KV bucket is written by another service; a bad entry is skipped, not trusted. */
function entryProblem(entry: unknown): string | null {
  if (entry === null || typeof entry !== 'object') return 'entry is not an object';
  const e = entry as Partial<AgencyKvEntry>;
  const a = e.agency as Partial<AgencyKvEntry['agency']> | undefined;
  if (!a || typeof a !== 'object') return 'agency is missing';
  if (!isAgencyCode(a.code)) return `agency.code ${JSON.stringify(a.code)} is not an agency code`;
  if (!isTier(a.tier)) return `agency.tier ${JSON.stringify(a.tier)} is not a tier`;
  if (typeof a.status !== 'string' || !STATUSES.includes(a.status)) return `agency.status ${JSON.stringify(a.status)} is not a status`;
  if (a.parentCode != null && !isAgencyCode(a.parentCode)) return `agency.parentCode ${JSON.stringify(a.parentCode)} is not an agency code`;
  if (a.successorCode != null && !isAgencyCode(a.successorCode)) return `agency.successorCode ${JSON.stringify(a.successorCode)} is not an agency code`;
  if (typeof a.version !== 'number') return 'agency.version is not a number';
  if (!Array.isArray(e.keys)) return 'keys is not an array';
  for (const k of e.keys) {
    if (!k || typeof k !== 'object' || typeof k.kid !== 'string') return 'a key has no kid';
    if (!ALGS.includes(k.alg)) return `key ${k.kid} has alg ${JSON.stringify(k.alg)}`;
    if (typeof k.notBefore !== 'string' || Number.isNaN(Date.parse(k.notBefore))) return `key ${k.kid} notBefore is not a time`;
    if (k.notAfter != null && Number.isNaN(Date.parse(k.notAfter))) return `key ${k.kid} notAfter is not a time`;
    if (k.revokedAt != null && Number.isNaN(Date.parse(k.revokedAt))) return `key ${k.kid} revokedAt is not a time`;
  }
  return null;
}
