import type { Agency, AgencyKey, AgencyStatus, Tier } from '@lt/contracts';
import type { AgencyWithKeys, RecordedChange, RegistryChange } from '../domain/agency';

export interface ListFilter {
  parent?: string;
  tier?: Tier;
  status?: AgencyStatus;
  /** case-insensitive substring of code or name */
  q?: string;
  /** keyset: codes strictly after this one */
  after?: string;
  limit: number;
}

export interface SubtreeRow extends Agency {
  /** 1 for direct children */
  depth: number;
}

/** Writes of one registry change, inside one transaction. */
export interface RegistryTx {
  findAgencies(codes: readonly string[]): Promise<Map<string, Agency>>;
  /** every key (revoked included) of each agency, by agency code */
  findKeys(codes: readonly string[]): Promise<Map<string, AgencyKey[]>>;
  /** direct children of any of these agencies */
  childrenOf(codes: readonly string[]): Promise<Agency[]>;
  /** rows must come parents-first (parent foreign key) */
  insertAgencies(rows: readonly Agency[]): Promise<void>;
  /** replaces every column of existing rows, matched by code */
  updateAgencies(rows: readonly Agency[]): Promise<void>;
  insertKey(key: AgencyKey): Promise<void>;
  revokeKey(agencyCode: string, keyId: string, revokedAt: string, reason: string): Promise<void>;
  appendChanges(changes: readonly RegistryChange[]): Promise<void>;
}

/** The directory in PostgreSQL (the source of truth). */
export const AGENCY_REPOSITORY = Symbol('AGENCY_REPOSITORY');
export interface AgencyRepository {
  /** One transaction, serialised with every other registry change so history order = commit order. */
  transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T>;
  findAgency(code: string): Promise<AgencyWithKeys | null>;
  findKeys(code: string): Promise<AgencyKey[]>;
  list(filter: ListFilter): Promise<Agency[]>;
  /** descendants down to `depth` levels, parents before children */
  subtree(code: string, depth: number): Promise<SubtreeRow[]>;
  /** changes of one agency, oldest first, after `afterSeq` */
  history(code: string, opts: { afterSeq?: number; limit: number }): Promise<RecordedChange[]>;
  /** the last change of the agency at or before `at` */
  historyAt(code: string, at: string): Promise<RecordedChange | null>;
  /**
   * Hands the changes not yet published (oldest first, at most `limit`) to `publish` and advances
   * the published cursor once it resolves. Serialised across replicas. Returns how many it handed over.
   */
  drainOutbox(limit: number, publish: (changes: RecordedChange[]) => Promise<void>): Promise<number>;
  /** number of agencies, open and closed */
  countAgencies(): Promise<number>;
  /** publish every change again from the first (the mirror lost its entries) */
  rewindOutbox(): Promise<void>;
}
