import type { ApologySlip, DossierStateCode, Timeliness } from '../dossier/dossier-state';
import type { Tier } from '../tiers';

/** Fields of every `dossier.*` lifecycle event: the dossier right after the step. */
export interface DossierEventCommon {
  dossierCode: string;
  procedureCode: string;
  /** the agency that sent the step */
  by: string;
  at: string;
  state: DossierStateCode;
  holder: string;
  dueAt: string;
}

/** `dossier.registered`: a dossier submitted (state 1). */
export interface DossierRegisteredData extends DossierEventCommon {
  receivingAgency: string;
  receivingTier: Tier;
  receivedAt: string;
  /** number of attachments registered with it */
  attachments: number;
}

/** `dossier.transferred`: sent on to another agency, or returned from one. */
export interface DossierTransferredData extends DossierEventCommon {
  direction: 'transfer' | 'return';
  from: string;
  to: string;
  stepDueAt: string;
  toTier?: Tier;
}

/** `dossier.transitioned`: a state change. */
export interface DossierTransitionedData extends DossierEventCommon {
  fromState?: DossierStateCode;
  toState: DossierStateCode;
  reason?: string;
  /** on settlement (state 9) */
  settledAt?: string | null;
  settledClass?: Timeliness | null;
  settlementWorkingDays?: number | null;
  /** the apology slip of a late settlement */
  apology?: ApologySlip;
  /** when the step moved the deadline */
  previousDueAt?: string;
}

/** A missed deadline as the overdue scan finds it (`dossier-domain` overdueNotices). */
export interface OverdueFinding {
  dossierCode: string;
  /** `dossier`: the overall legal deadline; `step`: one transfer step's deadline */
  scope: 'dossier' | 'step';
  stepIndex?: number;
  /** agency answerable for the deadline: the holder, or the step's target */
  responsible: string;
  /** agencies notified: the responsible agency and its parent (when known), deduplicated */
  notify: string[];
  dueAt: string;
  detectedAt: string;
}

/** `dossier.overdue`: a deadline missed; the same facts go to the agencies concerned as a hub-signed notice. */
export interface DossierOverdueData extends OverdueFinding {
  /** id of the hub-signed notice envelope */
  noticeId: string;
  state: DossierStateCode;
  holder: string;
  receivingAgency: string;
}
