import { readVariable, type Env } from '@lt/platform';

/** What the attachments service reads from the environment (libs/platform schema, LT_ATTACHMENT_*). */
export interface AttachmentSettings {
  /** largest attachment accepted (bytes) */
  maxBytes: number;
  /** most attachments one envelope may name */
  maxPerEnvelope: number;
  /** an upload no envelope bound within this time (since its last activity) is removed */
  unboundTtlMs: number;
  /** a bound attachment is kept this long after its envelope was routed: the inbox max age */
  retentionMs: number;
  sweepIntervalMs: number;
  /** replicas of the object store and its index on the NATS cluster (LT_STREAM_REPLICAS); absent: 1 for new buckets, existing ones keep theirs */
  replicas?: number;
}

export function loadAttachmentSettings(env: Env = process.env): AttachmentSettings {
  return {
    maxBytes: readVariable(env, 'LT_ATTACHMENT_MAX_BYTES'),
    maxPerEnvelope: readVariable(env, 'LT_ATTACHMENT_MAX_PER_ENVELOPE'),
    unboundTtlMs: readVariable(env, 'LT_ATTACHMENT_UNBOUND_TTL_MINUTES') * 60_000,
    retentionMs: readVariable(env, 'LT_INBOX_MAX_AGE_DAYS') * 86_400_000,
    sweepIntervalMs: readVariable(env, 'LT_ATTACHMENT_SWEEP_SECONDS') * 1000,
    replicas: Number(readVariable(env, 'LT_STREAM_REPLICAS')),
  };
}
