import type { AgencyView } from '@lt/directory';

/** What the dossier service needs to know about an agency (the registry's facts, as the directory holds them). */
export type AgencyInfo = Pick<AgencyView, 'code' | 'name' | 'tier' | 'parentCode' | 'status' | 'successorCode'>;

/**
 * Agencies by code, as the registry publishes them. Held in memory, so a lookup is synchronous;
 * a registry change shows up within moments, not inside the caller's transaction.
 */
export interface AgencyLookup {
  /** undefined: not a registered agency */
  agency(code: string): AgencyInfo | undefined;
}

/** The feed that fills the lookup: loaded before anything is applied, stopped at shutdown. */
export interface AgencyFeed {
  /** resolves once the current directory is held; updates keep arriving until stop() */
  start(): Promise<void>;
  stop(): Promise<void>;
  /** number of agencies held */
  readonly size: number;
}

export const AGENCY_LOOKUP = Symbol('AGENCY_LOOKUP');
/** bound to the same instance as AGENCY_LOOKUP */
export const AGENCY_FEED = Symbol('AGENCY_FEED');
