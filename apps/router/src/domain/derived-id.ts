import { createHash } from 'node:crypto';

/**
 * A UUIDv7 whose time is `timeMs` and whose random bits come from SHA-256(seed): the same
 * submission processed twice (a redelivery after a crash) yields the same refusal and event ids,
 * so their re-publish is dropped by JetStream dedup and by the audit's unique key.
 */
export function derivedUuid(seed: string, timeMs: number): string {
  const b = createHash('sha256').update(seed).digest().subarray(0, 16);
  b.writeUIntBE(Math.max(0, Math.floor(timeMs)) % 2 ** 48, 0, 6);
  b[6] = 0x70 | (b[6]! & 0x0f);
  b[8] = 0x80 | (b[8]! & 0x3f);
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** Id of something the router emits about one submission (`what` = event type, 'refusal', ...). */
export function submissionDerivedId(what: string, facts: { seq: number; digest: string; receivedAtMs: number }): string {
  return derivedUuid(`${what}|${facts.seq}|${facts.digest}`, facts.receivedAtMs);
}
