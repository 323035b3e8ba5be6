import { ConfigError, envInt } from '@lt/platform';
import { ENVELOPE_KINDS, RECEIPT_MAX_ITEMS } from '@lt/contracts';
import { isValidNoteKeyName } from '@lt/tlog';

/** Audit settings beyond the hub-wide ones (libs/platform loadConfig). */
export interface AuditOptions {
  /** LT_AUDIT_ORIGIN: the log's identity, first line of every checkpoint and the note key name */
  origin: string;
  /** LT_AUDIT_CHECKPOINT_ENTRIES: a checkpoint at least every N entries */
  checkpointEvery: number;
  /** LT_AUDIT_CHECKPOINT_MS: ... or every T ms when entries were appended */
  checkpointIntervalMs: number;
  /** LT_RECEIPTS=on|off: hub-signed receipts to senders (one per sender per checkpoint, listing its deliveries) */
  receipts: boolean;
  /** LT_RECEIPT_KINDS: envelope kinds whose delivery earns a receipt (comma-separated) */
  receiptKinds: string[];
  /** LT_AUDIT_RECEIPT_MAX_ITEMS: items (delivery steps) per receipt envelope, at most */
  receiptMaxItems: number;
  /** log entries the receipt sender reads per round (its windows; not an env setting) */
  receiptBatch: number;
  /** `from` of hub-signed receipts (LT_HUB_AGENCY, shared with the router) */
  hubAgency: string;
  /** LT_AUDIT_BATCH: largest batch a consumer hands over */
  maxBatch: number;
  /** LT_AUDIT_LINGER_MS: how long a partial batch waits for more (fewer, larger transactions at low rates) */
  lingerMs: number;
  /** LT_AUDIT_VERIFY_INTERVAL_MS: periodic full verification; 0 = off */
  verifyIntervalMs: number;
  /** how often a standby replica retries the writer lock */
  standbyRetryMs: number;
}

export const DEFAULT_AUDIT_OPTIONS: AuditOptions = {
  origin: 'lienthong.gov.vn/audit',
  checkpointEvery: 1000,
  checkpointIntervalMs: 5000,
  receipts: true,
  receiptKinds: ['document', 'dossier'],
  receiptMaxItems: 500,
  receiptBatch: 2000,
  hubAgency: '000.00.00.G22',
  maxBatch: 1000,
  lingerMs: 50,
  verifyIntervalMs: 6 * 3_600_000,
  standbyRetryMs: 2000,
};

type Env = Record<string, string | undefined>;

export function loadAuditOptions(env: Env = process.env, hubAgency = DEFAULT_AUDIT_OPTIONS.hubAgency): AuditOptions {
  const origin = env.LT_AUDIT_ORIGIN ?? DEFAULT_AUDIT_OPTIONS.origin;
  if (!isValidNoteKeyName(origin)) throw new ConfigError('LT_AUDIT_ORIGIN', `must be non-empty, without white space or "+" (got ${JSON.stringify(origin)})`);
  const receipts = (env.LT_RECEIPTS ?? 'on').toLowerCase();
  if (!['on', 'off', 'true', 'false', '1', '0'].includes(receipts))
    throw new ConfigError('LT_RECEIPTS', `must be on or off (got ${JSON.stringify(env.LT_RECEIPTS)})`);
  const kinds = (env.LT_RECEIPT_KINDS ?? DEFAULT_AUDIT_OPTIONS.receiptKinds.join(','))
    .split(',')
    .map((k) => k.trim())
    .filter(Boolean);
  const unknown = kinds.filter((k) => !(ENVELOPE_KINDS as readonly string[]).includes(k));
  if (unknown.length) throw new ConfigError('LT_RECEIPT_KINDS', `unknown kinds ${unknown.join(', ')}; use ${ENVELOPE_KINDS.join(', ')}`);
  return {
    origin,
    checkpointEvery: envInt(env, 'LT_AUDIT_CHECKPOINT_ENTRIES', DEFAULT_AUDIT_OPTIONS.checkpointEvery, 1, 10_000_000),
    checkpointIntervalMs: envInt(env, 'LT_AUDIT_CHECKPOINT_MS', DEFAULT_AUDIT_OPTIONS.checkpointIntervalMs, 100, 3_600_000),
    receipts: ['on', 'true', '1'].includes(receipts),
    receiptKinds: kinds,
    receiptMaxItems: envInt(env, 'LT_AUDIT_RECEIPT_MAX_ITEMS', DEFAULT_AUDIT_OPTIONS.receiptMaxItems, 1, RECEIPT_MAX_ITEMS),
    receiptBatch: DEFAULT_AUDIT_OPTIONS.receiptBatch,
    hubAgency,
    maxBatch: envInt(env, 'LT_AUDIT_BATCH', DEFAULT_AUDIT_OPTIONS.maxBatch, 1, 10_000),
    lingerMs: envInt(env, 'LT_AUDIT_LINGER_MS', DEFAULT_AUDIT_OPTIONS.lingerMs, 0, 10_000),
    verifyIntervalMs: envInt(env, 'LT_AUDIT_VERIFY_INTERVAL_MS', DEFAULT_AUDIT_OPTIONS.verifyIntervalMs, 0, 30 * 86_400_000),
    standbyRetryMs: DEFAULT_AUDIT_OPTIONS.standbyRetryMs,
  };
}
