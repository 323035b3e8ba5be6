import type { ApplyDossierResult, DossierState, ErrorBody, HubEvent, Envelope, DossierAppliedBody, DossierOverdueNoticeBody } from '@lt/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { columnsOf, type DossierColumns, type StoredDossier } from '../domain/stored-dossier';
import {
  EnvelopeAlreadyApplied,
  type AppliedRecord,
  type DossierRepository,
  type DossierTx,
  type ListFilter,
  type OverdueNoticeRecord,
  type ReportFilter,
  type ReportRow,
  type StoredOutcome,
} from '../ports';

type Db = Pick<DataSource | EntityManager, 'query'>;
type Row = Record<string, unknown>;

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
const numOrNull = (v: unknown): number | null => (v === null || v === undefined ? null : Number(v));

const COLUMN_NAMES = [
  'code',
  'procedure_code',
  'receiving_agency',
  'receiving_tier',
  'holder',
  'state',
  'received_at',
  'initial_due_at',
  'due_at',
  'step_due_at',
  'accepted_at',
  'paused_since',
  'settled_at',
  'settled_class',
  'settlement_working_days',
  'closed_at',
  'result_returned_at',
  'next_deadline_at',
  'participants',
  'submit_envelope_id',
  'version',
  'updated_at',
] as const;

function columnValues(c: DossierColumns): unknown[] {
  return [
    c.code,
    c.procedureCode,
    c.receivingAgency,
    c.receivingTier,
    c.holder,
    c.state,
    c.receivedAt,
    c.initialDueAt,
    c.dueAt,
    c.stepDueAt,
    c.acceptedAt,
    c.pausedSince,
    c.settledAt,
    c.settledClass,
    c.settlementWorkingDays,
    c.closedAt,
    c.resultReturnedAt,
    c.nextDeadlineAt,
    c.participants,
    c.submitEnvelopeId,
    c.version,
    c.updatedAt,
  ];
}

function rowToColumns(r: Row): DossierColumns {
  return {
    code: String(r.code),
    procedureCode: String(r.procedure_code),
    receivingAgency: String(r.receiving_agency),
    receivingTier: String(r.receiving_tier),
    holder: String(r.holder),
    state: Number(r.state),
    receivedAt: iso(r.received_at),
    initialDueAt: iso(r.initial_due_at),
    dueAt: iso(r.due_at),
    stepDueAt: isoOrNull(r.step_due_at),
    acceptedAt: isoOrNull(r.accepted_at),
    pausedSince: isoOrNull(r.paused_since),
    settledAt: isoOrNull(r.settled_at),
    settledClass: (r.settled_class as DossierColumns['settledClass']) ?? null,
    settlementWorkingDays: numOrNull(r.settlement_working_days),
    closedAt: isoOrNull(r.closed_at),
    resultReturnedAt: isoOrNull(r.result_returned_at),
    nextDeadlineAt: isoOrNull(r.next_deadline_at),
    participants: r.participants as string[],
    submitEnvelopeId: String(r.submit_envelope_id),
    version: Number(r.version),
    updatedAt: iso(r.updated_at),
  };
}

interface StoredDoc {
  state: DossierState;
  overdueNotified: string[];
}

function rowToStored(r: Row): StoredDossier {
  const doc = r.doc as StoredDoc;
  return { state: doc.state, overdueNotified: doc.overdueNotified ?? [], version: Number(r.version), submitEnvelopeId: String(r.submit_envelope_id) };
}

function docOf(d: StoredDossier): string {
  const doc: StoredDoc = { state: d.state, overdueNotified: d.overdueNotified };
  return JSON.stringify(doc);
}

function rowToApplied(r: Row): AppliedRecord {
  return {
    envelopeId: String(r.envelope_id),
    dossierCode: String(r.dossier_code),
    seq: Number(r.seq),
    action: r.action as AppliedRecord['action'],
    agency: String(r.agency),
    at: iso(r.at),
    fromState: numOrNull(r.from_state),
    toState: Number(r.to_state),
    holder: String(r.holder),
    result: r.result as ApplyDossierResult,
    event: r.event as HubEvent,
    confirmation: r.confirmation as Envelope<DossierAppliedBody>,
  };
}

function rowToNotice(r: Row): OverdueNoticeRecord {
  return {
    id: String(r.id),
    dossierCode: String(r.dossier_code),
    scope: r.scope as 'dossier' | 'step',
    stepIndex: Number(r.step_index),
    dueAt: iso(r.due_at),
    responsible: String(r.responsible),
    notify: r.notify as string[],
    detectedAt: iso(r.detected_at),
    event: r.event as HubEvent,
    envelope: r.envelope as Envelope<DossierOverdueNoticeBody>,
  };
}

class PostgresDossierTx implements DossierTx {
  constructor(private readonly db: Db) {}

  async nextDailySeq(agencyCode: string, localDay: string): Promise<number> {
    // the row lock taken here is held until commit: concurrent submits of one agency and day
    // queue on it, and a rollback leaves last_seq as it was (no gap)
    const rows: Row[] = await this.db.query(
      `INSERT INTO dossier_code_counters (agency_code, day, last_seq) VALUES ($1, $2, 1)
       ON CONFLICT (agency_code, day) DO UPDATE SET last_seq = dossier_code_counters.last_seq + 1
       RETURNING last_seq`,
      [agencyCode, localDay],
    );
    return Number(rows[0]!.last_seq);
  }

  async lockDossier(code: string, opts: { skipLocked?: boolean } = {}): Promise<StoredDossier | null> {
    const rows: Row[] = await this.db.query(
      `SELECT d.version, d.submit_envelope_id, x.doc FROM dossiers d JOIN dossier_documents x ON x.code = d.code
       WHERE d.code = $1 FOR UPDATE OF d${opts.skipLocked ? ' SKIP LOCKED' : ''}`,
      [code],
    );
    return rows.length ? rowToStored(rows[0]!) : null;
  }

  async findApplied(envelopeId: string): Promise<ApplyDossierResult | null> {
    const rows: Row[] = await this.db.query(`SELECT result FROM dossier_events WHERE envelope_id = $1`, [envelopeId]);
    return rows.length ? (rows[0]!.result as ApplyDossierResult) : null;
  }

  async insertDossier(d: StoredDossier): Promise<void> {
    const values = columnValues(columnsOf(d));
    const ph = values.map((_, i) => `$${i + 1}`).join(', ');
    // a concurrent apply of the same submit waits on the unique index, then finds it taken
    const inserted: Row[] = await this.db.query(
      `INSERT INTO dossiers (${COLUMN_NAMES.join(', ')}) VALUES (${ph}) ON CONFLICT (submit_envelope_id) DO NOTHING RETURNING code`,
      values,
    );
    if (inserted.length === 0) throw new EnvelopeAlreadyApplied(d.submitEnvelopeId);
    await this.db.query(`INSERT INTO dossier_documents (code, doc) VALUES ($1, $2)`, [d.state.code, docOf(d)]);
    await this.writePauses(d);
  }

  async updateDossier(d: StoredDossier): Promise<void> {
    const values = columnValues(columnsOf(d));
    const sets = COLUMN_NAMES.map((c, i) => (c === 'code' ? null : `${c} = $${i + 1}`)).filter(Boolean);
    await this.db.query(`UPDATE dossiers SET ${sets.join(', ')} WHERE code = $1`, values);
    await this.db.query(`UPDATE dossier_documents SET doc = $2 WHERE code = $1`, [d.state.code, docOf(d)]);
    await this.writePauses(d);
  }

  private async writePauses(d: StoredDossier): Promise<void> {
    const pauses = d.state.pauses;
    if (pauses.length === 0) return;
    const params: unknown[] = [];
    const tuples = pauses.map((p, i) => {
      params.push(d.state.code, i, p.state, p.from, p.to ?? null, p.workingDays ?? null, p.dueAtAfter ?? null);
      const b = params.length - 7;
      return `($${b + 1}, $${b + 2}, $${b + 3}, $${b + 4}, $${b + 5}, $${b + 6}, $${b + 7})`;
    });
    await this.db.query(
      `INSERT INTO dossier_pauses (dossier_code, seq, state, started_at, ended_at, working_days, due_at_after) VALUES ${tuples.join(', ')}
       ON CONFLICT (dossier_code, seq) DO UPDATE SET ended_at = EXCLUDED.ended_at, working_days = EXCLUDED.working_days, due_at_after = EXCLUDED.due_at_after
       WHERE (dossier_pauses.ended_at, dossier_pauses.working_days, dossier_pauses.due_at_after) IS DISTINCT FROM (EXCLUDED.ended_at, EXCLUDED.working_days, EXCLUDED.due_at_after)`,
      params,
    );
  }

  async insertApplied(r: AppliedRecord): Promise<void> {
    const inserted: Row[] = await this.db.query(
      `INSERT INTO dossier_events (envelope_id, dossier_code, seq, action, agency, at, from_state, to_state, holder, result, event, confirmation)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (envelope_id) DO NOTHING RETURNING envelope_id`,
      [
        r.envelopeId,
        r.dossierCode,
        r.seq,
        r.action,
        r.agency,
        r.at,
        r.fromState,
        r.toState,
        r.holder,
        JSON.stringify(r.result),
        JSON.stringify(r.event),
        JSON.stringify(r.confirmation),
      ],
    );
    if (inserted.length === 0) throw new EnvelopeAlreadyApplied(r.envelopeId);
  }

  async insertOverdueNotices(rows: readonly OverdueNoticeRecord[]): Promise<void> {
    if (rows.length === 0) return;
    const params: unknown[] = [];
    const tuples = rows.map((n) => {
      params.push(
        n.id,
        n.dossierCode,
        n.scope,
        n.stepIndex,
        n.dueAt,
        n.responsible,
        n.notify,
        n.detectedAt,
        JSON.stringify(n.event),
        JSON.stringify(n.envelope),
      );
      const b = params.length - 10;
      return `(${Array.from({ length: 10 }, (_, i) => `$${b + i + 1}`).join(', ')})`;
    });
    await this.db.query(
      `INSERT INTO dossier_overdue_notices (id, dossier_code, scope, step_index, due_at, responsible, notify, detected_at, event, envelope)
       VALUES ${tuples.join(', ')} ON CONFLICT (dossier_code, scope, step_index, due_at) DO NOTHING`,
      params,
    );
  }
}

/**
 * Report SQL, two statements in one snapshot:
 * 1. one parallel scan of aggregates grouped by (report key, settlement working days): every
 *    count is additive, so the rows of one key are summed here, and the per-days counts of
 *    settled dossiers are the histogram that gives the exact nearest-rank p90 and the mean
 *    (no ordered-set aggregate, which would forbid parallel workers and sort every row);
 * 2. "overdue at asOf" for dossiers changed after asOf, looked at as they stood then (deadline
 *    after the pauses closed by asOf, pause in force at asOf: @lt/dossier-domain dossierAt/isOverdue),
 *    which needs their pause rows; an index on updated_at keeps it to those rows.
 * Every other row uses its current columns: timeliness class and working days stored at settlement.
 */
export function reportSql(f: ReportFilter): { counts: string; history: string; params: unknown[] } {
  const params: unknown[] = [f.from.toISOString(), f.to.toISOString(), f.asOf.toISOString()];
  const where: string[] = [`d.received_at < GREATEST($2::timestamptz, $3::timestamptz + interval '1 millisecond')`];
  if (f.agency !== undefined) {
    params.push(f.agency);
    where.push(`d.receiving_agency = $${params.length}`);
  }
  if (f.tier !== undefined) {
    params.push(f.tier);
    where.push(`d.receiving_tier = $${params.length}`);
  }
  const key = f.groupBy === 'agency' ? 'd.receiving_agency' : f.groupBy === 'tier' ? 'd.receiving_tier' : 'NULL::text';
  const inPeriod = (col: string) => `(${col} >= $1::timestamptz AND ${col} < $2::timestamptz)`;
  const openAsOf = `(d.received_at <= $3::timestamptz AND (d.settled_at IS NULL OR d.settled_at > $3::timestamptz) AND (d.closed_at IS NULL OR d.closed_at > $3::timestamptz))`;
  const accepted = `COALESCE(d.accepted_at <= $3::timestamptz, false)`;
  const counts = `
    SELECT ${key} AS key, d.settlement_working_days AS days,
      count(*) FILTER (WHERE ${inPeriod('d.received_at')}) AS received,
      count(*) FILTER (WHERE d.state = 3 AND ${inPeriod('d.closed_at')}) AS not_accepted,
      count(*) FILTER (WHERE d.state = 7 AND ${inPeriod('d.closed_at')}) AS withdrawn,
      count(*) FILTER (WHERE ${inPeriod('d.settled_at')}) AS settled,
      count(*) FILTER (WHERE ${inPeriod('d.settled_at')} AND d.settled_class = 'early') AS early,
      count(*) FILTER (WHERE ${inPeriod('d.settled_at')} AND d.settled_class = 'on_time') AS on_time,
      count(*) FILTER (WHERE ${inPeriod('d.settled_at')} AND d.settled_class = 'late') AS late,
      count(*) FILTER (WHERE ${openAsOf} AND NOT ${accepted}) AS awaiting,
      count(*) FILTER (WHERE ${openAsOf} AND ${accepted}) AS in_progress,
      count(*) FILTER (WHERE ${openAsOf} AND d.updated_at <= $3::timestamptz AND COALESCE(d.paused_since, $3::timestamptz) > d.due_at) AS overdue_now
    FROM dossiers d
    WHERE ${where.join(' AND ')}
    GROUP BY 1, 2`;
  const history = `
    SELECT ${key} AS key, count(*) AS overdue_now
    FROM dossiers d
    WHERE $1::timestamptz IS NOT NULL -- same parameter list as the counts statement
      AND ${where.join(' AND ')} AND d.updated_at > $3::timestamptz AND ${openAsOf}
      AND COALESCE((SELECT p.started_at FROM dossier_pauses p
                     WHERE p.dossier_code = d.code AND p.started_at <= $3::timestamptz AND (p.ended_at IS NULL OR p.ended_at > $3::timestamptz)
                     ORDER BY p.seq DESC LIMIT 1), $3::timestamptz)
        > COALESCE((SELECT p.due_at_after FROM dossier_pauses p
                     WHERE p.dossier_code = d.code AND p.ended_at <= $3::timestamptz ORDER BY p.ended_at DESC, p.seq DESC LIMIT 1), d.initial_due_at)
    GROUP BY 1`;
  return { counts, history, params };
}

/** Nearest-rank percentile (as @lt/dossier-domain nearestRankPercentile) from a histogram value -> count. */
export function percentileFromHistogram(histogram: ReadonlyMap<number, number>, p: number): number | null {
  const n = [...histogram.values()].reduce((a, b) => a + b, 0);
  if (n === 0) return null;
  const rank = Math.max(1, Math.ceil((p / 100) * n));
  let seen = 0;
  for (const value of [...histogram.keys()].sort((a, b) => a - b)) {
    seen += histogram.get(value)!;
    if (seen >= rank) return value;
  }
  return null;
}

const COUNT_FIELDS = ['received', 'notAccepted', 'withdrawn', 'settled', 'early', 'onTime', 'late', 'awaitingAcceptance', 'inProgress', 'overdueNow'] as const;
const COUNT_COLUMNS: Record<(typeof COUNT_FIELDS)[number], string> = {
  received: 'received',
  notAccepted: 'not_accepted',
  withdrawn: 'withdrawn',
  settled: 'settled',
  early: 'early',
  onTime: 'on_time',
  late: 'late',
  awaitingAcceptance: 'awaiting',
  inProgress: 'in_progress',
  overdueNow: 'overdue_now',
};

export class PostgresDossierRepository implements DossierRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (tx: DossierTx) => Promise<T>): Promise<T> {
    return this.ds.transaction((em) => fn(new PostgresDossierTx(em)));
  }

  async findOutcome(envelopeId: string): Promise<StoredOutcome | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT result, NULL::jsonb AS error FROM dossier_events WHERE envelope_id = $1
       UNION ALL SELECT NULL::jsonb, error FROM dossier_refusals WHERE envelope_id = $1 LIMIT 1`,
      [envelopeId],
    );
    if (!rows.length) return null;
    const r = rows[0]!;
    return r.result ? { result: r.result as ApplyDossierResult } : { error: r.error as ErrorBody };
  }

  async recordRefusal(envelopeId: string, error: ErrorBody): Promise<void> {
    await this.ds.query(`INSERT INTO dossier_refusals (envelope_id, error) VALUES ($1, $2) ON CONFLICT (envelope_id) DO NOTHING`, [
      envelopeId,
      JSON.stringify(error),
    ]);
  }

  async findDossier(code: string): Promise<StoredDossier | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT d.version, d.submit_envelope_id, x.doc FROM dossiers d JOIN dossier_documents x ON x.code = d.code WHERE d.code = $1`,
      [code],
    );
    return rows.length ? rowToStored(rows[0]!) : null;
  }

  async list(f: ListFilter): Promise<DossierColumns[]> {
    const params: unknown[] = [];
    const where: string[] = [];
    if (f.agency !== undefined) {
      params.push([f.agency]);
      where.push(`participants @> $${params.length}::varchar[]`);
    }
    if (f.state !== undefined) {
      params.push(f.state);
      where.push(`state = $${params.length}`);
    }
    if (f.overdue) {
      params.push(f.now.toISOString());
      where.push(`state IN (1,2,4,5,6,8) AND COALESCE(paused_since, $${params.length}::timestamptz) > due_at`);
    }
    if (f.after) {
      params.push(f.after.receivedAt, f.after.code);
      where.push(`(received_at, code) < ($${params.length - 1}::timestamptz, $${params.length})`);
    }
    params.push(f.limit);
    const rows: Row[] = await this.ds.query(
      `SELECT ${COLUMN_NAMES.join(', ')} FROM dossiers ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY received_at DESC, code DESC LIMIT $${params.length}`,
      params,
    );
    return rows.map(rowToColumns);
  }

  async report(f: ReportFilter): Promise<ReportRow[]> {
    const { counts, history, params } = reportSql(f);
    // one snapshot for both statements; no JIT: compiling costs more than these scans save
    const [countRows, historyRows] = await this.ds.transaction('REPEATABLE READ', async (em) => {
      await em.query(`SET TRANSACTION READ ONLY`);
      await em.query(`SET LOCAL jit = off`);
      return [(await em.query(counts, params)) as Row[], (await em.query(history, params)) as Row[]];
    });
    const byKey = new Map<string | null, { row: ReportRow; histogram: Map<number, number> }>();
    const group = (key: string | null) => {
      let g = byKey.get(key);
      if (!g) {
        const row = { key, meanWorkingDays: null, p90WorkingDays: null } as ReportRow;
        for (const field of COUNT_FIELDS) row[field] = 0;
        g = { row, histogram: new Map() };
        byKey.set(key, g);
      }
      return g;
    };
    for (const r of countRows) {
      const g = group((r.key as string | null) ?? null);
      for (const field of COUNT_FIELDS) g.row[field] += Number(r[COUNT_COLUMNS[field]]);
      const settled = Number(r.settled);
      if (r.days !== null && settled > 0) g.histogram.set(Number(r.days), (g.histogram.get(Number(r.days)) ?? 0) + settled);
    }
    for (const r of historyRows) group((r.key as string | null) ?? null).row.overdueNow += Number(r.overdue_now);
    const out: ReportRow[] = [];
    for (const { row, histogram } of byKey.values()) {
      let n = 0;
      let sum = 0;
      for (const [days, count] of histogram) {
        n += count;
        sum += days * count;
      }
      // the mean as @lt/dossier-domain computeReport computes it: integer sum over the count
      row.meanWorkingDays = n > 0 ? sum / n : null;
      row.p90WorkingDays = percentileFromHistogram(histogram, 90);
      out.push(row);
    }
    return out.sort((a, b) => ((a.key ?? '') < (b.key ?? '') ? -1 : (a.key ?? '') > (b.key ?? '') ? 1 : 0));
  }

  async overdueCandidates(now: Date, limit: number, exclude: readonly string[]): Promise<string[]> {
    const rows: Row[] = await this.ds.query(
      `SELECT code FROM dossiers
       WHERE next_deadline_at IS NOT NULL AND next_deadline_at < $1::timestamptz
         AND next_deadline_at < COALESCE(paused_since, $1::timestamptz) AND NOT (code = ANY($3))
       ORDER BY next_deadline_at LIMIT $2`,
      [now.toISOString(), limit, [...exclude]],
    );
    return rows.map((r) => String(r.code));
  }

  async unpublishedApplied(limit: number): Promise<AppliedRecord[]> {
    const rows: Row[] = await this.ds.query(`SELECT * FROM dossier_events WHERE published_at IS NULL ORDER BY at LIMIT $1`, [limit]);
    return rows.map(rowToApplied);
  }

  async markAppliedPublished(envelopeIds: readonly string[]): Promise<void> {
    if (envelopeIds.length === 0) return;
    await this.ds.query(`UPDATE dossier_events SET published_at = now() WHERE envelope_id = ANY($1::uuid[]) AND published_at IS NULL`, [[...envelopeIds]]);
  }

  async unpublishedNotices(limit: number): Promise<OverdueNoticeRecord[]> {
    const rows: Row[] = await this.ds.query(`SELECT * FROM dossier_overdue_notices WHERE published_at IS NULL ORDER BY detected_at LIMIT $1`, [limit]);
    return rows.map(rowToNotice);
  }

  async markNoticesPublished(ids: readonly string[]): Promise<void> {
    if (ids.length === 0) return;
    await this.ds.query(`UPDATE dossier_overdue_notices SET published_at = now() WHERE id = ANY($1::uuid[]) AND published_at IS NULL`, [[...ids]]);
  }
}
