import type { SigningAlg } from '../envelope/envelope';

/**
 * The hub holds one signing key per purpose, so a leak or a rotation of one does not touch the
 * others: `token` signs bearer tokens (verified by the gateway), `envelope` signs what the hub
 * says to agencies (refusals, receipts, dossier notices), `checkpoint` signs the audit log's
 * checkpoints (C2SP signed notes).
 */
export const HUB_KEY_PURPOSES = ['token', 'envelope', 'checkpoint'] as const;
export type HubKeyPurpose = (typeof HUB_KEY_PURPOSES)[number];

export function isHubKeyPurpose(v: unknown): v is HubKeyPurpose {
  return typeof v === 'string' && (HUB_KEY_PURPOSES as readonly string[]).includes(v);
}

/**
 * Public half of a hub key as published under HUB_KEYS_KV_KEY and served by `GET /v1/hub/keys`.
 * `kid` is `hub#<keyId>`; `status` is active (signs now) or retired (kept so that what it signed
 * still verifies); `notAfter` is when it stopped signing (null while active). `legacy`: the single
 * hub key from before the split by purpose; it signed envelopes, checkpoints and tokens.
 */
export interface PublishedHubKey {
  kid: string;
  keyId: string;
  purpose: HubKeyPurpose;
  alg: SigningAlg;
  publicJwk: Record<string, unknown>;
  notBefore: string;
  notAfter: string | null;
  status: 'active' | 'retired';
  legacy?: true;
}

/** Value stored under HUB_KEYS_KV_KEY. Entries written before the split lack purpose and validity. */
export interface PublishedHubKeysDocument {
  keys: PublishedHubKey[];
}

/** Whether a published key verifies what was signed for `purpose` (the legacy key signed everything but tokens still in use). */
export function hubKeyServes(key: Pick<PublishedHubKey, 'purpose' | 'legacy'>, purpose: HubKeyPurpose): boolean {
  return key.purpose === purpose || (key.legacy === true && purpose !== 'token');
}
