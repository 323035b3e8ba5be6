import type { AttachmentRef } from '../envelope/envelope';
import type { Tier } from '../tiers';

/**
 * A dossier as the hub keeps it and shows it (`dossier.get`, `DossierView`): the state codes of
 * the national public-service portal and the record of its steps, pauses and apologies. The rules
 * that move a dossier from one state to the next live in libs/dossier-domain (lifecycle.ts).
 */

/** Dossier states of the national public-service portal (one-stop-shop dossiers). */
export const DOSSIER_STATES = {
  1: 'newly_registered',
  2: 'accepted',
  3: 'not_accepted',
  4: 'in_progress',
  5: 'supplement_requested',
  6: 'financial_obligation_requested',
  7: 'withdrawn',
  8: 'stopped',
  9: 'processed',
  10: 'result_returned',
} as const;
export type DossierStateCode = keyof typeof DOSSIER_STATES;
export type DossierStateName = (typeof DOSSIER_STATES)[DossierStateCode];

/** Vietnamese labels as shown on the portal. */
export const DOSSIER_STATE_LABELS_VI: Record<DossierStateCode, string> = {
  1: 'Mới đăng ký',
  2: 'Được tiếp nhận',
  3: 'Không được tiếp nhận',
  4: 'Đang xử lý',
  5: 'Yêu cầu bổ sung giấy tờ',
  6: 'Yêu cầu thực hiện nghĩa vụ tài chính',
  7: 'Công dân yêu cầu rút hồ sơ',
  8: 'Dừng xử lý',
  9: 'Đã xử lý xong',
  10: 'Đã trả kết quả',
};

export function isDossierStateCode(value: unknown): value is DossierStateCode {
  return typeof value === 'number' && Number.isInteger(value) && value >= 1 && value <= 10;
}

/** One inter-level leg: sent by `from` to `to`, due back by `stepDueAt`. */
export interface TransferStep {
  from: string;
  to: string;
  toTier?: Tier;
  sentAt: string;
  /** end of the step's last working day (Vietnam time); pushed back by pauses while open */
  stepDueAt: string;
  returnedAt?: string;
}

/**
 * A stretch in state 5, 6 or 8. `workingDays` (set when it closes) =
 * calendar.workingDaysBetween(max(pause day, clock start day), closing day): the working days
 * after the pause day up to and including the day it closed. Paused and resumed the same day
 * costs 0; resumed the next working day costs 1. Whole working days, not hours.
 */
export interface PauseInterval {
  state: 5 | 6 | 8;
  from: string;
  to?: string;
  workingDays?: number;
  /** the dossier's dueAt right after this pause closed */
  dueAtAfter?: string;
}

export interface ApologySlip {
  issuedAt: string;
  /** new appointment date promised to the citizen (end of that local day) */
  newDueAt: string;
  reason: string;
  by: string;
}

export interface DossierHistoryEntry {
  at: string;
  by: string;
  action: 'register' | 'transition' | 'transfer' | 'return';
  fromState?: DossierStateCode;
  toState: DossierStateCode;
  /** for transfer/return: the agency the dossier went to */
  toAgency?: string;
  reason?: string;
}

export interface DossierState {
  code: string;
  procedureCode: string;
  receivingAgency: string;
  receivingTier: Tier;
  /** agency currently holding it: the target of the innermost open step, else the receiving agency */
  holder: string;
  state: DossierStateCode;
  receivedAt: string;
  /** legal deadline at registration */
  initialDueAt: string;
  /** legal deadline, pushed back by every closed pause */
  dueAt: string;
  steps: TransferStep[];
  pauses: PauseInterval[];
  settledAt?: string;
  /** working days from the clock start day to the settlement day, paused working days excluded */
  settlementWorkingDays?: number;
  resultReturnedAt?: string;
  /** when it reached 3 (not accepted) or 7 (withdrawn) */
  closedAt?: string;
  apologies: ApologySlip[];
  /** dossier documents by digest; the bytes travel outside the hub's state */
  attachments: AttachmentRef[];
  history: DossierHistoryEntry[];
  updatedAt: string;
}

/**
 * Timeliness of a settled dossier, by Vietnam-local day against its pause-adjusted deadline:
 * before the due day early ("trước hạn"), on it on time ("đúng hạn"), after it late ("quá hạn").
 */
export type Timeliness = 'early' | 'on_time' | 'late';
