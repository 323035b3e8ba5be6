import { LtError } from '@lt/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import type { EnvelopeRecord, NumberRecord, PriorEnvelope, RoutingRegister } from '../route-submission/outcome';

type Queryable = Pick<DataSource | EntityManager, 'query'>;

/**
 * The router's registers in PostgreSQL (migration 1732000000300-router). Each call is ONE
 * statement for the whole batch: arrays travel as 4-5 parameters whatever the batch size, and the
 * statement is atomic on its own. The two calls need no common transaction: both are idempotent
 * under redelivery (the same submission finds its own rows and is treated as a redelivery).
 */
export class PostgresRoutingRegister implements RoutingRegister {
  constructor(private readonly db: Queryable) {}

  async recordEnvelopes(records: readonly EnvelopeRecord[], receivedAt: Date): Promise<Map<string, PriorEnvelope>> {
    const priors = new Map<string, PriorEnvelope>();
    if (records.length === 0) return priors;
    // the outer SELECT sees the table as it was before the INSERT: a row found there is a prior one
    const rows: Array<{ id: string; prior_seq: string | null; prior_digest: string | null }> = await this.db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::bigint[], $4::text[]) AS t(id, sender, submit_seq, digest)
       ), inserted AS (
         INSERT INTO router_envelopes (id, sender, submit_seq, digest, received_at)
         SELECT id, sender, submit_seq, digest, $5::timestamptz FROM input
         ON CONFLICT (id) DO NOTHING
         RETURNING id
       )
       SELECT i.id::text AS id, e.submit_seq::text AS prior_seq, e.digest AS prior_digest
       FROM input i
       LEFT JOIN inserted ins ON ins.id = i.id
       LEFT JOIN router_envelopes e ON e.id = i.id
       WHERE ins.id IS NULL`,
      [records.map((r) => r.id), records.map((r) => r.sender), records.map((r) => r.seq), records.map((r) => r.digest), receivedAt.toISOString()],
    );
    for (const row of rows) {
      if (row.prior_seq === null || row.prior_digest === null) {
        // another router committed this id while our statement ran: decide again on the next delivery
        throw new LtError('UNAVAILABLE', `envelope ${row.id} is being recorded concurrently; retrying the batch`, { envelopeId: row.id });
      }
      priors.set(row.id, { seq: Number(row.prior_seq), digest: row.prior_digest });
    }
    return priors;
  }

  async recordNumbers(records: readonly NumberRecord[]): Promise<Map<string, string>> {
    const holders = new Map<string, string>();
    if (records.length === 0) return holders;
    const rows: Array<{ envelope_id: string; holder: string | null }> = await this.db.query(
      `WITH input AS (
         SELECT * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::text[], $5::text[]) AS t(envelope_id, sender, year, code_number, code_notation)
       ), inserted AS (
         INSERT INTO router_document_numbers (sender, year, code_number, code_notation, envelope_id)
         SELECT sender, year, code_number, code_notation, envelope_id FROM input
         ON CONFLICT DO NOTHING
         RETURNING envelope_id
       )
       SELECT i.envelope_id::text AS envelope_id, COALESCE(ins.envelope_id, d.envelope_id)::text AS holder
       FROM input i
       LEFT JOIN inserted ins ON ins.envelope_id = i.envelope_id
       LEFT JOIN router_document_numbers d
         ON d.sender = i.sender AND d.year = i.year AND d.code_number = i.code_number AND d.code_notation = i.code_notation`,
      [records.map((r) => r.envelopeId), records.map((r) => r.sender), records.map((r) => r.year), records.map((r) => r.codeNumber), records.map((r) => r.codeNotation)],
    );
    for (const row of rows) {
      if (row.holder === null) {
        throw new LtError('UNAVAILABLE', `document number of ${row.envelope_id} is being recorded concurrently; retrying the batch`, { envelopeId: row.envelope_id });
      }
      holders.set(row.envelope_id, row.holder);
    }
    return holders;
  }
}
