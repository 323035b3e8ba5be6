import type { AgencyKvEntry, AgencyStatus, SigningAlg, Tier } from '@lt/contracts';
import type { VerifyKey } from '@lt/crypto';

/** One key as the registry mirrors it into an agency's KV entry. */
export type DirectoryKeyEntry = AgencyKvEntry['keys'][number];

/** An agency as the directory holds it (frozen; what routing policies receive). */
export interface AgencyView {
  readonly code: string;
  readonly name: string;
  readonly tier: Tier;
  readonly parentCode: string | null;
  readonly status: AgencyStatus;
  readonly successorCode: string | null;
  readonly validFrom: string;
  readonly validTo: string | null;
  readonly version: number;
}

/** A registered signing key of an agency. */
export interface KeyView {
  readonly kid: string;
  readonly agencyCode: string;
  readonly alg: SigningAlg;
  /** null when the registered JWK could not be imported: nothing verifies against it */
  readonly key: VerifyKey | null;
  /** why the JWK could not be imported (null when it could) */
  readonly importError: string | null;
  readonly notBeforeMs: number;
  readonly notAfterMs: number | null;
  readonly revokedAtMs: number | null;
  /** the key exactly as mirrored (ISO times for messages) */
  readonly entry: DirectoryKeyEntry;
}

/** A hub signing key (kid `hub#<id>`) listed under HUB_KEYS_KV_KEY. */
export interface HubKeyView {
  readonly kid: string;
  readonly alg: SigningAlg;
  readonly publicJwk: Record<string, unknown>;
  readonly key: VerifyKey | null;
  readonly importError: string | null;
}

/** Value stored under HUB_KEYS_KV_KEY. */
export interface HubKeysKvValue {
  /** purpose and validity since keys were split by purpose (PublishedHubKey); absent in entries written before */
  keys: Array<{ kid: string; alg: SigningAlg; publicJwk: Record<string, unknown>; purpose?: string; status?: string; notAfter?: string | null }>;
}

/** Read side used by pure decision code (the router's); a hand-built one is enough for unit tests. */
export interface DirectoryReader {
  agency(code: string): AgencyView | undefined;
  key(kid: string): KeyView | undefined;
  /** agencies whose parentCode is `code` */
  children(code: string): readonly AgencyView[];
}

/**
 * Whether an entry was taken (never thrown at the feed: it logs and goes on). `ignored`: a KV key
 * that is not directory data (hub-internal keys other than the hub keys), nothing to report.
 */
export type ApplyResult = { applied: true } | { applied: false; reason: string; ignored?: true };
