import type { Env } from './config-error';
import { readVariable } from './schema';

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;

/** Limits of one stream. */
export interface StreamLimit {
  maxBytes: number;
  /** 0 = no age limit */
  maxAgeMs: number;
  /** messages one subject may hold (the submit stream: one agency's backlog); 0 = no limit */
  maxMsgsPerSubject?: number;
}

/** Limits of the hub's four streams, as ensureTopology applies them. */
export interface StreamLimits {
  submit: StreamLimit;
  inbox: StreamLimit;
  events: StreamLimit;
  deadLetter: StreamLimit;
}

/**
 * The stream limits (LT_SUBMIT_*, LT_INBOX_*, LT_EVENTS_*, LT_DLQ_*), for every process that runs
 * ensureTopology: `ensureTopology(nc, topo, { limits: loadStreamLimits() })`. JetStream reserves
 * each max_bytes at stream creation, so the sum must fit the server's max_file_store.
 */
export function loadStreamLimits(env: Env = process.env): StreamLimits {
  return {
    submit: {
      maxBytes: readVariable(env, 'LT_SUBMIT_MAX_MB') * MIB,
      maxAgeMs: readVariable(env, 'LT_SUBMIT_MAX_AGE_DAYS') * DAY_MS,
      maxMsgsPerSubject: readVariable(env, 'LT_SUBMIT_MAX_PENDING_PER_AGENCY'),
    },
    inbox: { maxBytes: readVariable(env, 'LT_INBOX_MAX_MB') * MIB, maxAgeMs: readVariable(env, 'LT_INBOX_MAX_AGE_DAYS') * DAY_MS },
    events: { maxBytes: readVariable(env, 'LT_EVENTS_MAX_MB') * MIB, maxAgeMs: readVariable(env, 'LT_EVENTS_MAX_AGE_DAYS') * DAY_MS },
    deadLetter: { maxBytes: readVariable(env, 'LT_DLQ_MAX_MB') * MIB, maxAgeMs: readVariable(env, 'LT_DLQ_MAX_AGE_DAYS') * DAY_MS },
  };
}

/** Replicas of each stream and bucket on the NATS cluster: 1, 3 or 5 (LT_STREAM_REPLICAS). */
export function loadStreamReplicas(env: Env = process.env): number {
  return Number(readVariable(env, 'LT_STREAM_REPLICAS'));
}

/** Everything ensureTopology needs from the environment: `ensureTopology(nc, topo, { ...loadStreamSettings(), onNote })`. */
export function loadStreamSettings(env: Env = process.env): { limits: StreamLimits; replicas: number } {
  return { limits: loadStreamLimits(env), replicas: loadStreamReplicas(env) };
}
