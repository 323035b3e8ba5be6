/** edXML status codes (the QCVN 102:2016 status package). */
export const STATUS_CODES = {
  '01': 'arrived',
  '02': 'refused',
  '03': 'accepted',
  '04': 'assigned',
  '05': 'in_progress',
  '06': 'completed',
  '13': 'recall_requested',
  '15': 'recall_agreed',
  '16': 'recall_refused',
} as const;
export type StatusCode = keyof typeof STATUS_CODES;

export function isStatusCode(value: unknown): value is StatusCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(STATUS_CODES, value);
}

export interface StatusBody {
  /** envelope id of the document this status is about */
  responseFor: string;
  statusCode: StatusCode;
  description?: string;
  /** for 02 refusals: the machine-readable reason (an ErrorCode) */
  reasonCode?: string;
  staffInfo?: { department?: string; staff?: string; mobile?: string; email?: string };
  timestamp?: string;
}

export interface RecallBody {
  /** envelope id of the document recalled */
  responseFor: string;
  reason?: string;
}

/** Most items one receipt envelope may carry (the audit sends fewer, LT_AUDIT_RECEIPT_MAX_ITEMS). */
export const RECEIPT_MAX_ITEMS = 1000;

/** One step of one delivery, logged at `seq` in the audit log with leaf hash `leafHash`. */
export interface ReceiptItem {
  messageId: string;
  recipient: string;
  event: 'delivered' | 'arrived';
  at: string;
  seq: number;
  leafHash: string;
}

/**
 * A hub-signed receipt: proof that steps of deliveries are in the audit log, all provable against
 * one checkpoint (a C2SP signed note). One receipt covers many items for the same sender.
 */
export interface ReceiptBody {
  checkpoint: string;
  items: ReceiptItem[];
}
