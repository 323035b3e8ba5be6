import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One-stop-shop dossiers (apps/dossier).
 *
 * - `dossiers`: one narrow row per dossier with the columns reports and the overdue scanner read
 *   (timeliness class and working-day duration are stored at settlement, so reports are sums).
 *   The full lifecycle state (steps, pauses, history, apologies) is JSON in `dossier_documents`,
 *   kept out of the report table so a scan over a million rows stays narrow.
 * - `dossier_code_counters`: the gap-free daily sequence, one row per (agency, local day); a
 *   submit increments it inside its transaction, so concurrent submits queue on the row and a
 *   rolled-back submit gives its number back.
 * - `dossier_events`: one row per applied envelope (idempotency key = envelope id), holding the
 *   answer given to the router and the event + confirmation still to publish (outbox).
 * - `dossier_refusals`: the answer given to a refused envelope, so a retried apply gets it again.
 * - `dossier_pauses`: the pause intervals, for reports "as of" a past instant.
 * - `dossier_overdue_notices`: one row per missed deadline (outbox of the overdue scanner).
 */
export class Dossiers1732000000500 implements MigrationInterface {
  name = 'Dossiers1732000000500';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE dossiers (
        code                    varchar(32)  PRIMARY KEY,
        procedure_code          text         NOT NULL,
        receiving_agency        varchar(13)  NOT NULL,
        receiving_tier          text         NOT NULL CHECK (receiving_tier IN ('central','province','district','commune')),
        holder                  varchar(13)  NOT NULL,
        state                   smallint     NOT NULL CHECK (state BETWEEN 1 AND 10),
        received_at             timestamptz  NOT NULL,
        initial_due_at          timestamptz  NOT NULL,
        due_at                  timestamptz  NOT NULL,
        step_due_at             timestamptz,
        accepted_at             timestamptz,
        paused_since            timestamptz,
        settled_at              timestamptz,
        settled_class           text         CHECK (settled_class IN ('early','on_time','late')),
        settlement_working_days integer,
        closed_at               timestamptz,
        result_returned_at      timestamptz,
        next_deadline_at        timestamptz,
        participants            varchar(13)[] NOT NULL,
        submit_envelope_id      uuid         NOT NULL UNIQUE,
        version                 integer      NOT NULL DEFAULT 1,
        updated_at              timestamptz  NOT NULL,
        CHECK ((settled_at IS NULL) = (settled_class IS NULL))
      )`);
    // reports: per agency or tier over a period (received / settled / closed), and "open at T"
    await q.query(`CREATE INDEX dossiers_agency_received_idx ON dossiers (receiving_agency, received_at)`);
    await q.query(`CREATE INDEX dossiers_tier_received_idx ON dossiers (receiving_tier, received_at)`);
    await q.query(`CREATE INDEX dossiers_received_idx ON dossiers (received_at)`);
    // reports "as of" a past instant look up the pauses of dossiers changed after it, and only those
    await q.query(`CREATE INDEX dossiers_updated_idx ON dossiers (updated_at)`);
    // overdue scanner: only open dossiers with a deadline not yet notified are in this index
    await q.query(`CREATE INDEX dossiers_next_deadline_idx ON dossiers (next_deadline_at) WHERE next_deadline_at IS NOT NULL`);
    // agency listing: dossiers an agency received, holds or held
    await q.query(`CREATE INDEX dossiers_participants_idx ON dossiers USING gin (participants)`);

    await q.query(`
      CREATE TABLE dossier_documents (
        code  varchar(32) PRIMARY KEY REFERENCES dossiers(code),
        doc   jsonb       NOT NULL
      )`);

    await q.query(`
      CREATE TABLE dossier_code_counters (
        agency_code varchar(13) NOT NULL,
        day         date        NOT NULL,
        last_seq    integer     NOT NULL CHECK (last_seq >= 1),
        PRIMARY KEY (agency_code, day)
      )`);

    await q.query(`
      CREATE TABLE dossier_pauses (
        dossier_code varchar(32) NOT NULL REFERENCES dossiers(code),
        seq          smallint    NOT NULL,
        state        smallint    NOT NULL CHECK (state IN (5,6,8)),
        started_at   timestamptz NOT NULL,
        ended_at     timestamptz,
        working_days integer,
        due_at_after timestamptz,
        PRIMARY KEY (dossier_code, seq)
      )`);

    await q.query(`
      CREATE TABLE dossier_events (
        envelope_id  uuid        PRIMARY KEY,
        dossier_code varchar(32) NOT NULL REFERENCES dossiers(code),
        seq          integer     NOT NULL,
        action       text        NOT NULL CHECK (action IN ('submit','transfer','return','transition')),
        agency       varchar(13) NOT NULL,
        at           timestamptz NOT NULL,
        from_state   smallint,
        to_state     smallint    NOT NULL,
        holder       varchar(13) NOT NULL,
        result       jsonb       NOT NULL,
        event        jsonb       NOT NULL,
        confirmation jsonb       NOT NULL,
        published_at timestamptz,
        UNIQUE (dossier_code, seq)
      )`);
    await q.query(`CREATE INDEX dossier_events_unpublished_idx ON dossier_events (at) WHERE published_at IS NULL`);

    await q.query(`
      CREATE TABLE dossier_refusals (
        envelope_id uuid        PRIMARY KEY,
        error       jsonb       NOT NULL,
        at          timestamptz NOT NULL DEFAULT now()
      )`);

    await q.query(`
      CREATE TABLE dossier_overdue_notices (
        id           uuid        PRIMARY KEY,
        dossier_code varchar(32) NOT NULL REFERENCES dossiers(code),
        scope        text        NOT NULL CHECK (scope IN ('dossier','step')),
        step_index   integer     NOT NULL DEFAULT -1,
        due_at       timestamptz NOT NULL,
        responsible  varchar(13) NOT NULL,
        notify       varchar(13)[] NOT NULL,
        detected_at  timestamptz NOT NULL,
        event        jsonb       NOT NULL,
        envelope     jsonb       NOT NULL,
        published_at timestamptz,
        UNIQUE (dossier_code, scope, step_index, due_at)
      )`);
    await q.query(`CREATE INDEX dossier_overdue_notices_unpublished_idx ON dossier_overdue_notices (detected_at) WHERE published_at IS NULL`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE dossier_overdue_notices`);
    await q.query(`DROP TABLE dossier_refusals`);
    await q.query(`DROP TABLE dossier_events`);
    await q.query(`DROP TABLE dossier_pauses`);
    await q.query(`DROP TABLE dossier_code_counters`);
    await q.query(`DROP TABLE dossier_documents`);
    await q.query(`DROP TABLE dossiers`);
  }
}
