import { AGENCY_STATUSES, HUB_KEYS_KV_KEY, HUB_KID_PREFIX, isAgencyCode, isTier, SIGNING_ALGS, type AgencyKvEntry } from '@lt/contracts';
import type { HubKeysKvValue } from './views';

const STATUSES: readonly string[] = AGENCY_STATUSES;
const ALGS: readonly string[] = SIGNING_ALGS;

/**
 * Defensive shape check of an agency's KV entry: the bucket is written by another service, so a bad
 * entry is skipped, not trusted. Returns what is wrong (naming the field), or null. A JWK that is
 * not a usable key is not a shape problem: that key is held but verifies nothing.
 */
export function agencyEntryProblem(entry: unknown): string | null {
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

/** Shape check of the value under HUB_KEYS_KV_KEY; null when it is fine. */
export function hubKeysProblem(value: unknown): string | null {
  const list = (value as Partial<HubKeysKvValue> | null)?.keys;
  if (!Array.isArray(list)) return `KV ${HUB_KEYS_KV_KEY}: keys must be an array`;
  for (const k of list) {
    if (typeof k?.kid !== 'string' || !k.kid.startsWith(HUB_KID_PREFIX) || !ALGS.includes(k.alg) || typeof k.publicJwk !== 'object' || k.publicJwk === null) {
      return `KV ${HUB_KEYS_KV_KEY}: each key needs kid "${HUB_KID_PREFIX}<id>", alg EdDSA|ES256 and publicJwk`;
    }
  }
  return null;
}
