import { DEFAULT_HUB_AGENCY, loadAuditSettings, type AuditSettings, type Env } from '@lt/platform';

/** The audit's options: its environment settings (libs/platform loadAuditSettings) plus fixed tuning. */
export interface AuditOptions extends AuditSettings {
  /** log entries the receipt sender reads per round (its windows; not an env setting) */
  receiptBatch: number;
  /** `from` of hub-signed receipts (HubConfig.hubAgency, LT_HUB_AGENCY) */
  hubAgency: string;
  /** how often a standby replica retries the writer lock (not an env setting) */
  standbyRetryMs: number;
}

const FIXED = { receiptBatch: 2000, standbyRetryMs: 2000 };

/** Every option at its default (the schema's defaults for the environment settings). */
export const DEFAULT_AUDIT_OPTIONS: AuditOptions = { ...loadAuditSettings({}), ...FIXED, hubAgency: DEFAULT_HUB_AGENCY };

/** The audit's options from the environment; a wrong value throws ConfigError naming the variable. */
export function loadAuditOptions(env: Env = process.env, hubAgency: string = DEFAULT_HUB_AGENCY): AuditOptions {
  return { ...loadAuditSettings(env), ...FIXED, hubAgency };
}

/**
 * How often the writer's timer looks whether a checkpoint is due: half the interval, between 50 ms
 * and 1 s. A proof request that finds no checkpoint yet uses it to say when to retry.
 */
export function checkpointTimerTickMs(checkpointIntervalMs: number): number {
  return Math.max(50, Math.min(1000, Math.floor(checkpointIntervalMs / 2)));
}
