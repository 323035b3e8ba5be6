import type { KV } from '@nats-io/kv';
import { HUB_KEYS_KV_KEY } from '@lt/contracts';
import type { HubPublicKey } from '@lt/crypto';

export interface HubKeysDocument {
  keys: HubPublicKey[];
}

/**
 * Adds the hub's public key to `HUB_KEYS_KV_KEY` so agencies can verify hub-signed refusals.
 * Idempotent (a kid already listed is left alone) and safe with other services doing the same:
 * a compare-and-set on the entry's revision, retried on conflict. Returns true when it wrote.
 */
export async function publishHubKey(kv: KV, key: HubPublicKey, attempts = 10): Promise<boolean> {
  for (let i = 0; ; i++) {
    const current = await kv.get(HUB_KEYS_KV_KEY);
    const live = current !== null && current.operation === 'PUT';
    const doc = live ? readDocument(parseJson(current.string())) : { keys: [] };
    if (doc.keys.some((k) => k.kid === key.kid)) return false;
    const next = JSON.stringify({ keys: [...doc.keys, key] } satisfies HubKeysDocument);
    try {
      if (live) await kv.update(HUB_KEYS_KV_KEY, next, current.revision);
      else await kv.create(HUB_KEYS_KV_KEY, next);
      return true;
    } catch (err) {
      // someone else wrote in between: read again
      if (i + 1 >= attempts) throw err;
    }
  }
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

function readDocument(value: unknown): HubKeysDocument {
  const keys = (value as { keys?: unknown } | null)?.keys;
  if (!Array.isArray(keys)) return { keys: [] };
  return { keys: keys.filter((k): k is HubPublicKey => !!k && typeof k === 'object' && typeof (k as HubPublicKey).kid === 'string') };
}
