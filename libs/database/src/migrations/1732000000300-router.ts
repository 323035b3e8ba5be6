import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Router state (apps/router): the only two things the router remembers.
 * - router_envelopes: every authenticated envelope id ever routed, with the stream sequence of
 *   its submission. The same id with the same sequence is a redelivery after a crash (re-publish,
 *   JetStream dedup makes it idempotent); with another sequence it is a replay (ignored) or an id
 *   reused for other bytes (refused DUPLICATE). Ids are single-use, refused ones included.
 * - router_document_numbers: Decree 30/2020 "same (number, notation, issuer) in the same year"
 *   register; the first envelope holding a number keeps it, later ones are delivered flagged.
 * Both are written by one multi-row statement per batch (unnest arrays), never row by row.
 */
export class Router1732000000300 implements MigrationInterface {
  name = 'Router1732000000300';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE router_envelopes (
        id          uuid        PRIMARY KEY,
        sender      varchar(13) NOT NULL,
        submit_seq  bigint      NOT NULL CHECK (submit_seq > 0),
        digest      char(64)    NOT NULL,
        received_at timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE router_document_numbers (
        sender        varchar(13) NOT NULL,
        year          smallint    NOT NULL,
        code_number   text        NOT NULL,
        code_notation text        NOT NULL,
        envelope_id   uuid        NOT NULL,
        recorded_at   timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (sender, year, code_number, code_notation)
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE router_document_numbers`);
    await q.query(`DROP TABLE router_envelopes`);
  }
}
