import type { EnvelopeKind } from '@lt/contracts';
import type { Env } from './config-error';
import { readVariable } from './schema';

/** Audit settings beyond the hub-wide ones (the hub agency is HubConfig.hubAgency). */
export interface AuditSettings {
  /** LT_AUDIT_ORIGIN: the log's identity, first line of every checkpoint and the note key name */
  origin: string;
  /** LT_AUDIT_CHECKPOINT_ENTRIES: a checkpoint at least every N entries */
  checkpointEvery: number;
  /** LT_AUDIT_CHECKPOINT_MS: ... or every T ms when entries were appended */
  checkpointIntervalMs: number;
  /** LT_RECEIPTS: hub-signed receipts to senders (one per sender per checkpoint, listing its deliveries) */
  receipts: boolean;
  /** LT_RECEIPT_KINDS: envelope kinds whose delivery earns a receipt */
  receiptKinds: EnvelopeKind[];
  /** LT_AUDIT_RECEIPT_MAX_ITEMS: items (delivery steps) per receipt envelope, at most */
  receiptMaxItems: number;
  /** LT_AUDIT_BATCH: largest batch a consumer hands over */
  maxBatch: number;
  /** LT_AUDIT_LINGER_MS: how long a partial batch waits for more */
  lingerMs: number;
  /** LT_AUDIT_VERIFY_INTERVAL_MS: periodic full verification; 0 = off */
  verifyIntervalMs: number;
}

export function loadAuditSettings(env: Env = process.env): AuditSettings {
  return {
    origin: readVariable(env, 'LT_AUDIT_ORIGIN'),
    checkpointEvery: readVariable(env, 'LT_AUDIT_CHECKPOINT_ENTRIES'),
    checkpointIntervalMs: readVariable(env, 'LT_AUDIT_CHECKPOINT_MS'),
    receipts: readVariable(env, 'LT_RECEIPTS'),
    receiptKinds: readVariable(env, 'LT_RECEIPT_KINDS'),
    receiptMaxItems: readVariable(env, 'LT_AUDIT_RECEIPT_MAX_ITEMS'),
    maxBatch: readVariable(env, 'LT_AUDIT_BATCH'),
    lingerMs: readVariable(env, 'LT_AUDIT_LINGER_MS'),
    verifyIntervalMs: readVariable(env, 'LT_AUDIT_VERIFY_INTERVAL_MS'),
  };
}
