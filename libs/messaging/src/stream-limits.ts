import { DiscardPolicy, type JetStreamManager, type StreamConfig, type StreamInfo } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import { LtError } from '@lt/contracts';
import type { StreamLimit, StreamLimits } from '@lt/platform';

const MIB = 1024 * 1024;
const DAY_MS = 86_400_000;

/**
 * Limits of streams created without configured ones (tests, benches, tools). JetStream reserves
 * every max_bytes when a stream is created (memory streams against the server's memory), so these
 * stay small enough for many test namespaces side by side on one server. The services pass
 * loadStreamLimits() (the schema's production defaults).
 */
export const DEV_STREAM_LIMITS: Readonly<Record<'memory' | 'file', StreamLimits>> = {
  memory: {
    submit: { maxBytes: 32 * MIB, maxAgeMs: 0, maxMsgsPerSubject: 20_000 },
    inbox: { maxBytes: 128 * MIB, maxAgeMs: 30 * DAY_MS },
    events: { maxBytes: 32 * MIB, maxAgeMs: 30 * DAY_MS },
    deadLetter: { maxBytes: 8 * MIB, maxAgeMs: 90 * DAY_MS },
  },
  file: {
    submit: { maxBytes: 256 * MIB, maxAgeMs: 0, maxMsgsPerSubject: 100_000 },
    inbox: { maxBytes: 1024 * MIB, maxAgeMs: 30 * DAY_MS },
    events: { maxBytes: 256 * MIB, maxAgeMs: 30 * DAY_MS },
    deadLetter: { maxBytes: 64 * MIB, maxAgeMs: 90 * DAY_MS },
  },
};

/**
 * The limit fields of a stream config. Always `discard: new`: a full stream refuses the next
 * publish (the publisher sees an error and retries or reports it) instead of deleting the oldest
 * message, which would be an accepted document, copy, event or dead letter lost without a trace.
 * A per-subject cap also refuses rather than replaces (discard_new_per_subject).
 */
export function limitConfig(limit: StreamLimit): Partial<StreamConfig> {
  const perSubject = limit.maxMsgsPerSubject ?? 0;
  return {
    max_bytes: limit.maxBytes,
    max_age: limit.maxAgeMs > 0 ? nanos(limit.maxAgeMs) : 0,
    discard: DiscardPolicy.New,
    max_msgs_per_subject: perSubject > 0 ? perSubject : -1,
    discard_new_per_subject: perSubject > 0,
  };
}

/**
 * nats-server enforces a lowered max_bytes or max_msgs_per_subject at once by deleting the oldest
 * messages, whatever the discard policy. So an update never sets a limit below what the stream
 * holds now: it keeps the stored amount as the limit (full: new publishes are refused) and says so;
 * the configured limit applies at a later boot, once the stream has drained below it.
 * (A lowered max_age does drop older messages: that is what an age limit means.)
 */
export async function keepStoredMessages(
  jsm: JetStreamManager,
  info: StreamInfo,
  update: Partial<StreamConfig> & { name: string },
  note: (text: string) => void,
): Promise<Partial<StreamConfig> & { name: string }> {
  const out = { ...update };
  const maxBytes = out.max_bytes ?? -1;
  if (maxBytes > 0 && info.state.bytes > maxBytes) {
    note(`${out.name}: max_bytes ${maxBytes} is below the ${info.state.bytes} bytes stored; kept at ${info.state.bytes} so nothing is deleted`);
    out.max_bytes = info.state.bytes;
  }
  const perSubject = out.max_msgs_per_subject ?? -1;
  const before = info.config.max_msgs_per_subject ?? -1;
  if (perSubject > 0 && (before <= 0 || perSubject < before) && info.state.messages > perSubject) {
    const detail = await jsm.streams.info(out.name, { subjects_filter: '>' });
    const most = Math.max(0, ...Object.values(detail.state.subjects ?? {}));
    if (most > perSubject) {
      note(`${out.name}: max_msgs_per_subject ${perSubject} is below the ${most} messages one subject holds; kept at ${most} so nothing is deleted`);
      out.max_msgs_per_subject = most;
    }
  }
  return out;
}

/** A stream creation the server cannot reserve room for, turned into a message naming the settings. */
export function reservationError(err: unknown, cfg: Partial<StreamConfig> & { name: string }): LtError | null {
  const message = (err as Error | undefined)?.message ?? '';
  if (!/insufficient (storage|memory) resources/i.test(message)) return null;
  return new LtError(
    'UNAVAILABLE',
    `stream ${cfg.name} cannot reserve max_bytes ${cfg.max_bytes} on the NATS server (${message}): lower LT_SUBMIT_MAX_MB, LT_INBOX_MAX_MB, LT_EVENTS_MAX_MB, LT_DLQ_MAX_MB or raise the server's jetstream max_file_store / max_memory_store`,
    { stream: cfg.name, maxBytes: cfg.max_bytes },
  );
}

/** Which limit refused a publish, from the server's answer: JetStream error 10077 (store failed). */
export type StreamLimitHit = 'bytes' | 'messages' | 'messages-per-subject';

const STORE_FAILED = 10077;

/** The stream limit a JetStream publish was refused for, or null when the error is something else. */
export function streamLimitHit(err: unknown): StreamLimitHit | null {
  // JetStreamApiError, compared by shape: a second copy of the client library would fail instanceof
  const e = err as { code?: unknown; message?: unknown } | null;
  if (e?.code !== STORE_FAILED || typeof e.message !== 'string') return null;
  const m = e.message.toLowerCase();
  if (m.includes('maximum messages per subject exceeded')) return 'messages-per-subject';
  if (m.includes('maximum bytes exceeded')) return 'bytes';
  if (m.includes('maximum messages exceeded')) return 'messages';
  return null;
}
