import type { KV } from '@nats-io/kv';
import { HUB_KEYS_KV_KEY, HUB_KID_PREFIX, isHubKeyPurpose, LtError, type HubKeyPurpose, type PublishedHubKey, type PublishedHubKeysDocument } from '@lt/contracts';

/**
 * The hub's public keys in the agency bucket under HUB_KEYS_KV_KEY: what agencies' SDKs (envelope
 * keys) and auditors (checkpoint keys) verify with. Keys are never removed: a key the data folder
 * no longer holds stays listed as retired, so everything it signed keeps verifying.
 */

export interface HubKeysCheck {
  /** keys listed as active in KV that the local data folder does not hold (wiped folder, another hub's folder) */
  missingLocally: PublishedHubKey[];
}

export interface HubKeysPublication extends HubKeysCheck {
  /** true when the entry was written (false: it already said exactly this) */
  written: boolean;
  /** local kids that were not listed before */
  added: string[];
  /** kids that were active in KV and are now listed as retired */
  retired: string[];
  keys: PublishedHubKey[];
}

const FIX_CONFLICT =
  'the data folder holds a different key under an id already published: restore the published key files into <dataDir>/keys/hub from a backup, ' +
  'or move the local key away and run `lienthong hub rotate-key --purpose <purpose>` to make a new one with a new id';

/** Reads the published list; entries written before the split (no purpose) are read as legacy envelope keys. */
export async function readPublishedHubKeys(kv: KV): Promise<{ keys: PublishedHubKey[]; revision: number | null; raw: string | null }> {
  const entry = await kv.get(HUB_KEYS_KV_KEY);
  if (!entry || entry.operation !== 'PUT') return { keys: [], revision: entry?.revision ?? null, raw: null };
  let doc: unknown;
  try {
    doc = JSON.parse(entry.string());
  } catch {
    doc = null;
  }
  const list = (doc as { keys?: unknown } | null)?.keys;
  const keys: PublishedHubKey[] = [];
  if (Array.isArray(list)) {
    for (const k of list as Array<Partial<PublishedHubKey>>) {
      if (!k || typeof k.kid !== 'string' || !k.kid.startsWith(HUB_KID_PREFIX) || !k.publicJwk || !k.alg) continue;
      keys.push(normalise(k));
    }
  }
  return { keys, revision: entry.revision, raw: entry.string() };
}

function normalise(k: Partial<PublishedHubKey>): PublishedHubKey {
  const known = isHubKeyPurpose(k.purpose);
  return {
    kid: k.kid!,
    keyId: k.keyId ?? k.kid!.slice(HUB_KID_PREFIX.length),
    purpose: known ? (k.purpose as HubKeyPurpose) : 'envelope',
    alg: k.alg!,
    publicJwk: k.publicJwk!,
    notBefore: k.notBefore ?? new Date(0).toISOString(),
    notAfter: k.notAfter ?? null,
    status: k.status === 'retired' ? 'retired' : 'active',
    ...(k.legacy || !known ? { legacy: true as const } : {}),
  };
}

function sameJwk(a: Record<string, unknown>, b: Record<string, unknown>): boolean {
  return a.kty === b.kty && a.crv === b.crv && a.x === b.x && a.y === b.y;
}

/** Pure comparison of a published list with the local keys; throws on a kid with two different keys. */
export function compareHubKeys(published: readonly PublishedHubKey[], local: readonly PublishedHubKey[]): HubKeysCheck {
  for (const l of local) {
    const p = published.find((k) => k.kid === l.kid);
    if (p && !sameJwk(p.publicJwk, l.publicJwk)) {
      throw new LtError('DUPLICATE', `hub key ${l.kid} (${l.purpose}) is published in KV ${HUB_KEYS_KV_KEY} with a different public key than the local one; ${FIX_CONFLICT}`, {
        kid: l.kid,
        purpose: l.purpose,
      });
    }
  }
  const purposes = new Set(local.map((k) => k.purpose));
  const missingLocally = published.filter((p) => p.status === 'active' && purposes.has(p.purpose) && !local.some((l) => l.kid === p.kid));
  return { missingLocally };
}

/**
 * Checks the published keys against the local ones. Throws LtError DUPLICATE naming the fix when
 * a kid is published with another public key; returns the active published keys the data folder
 * lacks (publishHubKeys lists them as retired).
 */
export async function checkPublishedHubKeys(kv: KV, localKeys: readonly PublishedHubKey[]): Promise<HubKeysCheck> {
  return compareHubKeys((await readPublishedHubKeys(kv)).keys, localKeys);
}

/** What a wiped data folder means for the operator, for the start-up log. */
export function describeMissingHubKeys(missing: readonly PublishedHubKey[]): string {
  return (
    `KV ${HUB_KEYS_KV_KEY} listed active hub keys the data folder does not hold (${missing.map((k) => k.kid).join(', ')}): ` +
    'the data folder was wiped or belongs to another hub. They are now listed as retired, so what they signed still verifies, and the local keys are the active ones. ' +
    'If the folder was not meant to change, stop the hub, restore <dataDir>/keys/hub from a backup and run `lienthong hub keys publish`.'
  );
}

/**
 * Publishes the local public keys (loadHubPublicKeys): local keys are listed as they are on disk,
 * published keys the folder lacks stay listed, turned retired when they were active for a purpose
 * the local set covers. Compare-and-set on the entry's revision, retried on conflict; no write when
 * nothing changes. Throws like checkPublishedHubKeys on a kid with two keys.
 */
export async function publishHubKeys(kv: KV, keys: readonly PublishedHubKey[], now: Date = new Date(), attempts = 10): Promise<HubKeysPublication> {
  for (let i = 0; ; i++) {
    const current = await readPublishedHubKeys(kv);
    const { missingLocally } = compareHubKeys(current.keys, keys);
    const retiredAt = now.toISOString();
    const next: PublishedHubKey[] = [...keys];
    for (const p of current.keys) {
      if (next.some((k) => k.kid === p.kid)) continue;
      next.push(missingLocally.includes(p) ? { ...p, status: 'retired', notAfter: p.notAfter ?? retiredAt } : p);
    }
    const added = keys.filter((k) => !current.keys.some((p) => p.kid === k.kid)).map((k) => k.kid);
    const result = { missingLocally, added, retired: missingLocally.map((k) => k.kid), keys: next };
    const body = JSON.stringify({ keys: next } satisfies PublishedHubKeysDocument);
    if (current.raw === body) return { ...result, written: false };
    try {
      if (current.revision === null) await kv.create(HUB_KEYS_KV_KEY, body);
      else await kv.update(HUB_KEYS_KV_KEY, body, current.revision);
      return { ...result, written: true };
    } catch (err) {
      // someone else wrote in between: read again
      if (i + 1 >= attempts) throw err;
    }
  }
}

