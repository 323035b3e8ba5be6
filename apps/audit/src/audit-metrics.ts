import { processGauge } from '@lt/observability';

/** What the audit metrics read at scrape time: the writer's tree, when this replica is the writer. */
export interface AuditMetricsSource {
  /** the log's origin line (label `origin`) */
  readonly origin: string;
  readonly isWriter: boolean;
  readonly size: number;
  /** when the newest checkpoint was signed (epoch ms) */
  readonly lastCheckpointAtMs: number;
}

let source: AuditMetricsSource | undefined;

/**
 * `lt_audit_tree_size` and `lt_audit_last_checkpoint_age_seconds` (writer replica only: a standby
 * leaves them out), and `lt_audit_tamper_alarm`, set by the audit's own checks.
 */
export function trackAuditLog(writer: AuditMetricsSource): () => void {
  // labelled: a gauge without labels reports 0 after reset(), where a standby must report nothing
  source = writer;
  processGauge({
    name: 'lt_audit_tree_size',
    help: 'Entries in the audit Merkle log (reported by the writer replica)',
    labelNames: ['origin'],
    collect() {
      this.reset();
      if (source?.isWriter) this.set({ origin: source.origin }, source.size);
    },
  });
  processGauge({
    name: 'lt_audit_last_checkpoint_age_seconds',
    help: 'Seconds since the newest signed checkpoint of the audit log (reported by the writer replica)',
    labelNames: ['origin'],
    collect() {
      this.reset();
      if (source?.isWriter && source.lastCheckpointAtMs > 0) this.set({ origin: source.origin }, Math.max(0, (Date.now() - source.lastCheckpointAtMs) / 1000));
    },
  });
  tamperAlarm();
  return () => {
    if (source === writer) source = undefined;
  };
}

function tamperAlarm() {
  return processGauge({
    name: 'lt_audit_tamper_alarm',
    help: "1 when the audit's own verification (periodic verify, or the writer's check of the stored hashes against the latest checkpoint) found a mismatch; 0 otherwise",
  });
}

/** Sets the alarm to what the last check found. */
export function setTamperAlarm(mismatch: boolean): void {
  tamperAlarm().set(mismatch ? 1 : 0);
}
