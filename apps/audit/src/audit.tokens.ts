/** The resolved AuditOptions (defaults merged with what main.ts or a test passed). */
export const AUDIT_OPTIONS = Symbol('AUDIT_OPTIONS');
/** The log's signing identity (LogKeys, derived from the hub key). */
export const LOG_KEYS = Symbol('LOG_KEYS');
/** The ReceiptSender, or null when receipts are off. */
export const RECEIPT_SENDER = Symbol('RECEIPT_SENDER');
