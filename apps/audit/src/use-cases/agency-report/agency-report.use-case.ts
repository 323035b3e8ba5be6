import { Inject, Injectable } from '@nestjs/common';
import { LtError, isAgencyCode, type AgencyReport, type AgencyReportRequest } from '@lt/contracts';
import { CLOCK, type Clock } from '@lt/platform';
import { parsePeriodBound } from '../../domain/local-day';
import { rowToEntry } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { aggregateAgencyReport } from './aggregate-report';

const DAY_MS = 86_400_000;
/** Longest period one report may cover. */
export const MAX_REPORT_DAYS = 366;

function bound(value: unknown, field: string): number | null {
  if (value === undefined || value === null || value === '') return null;
  const t = typeof value === 'string' ? parsePeriodBound(value) : null;
  if (t === null)
    throw new LtError('VALIDATION_FAILED', `${field} must be a date (YYYY-MM-DD) or an ISO date-time with a zone, got ${JSON.stringify(value)}`, { field });
  return t;
}

/**
 * GET /v1/reports/agencies/:code?from=&to=. Indexed reads only: entries of the period that name
 * the agency (GIN on agencies, month partitions pruned by time), then the later statuses about
 * those documents (message index of audit_entry_ids, each row from its own partition).
 */
@Injectable()
export class AgencyReportUseCase {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(req: AgencyReportRequest): Promise<AgencyReport> {
    const { store } = this;
    const now = this.clock.now();
    if (!isAgencyCode(req?.code)) throw new LtError('INVALID_AGENCY_CODE', `code ${JSON.stringify(req?.code)} is not an agency code`, { field: 'code' });
    const toMs = bound(req.to, 'to') ?? now.getTime();
    const fromMs = bound(req.from, 'from') ?? toMs - 30 * DAY_MS;
    if (fromMs >= toMs)
      throw new LtError('VALIDATION_FAILED', `from (${new Date(fromMs).toISOString()}) must be before to (${new Date(toMs).toISOString()})`, { field: 'from' });
    if (toMs - fromMs > MAX_REPORT_DAYS * DAY_MS) throw new LtError('VALIDATION_FAILED', `a report covers at most ${MAX_REPORT_DAYS} days`, { field: 'from' });
    const from = new Date(fromMs);
    const to = new Date(toMs);
    const inPeriod = await store.agencyEntries(req.code, from, to);
    const messageIds = [...new Set(inPeriod.filter((r) => r.type.startsWith('delivery.') && r.message_id).map((r) => r.message_id as string))];
    const later = (await store.entryRowsForMessages(messageIds, to)).filter((r) => r.type.startsWith('status.') && r.at.getTime() >= toMs);
    const entries = [...inPeriod, ...later].map(rowToEntry);
    const counterparts = new Set<string>();
    for (const e of entries) for (const a of e.agencies) counterparts.add(a);
    const tiers = await store.tiersOf([...counterparts]);
    return aggregateAgencyReport({ code: req.code, fromMs, toMs, nowMs: now.getTime(), entries, tiers });
  }
}
