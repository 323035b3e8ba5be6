import { LtError } from '@lt/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { EnvelopeRecord, NumberRecord, NumberResult, PriorEnvelope, RegisterResult, RoutingRegister } from '../ports/routing-register';

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/** node-postgres pool (what TypeORM's postgres driver keeps as `driver.master`). */
interface PgPool {
  query(config: { name: string; text: string; values: unknown[] }): Promise<{ rows: unknown[] }>;
}

/**
 * The pg pool behind a TypeORM DataSource, when there is one: through it the statement is
 * prepared once per connection (named) instead of planned on every batch (about 1 ms saved).
 */
function pgPoolOf(db: Queryable): PgPool | null {
  const master = (db as { driver?: { master?: unknown } }).driver?.master as Partial<PgPool> | undefined;
  return master && typeof master.query === 'function' ? (master as PgPool) : null;
}

/**
 * Both registers (migration 1732000000300-router) written by ONE statement per batch: arrays
 * travel as ten parameters whatever the batch size, and one statement is one commit (one WAL
 * flush), which is what bounds the router's latency at low rates.
 *
 * Every CTE reads the table as it was before the statement: `env_prior` is what was recorded by
 * earlier batches, so a row there with the same sequence and digest is our own earlier attempt
 * (a redelivery), any other row a replay or a reused id. Numbers are only taken for envelopes the
 * statement inserted or recognised as redelivered, in the batch's order.
 */
const RECORD_SQL = `
WITH env_in AS (
  SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) AS t(id, sender, submit_seq, digest)
), env_ins AS (
  INSERT INTO router_envelopes (id, sender, submit_seq, digest, received_at)
  SELECT id, sender, submit_seq, digest, $5::timestamptz FROM env_in
  ON CONFLICT (id) DO NOTHING
  RETURNING id
), env_prior AS (
  SELECT e.id, e.submit_seq, e.digest FROM router_envelopes e WHERE e.id = ANY($1::uuid[])
), num_in AS (
  SELECT * FROM unnest($6::uuid[], $7::text[], $8::int[], $9::text[], $10::text[]) WITH ORDINALITY
    AS t(envelope_id, sender, year, code_number, code_notation, ord)
), num_ok AS (
  SELECT n.* FROM num_in n
  JOIN env_in i ON i.id = n.envelope_id
  LEFT JOIN env_prior p ON p.id = n.envelope_id
  WHERE n.envelope_id IN (SELECT id FROM env_ins) OR (p.submit_seq = i.submit_seq AND p.digest = i.digest)
), num_ins AS (
  INSERT INTO router_document_numbers (sender, year, code_number, code_notation, envelope_id)
  SELECT sender, year, code_number, code_notation, envelope_id FROM num_ok ORDER BY ord
  ON CONFLICT DO NOTHING
  RETURNING envelope_id
)
SELECT 'prior' AS kind, p.id::text AS id, p.submit_seq::text AS seq, p.digest AS digest, NULL::text AS holder, NULL::boolean AS inserted
  FROM env_prior p
UNION ALL
SELECT 'missing', i.id::text, NULL, NULL, NULL, NULL
  FROM env_in i WHERE i.id NOT IN (SELECT id FROM env_ins) AND i.id NOT IN (SELECT id FROM env_prior)
UNION ALL
SELECT 'number', n.envelope_id::text, NULL, NULL, d.envelope_id::text, ni.envelope_id IS NOT NULL
  FROM num_ok n
  LEFT JOIN num_ins ni ON ni.envelope_id = n.envelope_id
  LEFT JOIN router_document_numbers d
    ON d.sender = n.sender AND d.year = n.year AND d.code_number = n.code_number AND d.code_notation = n.code_notation`;

/**
 * The common case in a shorter statement (about half the database time of RECORD_SQL per batch,
 * which is what a batch of one costs at low rates): insert every envelope id and, for them, every
 * number, and demand that all were new. When one was not (a redelivery, a replay, a number
 * already taken, two candidates for one number), router_register_expect aborts the statement,
 * nothing of it is committed, and RECORD_SQL decides the batch as before.
 */
const FAST_RECORD_SQL = `
WITH env_ins AS (
  INSERT INTO router_envelopes (id, sender, submit_seq, digest, received_at)
  SELECT id, sender, submit_seq, digest, $5::timestamptz
    FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) AS t(id, sender, submit_seq, digest)
  ON CONFLICT (id) DO NOTHING
  RETURNING 1
), num_ins AS (
  INSERT INTO router_document_numbers (sender, year, code_number, code_notation, envelope_id)
  SELECT sender, year, code_number, code_notation, envelope_id
    FROM unnest($6::uuid[], $7::text[], $8::int[], $9::text[], $10::text[]) AS t(envelope_id, sender, year, code_number, code_notation)
  ON CONFLICT DO NOTHING
  RETURNING 1
)
SELECT router_register_expect(
  (SELECT count(*) FROM env_ins) = cardinality($1::uuid[]) AND (SELECT count(*) FROM num_ins) = cardinality($6::uuid[]),
  'an envelope id or a document number was already recorded'
) AS ok`;

/** SQLSTATE raised by router_register_expect (migration 1732000000600). */
const FAST_PATH_DOES_NOT_APPLY = 'LTR01';

interface Row {
  kind: 'prior' | 'missing' | 'number';
  id: string;
  seq: string | null;
  digest: string | null;
  holder: string | null;
  inserted: boolean | null;
}

export class PostgresRoutingRegister implements RoutingRegister {
  private readonly pool: PgPool | null;

  constructor(private readonly db: Queryable) {
    this.pool = pgPoolOf(db);
  }

  /** statements that took the fast path / fell back to the full one (tests, logs) */
  readonly counts = { fast: 0, full: 0 };

  private async query(name: string, text: string, values: unknown[]): Promise<Row[]> {
    if (this.pool) return (await this.pool.query({ name, text, values })).rows as Row[];
    return this.db.query(text, values);
  }

  /** True when every envelope and number was new and is now recorded (nothing else to report). */
  private async recordAllNew(values: unknown[]): Promise<boolean> {
    try {
      await this.query('lt_router_record_fast_v1', FAST_RECORD_SQL, values);
      this.counts.fast++;
      return true;
    } catch (err) {
      if ((err as { code?: unknown }).code === FAST_PATH_DOES_NOT_APPLY) return false;
      throw err;
    }
  }

  async record(envelopes: readonly EnvelopeRecord[], numbers: readonly NumberRecord[], receivedAt: Date): Promise<RegisterResult> {
    const result: RegisterResult = { priors: new Map<string, PriorEnvelope>(), numbers: new Map<string, NumberResult>() };
    if (envelopes.length === 0) return result;
    const values = [
      envelopes.map((r) => r.id),
      envelopes.map((r) => r.sender),
      envelopes.map((r) => r.seq),
      envelopes.map((r) => r.digest),
      receivedAt.toISOString(),
      numbers.map((n) => n.envelopeId),
      numbers.map((n) => n.sender),
      numbers.map((n) => n.year),
      numbers.map((n) => n.codeNumber),
      numbers.map((n) => n.codeNotation),
    ];
    if (await this.recordAllNew(values)) {
      // every number was taken by its own envelope now: what RECORD_SQL reports in this case
      for (const n of numbers) result.numbers.set(n.envelopeId, { inserted: true, holder: null });
      return result;
    }
    this.counts.full++;
    const rows = await this.query('lt_router_record_v1', RECORD_SQL, values);
    for (const row of rows) {
      if (row.kind === 'missing') {
        // another router committed this id while our statement ran: decide again on the next delivery
        throw new LtError('UNAVAILABLE', `envelope ${row.id} is being recorded concurrently; retrying the batch`, { envelopeId: row.id });
      }
      if (row.kind === 'prior') result.priors.set(row.id, { seq: Number(row.seq), digest: row.digest! });
      else result.numbers.set(row.id, { inserted: row.inserted === true, holder: row.holder });
    }
    return result;
  }
}
