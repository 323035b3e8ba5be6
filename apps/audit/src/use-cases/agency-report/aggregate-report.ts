import { parseInboxHeaders, type AgencyReport, type DirectionStats, type ParsedInboxHeaders } from '@lt/contracts';
import type { LogEntry } from '@lt/audit-log';
import { endOfVnDay, median, vnLocalDay } from '../../domain/local-day';

/** Kinds counted as documents in the Decree 30 report. */
export const REPORTED_KINDS: ReadonlySet<string> = new Set(['document']);

interface Copy {
  messageId: string;
  sender: string;
  recipient: string;
  deliveredAt: string;
  at01?: string;
  at03?: string;
  at06?: string;
  refused?: boolean;
}

function headersOf(e: LogEntry): ParsedInboxHeaders {
  return parseInboxHeaders((e.body as { headers?: Record<string, string> } | null)?.headers);
}

function emptyStats(): DirectionStats {
  return {
    documents: 0,
    copies: 0,
    arrived: 0,
    confirmedSameDay: 0,
    refused: 0,
    unconfirmedPastDue: 0,
    medianMsTo01: null,
    medianMsTo03: null,
    medianMsTo06: null,
  };
}

function stats(copies: Copy[], nowMs: number): DirectionStats {
  const s = emptyStats();
  s.documents = new Set(copies.map((c) => c.messageId)).size;
  s.copies = copies.length;
  const to01: number[] = [];
  const to03: number[] = [];
  const to06: number[] = [];
  for (const c of copies) {
    const delivered = Date.parse(c.deliveredAt);
    if (c.at01) {
      s.arrived++;
      to01.push(Date.parse(c.at01) - delivered);
      if (vnLocalDay(c.at01) === vnLocalDay(c.deliveredAt)) s.confirmedSameDay++;
    } else if (!c.refused && nowMs >= endOfVnDay(c.deliveredAt)) {
      s.unconfirmedPastDue++;
    }
    if (c.at03) to03.push(Date.parse(c.at03) - delivered);
    if (c.at06) to06.push(Date.parse(c.at06) - delivered);
    if (c.refused) s.refused++;
  }
  s.medianMsTo01 = median(to01);
  s.medianMsTo03 = median(to03);
  s.medianMsTo06 = median(to06);
  return s;
}

function byTier(copies: Copy[], tierOf: (c: Copy) => string, nowMs: number): Record<string, DirectionStats> {
  const groups = new Map<string, Copy[]>();
  for (const c of copies) {
    const t = tierOf(c);
    groups.set(t, [...(groups.get(t) ?? []), c]);
  }
  return Object.fromEntries([...groups.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([t, cs]) => [t, stats(cs, nowMs)]));
}

export interface ReportInput {
  code: string;
  fromMs: number;
  toMs: number;
  nowMs: number;
  /** deliveries, statuses and refusals involving the agency in the period, plus later statuses about those documents */
  entries: LogEntry[];
  tiers: ReadonlyMap<string, string>;
}

/**
 * Decree 30 figures for one agency over [from, to): copies delivered in the period, in both
 * directions, and how each was answered (01 arrived, 03 accepted, 06 completed, 02 refused),
 * whenever the answer came. "Confirmed the same day" compares Vietnam local days.
 */
export function aggregateAgencyReport(input: ReportInput): AgencyReport {
  const { code, fromMs, toMs, nowMs } = input;
  const copies = new Map<string, Copy>();
  let rejectedByHub = 0;
  const recalls = new Set<string>();
  // copies first (entries come in seq order, but a status may precede nothing we need)
  for (const e of input.entries) {
    const t = Date.parse(e.at);
    if (e.type === 'msg.rejected') {
      if (t >= fromMs && t < toMs) rejectedByHub++;
      continue;
    }
    if (e.source !== 'inbox' || !e.type.startsWith('delivery.')) continue;
    const h = headersOf(e);
    if (e.type === 'delivery.recall') {
      if (h.from === code && t >= fromMs && t < toMs && e.messageId) recalls.add(e.messageId);
      continue;
    }
    if (!REPORTED_KINDS.has(h.kind ?? '') || t < fromMs || t >= toMs || !e.messageId) continue;
    const sender = h.from;
    const recipient = h.to;
    if (!sender || !recipient || (sender !== code && recipient !== code)) continue;
    const key = `${e.messageId}|${recipient}`;
    if (!copies.has(key)) copies.set(key, { messageId: e.messageId, sender, recipient, deliveredAt: e.at });
  }
  for (const e of input.entries) {
    if (e.source !== 'inbox' || !e.type.startsWith('status.') || !e.messageId) continue;
    const h = headersOf(e);
    if (h.hubSigned) continue;
    const code2 = h.statusCode;
    if (code2 === '13' && h.from === code) {
      const t = Date.parse(e.at);
      if (t >= fromMs && t < toMs) recalls.add(e.messageId);
    }
    const c = copies.get(`${e.messageId}|${h.from}`);
    if (!c) continue;
    if (code2 === '01' && (!c.at01 || e.at < c.at01)) c.at01 = e.at;
    if (code2 === '03' && (!c.at03 || e.at < c.at03)) c.at03 = e.at;
    if (code2 === '06' && (!c.at06 || e.at < c.at06)) c.at06 = e.at;
    if (code2 === '02') c.refused = true;
  }
  const all = [...copies.values()];
  const sent = all.filter((c) => c.sender === code);
  const received = all.filter((c) => c.recipient === code);
  const tier = (agency: string) => input.tiers.get(agency) ?? 'unknown';
  return {
    code,
    from: new Date(fromMs).toISOString(),
    to: new Date(toMs).toISOString(),
    generatedAt: new Date(nowMs).toISOString(),
    sent: { ...stats(sent, nowMs), byRecipientTier: byTier(sent, (c) => tier(c.recipient), nowMs) },
    received: { ...stats(received, nowMs), bySenderTier: byTier(received, (c) => tier(c.sender), nowMs) },
    rejectedByHub,
    recalls: recalls.size,
  };
}
