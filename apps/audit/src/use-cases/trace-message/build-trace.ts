import { parseAttachmentsHeader, parseInboxHeaders, type EventType, type HubEventMap, type MessageTrace, type ParsedInboxHeaders, type RecipientTrace, type TraceStep } from '@lt/contracts';
import type { LogEntry } from '@lt/audit-log';
import { vnLocalDay } from '../../domain/local-day';

/** An entry with the leaf hash it was logged under. */
export type HashedEntry = LogEntry & { leafHash: string };

function headersOf(e: LogEntry): ParsedInboxHeaders {
  return parseInboxHeaders((e.body as { headers?: Record<string, string> } | null)?.headers);
}

/** An event's payload as logged: the field names of its type, the values as they arrived (unchecked). */
type LoggedData<T extends EventType> = { [K in keyof HubEventMap[T]]?: unknown };

function eventData(e: LogEntry): Record<string, unknown> {
  return ((e.body as { data?: Record<string, unknown> } | null)?.data ?? {}) as Record<string, unknown>;
}

function ms(from: string | null, to: string | null): number | null {
  if (!from || !to) return null;
  const a = Date.parse(from);
  const b = Date.parse(to);
  return Number.isFinite(a) && Number.isFinite(b) ? b - a : null;
}

const STATUS_WORDS: Record<string, string> = {
  '01': 'arrived',
  '02': 'refused',
  '03': 'accepted',
  '04': 'assigned',
  '05': 'in progress',
  '06': 'completed',
  '13': 'recall requested',
  '15': 'recall agreed',
  '16': 'recall refused',
};

/**
 * The whole timeline of one document from its log entries (already in seq order): the copies
 * the router delivered (successor forwarding included), every status each recipient sent back,
 * hub refusals, flags, replays and recalls, with the durations between the steps.
 */
export function buildTrace(messageId: string, entries: HashedEntry[]): MessageTrace {
  const trace: MessageTrace = {
    messageId,
    found: entries.length > 0,
    kind: null,
    from: null,
    issuedAt: null,
    digest: null,
    submitSeq: null,
    copies: null,
    firstRoutedAt: null,
    msToRoute: null,
    recipients: [],
    rejections: [],
    flags: [],
    recall: null,
    timeline: [],
  };
  const recipients = new Map<string, RecipientTrace>();
  const recipient = (code: string): RecipientTrace => {
    let r = recipients.get(code);
    if (!r) {
      r = {
        code,
        forwardedFrom: null,
        deliveredAt: null,
        deliverySeq: null,
        msToDelivery: null,
        statuses: [],
        msTo01: null,
        msTo03: null,
        msTo06: null,
        refused: false,
        confirmedSameDay: null,
      };
      recipients.set(code, r);
    }
    return r;
  };

  // the document's own copies first: they give issuedAt, which every duration is measured from
  for (const e of entries) {
    if (e.source !== 'inbox' || !e.type.startsWith('delivery.')) continue;
    const h = headersOf(e);
    if (h.envelopeId !== messageId) continue;
    trace.kind ??= h.kind ?? null;
    trace.from ??= h.from ?? null;
    trace.issuedAt ??= h.issuedAt ?? null;
    trace.digest ??= h.digest ?? null;
    trace.submitSeq ??= h.submitSeq ?? null;
    trace.copies ??= h.copies ?? null;
    if (h.attachments && !trace.attachments) trace.attachments = parseAttachmentsHeader(h.attachments);
    if (!trace.firstRoutedAt || e.at < trace.firstRoutedAt) trace.firstRoutedAt = e.at;
    for (const f of h.flags) if (!trace.flags.includes(f)) trace.flags.push(f);
  }
  trace.msToRoute = ms(trace.issuedAt, trace.firstRoutedAt);

  let previousAt: string | null = null;
  // a status addressed to several agencies is one status in several copies
  const seenStatus = new Set<string>();
  for (const e of entries) {
    let actor: string | null = null;
    let target: string | null = null;
    let summary: string;
    if (e.source === 'inbox') {
      const h = headersOf(e);
      actor = h.from ?? null;
      target = h.to ?? null;
      const statusCode = h.statusCode;
      const hubSigned = h.hubSigned;
      if (e.type.startsWith('delivery.') && h.envelopeId === messageId && target) {
        const r = recipient(target);
        r.deliveredAt ??= e.at;
        r.deliverySeq ??= e.seq;
        r.forwardedFrom ??= h.forwardedFrom ?? null;
        r.msToDelivery = ms(trace.issuedAt, r.deliveredAt);
        summary = `copy delivered to ${target}${h.forwardedFrom ? ` (forwarded: ${h.forwardedFrom} is closed)` : ''}`;
      } else if (e.type === 'delivery.recall' || statusCode === '13') {
        trace.recall ??= { requestedAt: e.at, outcomes: [] };
        summary = `recall requested by ${actor ?? '?'} from ${target ?? '?'}`;
      } else if (statusCode && hubSigned) {
        summary = `hub sent status ${statusCode} (${STATUS_WORDS[statusCode] ?? 'status'}) to ${target ?? '?'}`;
        if (statusCode === '02') trace.rejections.push({ seq: e.seq, at: e.at, reasonCode: null, reason: 'refused by the hub (status 02)' });
      } else if (statusCode && actor && seenStatus.has(h.envelopeId ?? e.id)) {
        summary = `copy of ${actor}'s status ${statusCode} to ${target ?? '?'}`;
      } else if (statusCode && actor) {
        // a recipient answering about the document: actor is that recipient
        seenStatus.add(h.envelopeId ?? e.id);
        const r = recipient(actor);
        const since = ms(r.deliveredAt, e.at);
        r.statuses.push({ code: statusCode, at: e.at, seq: e.seq, msSinceDelivery: since });
        if (statusCode === '01' && r.msTo01 === null) {
          r.msTo01 = since;
          r.confirmedSameDay = r.deliveredAt ? vnLocalDay(r.deliveredAt) === vnLocalDay(e.at) : null;
        }
        if (statusCode === '03' && r.msTo03 === null) r.msTo03 = since;
        if (statusCode === '06' && r.msTo06 === null) r.msTo06 = since;
        if (statusCode === '02') r.refused = true;
        if (statusCode === '15' || statusCode === '16') {
          trace.recall ??= { requestedAt: e.at, outcomes: [] };
          trace.recall.outcomes.push({ recipient: actor, code: statusCode, at: e.at });
        }
        summary = `${actor} sent status ${statusCode} (${STATUS_WORDS[statusCode] ?? 'status'})`;
      } else {
        summary = `${e.type} ${actor ?? '?'} -> ${target ?? '?'}`;
      }
    } else {
      const d = eventData(e);
      actor = typeof d.from === 'string' ? d.from : (e.agencies[0] ?? null);
      switch (e.type) {
        case 'msg.rejected': {
          const r: LoggedData<'msg.rejected'> = d;
          trace.rejections.push({
            seq: e.seq,
            at: e.at,
            reasonCode: typeof r.reasonCode === 'string' ? r.reasonCode : null,
            reason: typeof r.reason === 'string' ? r.reason : null,
          });
          summary = `refused by the hub: ${String(r.reasonCode ?? '?')} ${String(r.reason ?? '')}`.trim();
          break;
        }
        case 'msg.flagged': {
          const f: LoggedData<'msg.flagged'> = d;
          if (typeof f.flag === 'string' && !trace.flags.includes(f.flag)) trace.flags.push(f.flag);
          summary = `flagged ${String(f.flag ?? '')}${f.firstEnvelopeId ? ` (number first used by ${String(f.firstEnvelopeId)})` : ''}`;
          break;
        }
        case 'msg.replayed': {
          const r: LoggedData<'msg.replayed'> = d;
          summary = `replayed submission ignored (first carried by submission ${String(r.firstSubmitSeq ?? '?')})`;
          break;
        }
        default:
          summary = e.type;
      }
    }
    const step: TraceStep = {
      seq: e.seq,
      at: e.at,
      type: e.type,
      actor,
      target,
      summary,
      msSinceIssued: ms(trace.issuedAt, e.at),
      msSincePrevious: ms(previousAt, e.at),
      leafHash: e.leafHash,
    };
    trace.timeline.push(step);
    previousAt = e.at;
  }
  trace.recipients = [...recipients.values()].sort((a, b) => (a.deliverySeq ?? Infinity) - (b.deliverySeq ?? Infinity) || a.code.localeCompare(b.code));
  return trace;
}
