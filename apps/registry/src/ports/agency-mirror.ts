import type { AgencyKvEntry } from '@lt/contracts';

/** The KV bucket routers and SDKs watch (key = subject tokens of the code). Resolves when all are stored. */
export const AGENCY_MIRROR = Symbol('AGENCY_MIRROR');
export interface AgencyMirror {
  put(entries: readonly AgencyKvEntry[]): Promise<void>;
  /** how many agencies the bucket holds (keys, not the values of their history) */
  count(): Promise<number>;
}
