import { HEADERS, inboxCopyHeaderRecord, inboxCopyMsgId, uuidv7, type EventType, type HubEvent } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { StreamMessage } from '../domain/entry';

/*
 * Synthetic facts as the router and the other services write them (tests and benchmarks do not
 * depend on the router): inbox copies with the HEADERS, and hub events.
 */

export interface CopySpec {
  envelopeId: string;
  from: string;
  to: string;
  kind?: string;
  routedAt?: string;
  issuedAt?: string;
  statusCode?: string;
  responseFor?: string;
  forwardedFrom?: string;
  flags?: string;
  copies?: number;
  submitSeq?: number;
  hubSigned?: boolean;
}

/** Payload stand-in for a signed JWS (the audit only hashes it). */
export function fakeJws(spec: CopySpec): Buffer {
  return Buffer.from(
    JSON.stringify({
      protected: 'e30',
      payload: Buffer.from(JSON.stringify({ id: spec.envelopeId, from: spec.from })).toString('base64url'),
      signature: 'sig',
    }),
  );
}

export function inboxHeaders(spec: CopySpec, payload: Uint8Array): Record<string, string> {
  const routedAt = spec.routedAt ?? new Date().toISOString();
  return inboxCopyHeaderRecord({
    envelopeId: spec.envelopeId,
    from: spec.from,
    to: spec.to,
    kind: spec.kind ?? (spec.statusCode ? 'status' : 'document'),
    kid: `${spec.from}#k1`,
    issuedAt: spec.issuedAt ?? routedAt,
    digest: sha256Hex(payload),
    submitSeq: spec.submitSeq ?? 1,
    routedAt,
    copies: spec.copies ?? 1,
    statusCode: spec.statusCode || undefined,
    responseFor: spec.responseFor || undefined,
    forwardedFrom: spec.forwardedFrom,
    flags: spec.flags ? spec.flags.split(',') : undefined,
    hubSigned: spec.hubSigned,
  });
}

/** The same copy as the audit consumer would see it. */
export function inboxMessage(spec: CopySpec, seq = 1, stream = 'T_INBOX'): StreamMessage {
  const data = fakeJws(spec);
  const headers: Record<string, string> = { ...inboxHeaders(spec, data), [HEADERS.msgId]: inboxCopyMsgId(spec.envelopeId, spec.to) };
  return { stream, subject: `t.inbox.${spec.to}`, seq, storedAtMs: Date.parse(headers[HEADERS.routedAt]), headers, data };
}

/** An event as it may arrive: `data` is whatever the test gives (the audit records any payload, complete or not). */
export function hubEvent(type: EventType, p: Partial<Omit<HubEvent, 'data'>> & { data?: Record<string, unknown> } = {}): HubEvent {
  return {
    id: p.id ?? uuidv7(),
    type,
    at: p.at ?? new Date().toISOString(),
    source: p.source ?? 'router',
    agencies: p.agencies ?? [],
    data: p.data ?? {},
    ...(p.messageId ? { messageId: p.messageId } : {}),
  } as unknown as HubEvent;
}

export function eventMessage(event: unknown, seq = 1, stream = 'T_EVENTS'): StreamMessage {
  const data = Buffer.from(JSON.stringify(event));
  const id = (event as { id?: string })?.id;
  return {
    stream,
    subject: `t.evt.${(event as { type?: string })?.type ?? 'x'}`,
    seq,
    storedAtMs: Date.now(),
    headers: id ? { [HEADERS.msgId]: id } : {},
    data,
  };
}
