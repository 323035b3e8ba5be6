import type { ApplyDossierResult, DossierAppliedBody, DossierListQuery, DossierOverdueNoticeBody, Envelope, ErrorBody, HubEvent, Tier } from '@lt/contracts';
import type { DossierColumns, StoredDossier } from '../domain/stored-dossier';

/** One applied envelope: the answer given and what is still to publish (outbox). */
export interface AppliedRecord {
  envelopeId: string;
  dossierCode: string;
  /** the dossier's version after this message */
  seq: number;
  action: ApplyDossierResult['action'];
  agency: string;
  at: string;
  fromState: number | null;
  toState: number;
  holder: string;
  result: ApplyDossierResult;
  event: HubEvent;
  confirmation: Envelope<DossierAppliedBody>;
}

/** One missed deadline (outbox of the overdue scanner). */
export interface OverdueNoticeRecord {
  id: string;
  dossierCode: string;
  scope: 'dossier' | 'step';
  stepIndex: number;
  dueAt: string;
  responsible: string;
  notify: string[];
  detectedAt: string;
  event: HubEvent;
  envelope: Envelope<DossierOverdueNoticeBody>;
}

/** Raised by the repository when another apply of the same envelope committed first. */
export class EnvelopeAlreadyApplied extends Error {
  constructor(readonly envelopeId: string) {
    super(`envelope ${envelopeId} was applied concurrently`);
  }
}

/** Writes of one apply or one overdue check, inside one transaction. */
export interface DossierTx {
  /** Next number of the agency's daily sequence (row-locked until commit; a rollback returns it). */
  nextDailySeq(agencyCode: string, localDay: string): Promise<number>;
  /** The dossier, locked until commit; null when unknown. */
  lockDossier(code: string, opts?: { skipLocked?: boolean }): Promise<StoredDossier | null>;
  findApplied(envelopeId: string): Promise<ApplyDossierResult | null>;
  insertDossier(d: StoredDossier): Promise<void>;
  updateDossier(d: StoredDossier): Promise<void>;
  insertApplied(r: AppliedRecord): Promise<void>;
  insertOverdueNotices(rows: readonly OverdueNoticeRecord[]): Promise<void>;
}

export type StoredOutcome = { result: ApplyDossierResult } | { error: ErrorBody };

/** Report figures over one group, straight from SQL aggregates. */
export interface ReportRow {
  key: string | null;
  received: number;
  notAccepted: number;
  withdrawn: number;
  settled: number;
  early: number;
  onTime: number;
  late: number;
  awaitingAcceptance: number;
  inProgress: number;
  overdueNow: number;
  meanWorkingDays: number | null;
  p90WorkingDays: number | null;
}

export interface ReportFilter {
  from: Date;
  to: Date;
  asOf: Date;
  agency?: string;
  tier?: Tier;
  groupBy?: 'agency' | 'tier';
}

export interface ListFilter extends Omit<DossierListQuery, 'cursor' | 'limit'> {
  /** keyset: rows strictly after (receivedAt, code) in descending order */
  after?: { receivedAt: string; code: string };
  limit: number;
  now: Date;
}

export const DOSSIER_REPOSITORY = Symbol('DOSSIER_REPOSITORY');

export interface DossierRepository {
  transaction<T>(fn: (tx: DossierTx) => Promise<T>): Promise<T>;
  /** the answer already given to this envelope id, if any */
  findOutcome(envelopeId: string): Promise<StoredOutcome | null>;
  recordRefusal(envelopeId: string, error: ErrorBody): Promise<void>;
  findDossier(code: string): Promise<StoredDossier | null>;
  list(filter: ListFilter): Promise<DossierColumns[]>;
  report(filter: ReportFilter): Promise<ReportRow[]>;
  /** codes of open dossiers whose next un-notified deadline has passed (pause-adjusted) */
  overdueCandidates(now: Date, limit: number, exclude: readonly string[]): Promise<string[]>;
  unpublishedApplied(limit: number): Promise<AppliedRecord[]>;
  markAppliedPublished(envelopeIds: readonly string[]): Promise<void>;
  unpublishedNotices(limit: number): Promise<OverdueNoticeRecord[]>;
  markNoticesPublished(ids: readonly string[]): Promise<void>;
}
