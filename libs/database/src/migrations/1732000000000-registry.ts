import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Agency directory: agencies, their signing keys, and an append-only change history so "what did
 * the directory say at time T" is answerable.
 */
export class Registry1732000000000 implements MigrationInterface {
  name = 'Registry1732000000000';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE TABLE agencies (
        code            varchar(13) PRIMARY KEY,
        name            text        NOT NULL CHECK (length(name) BETWEEN 1 AND 500),
        tier            text        NOT NULL CHECK (tier IN ('central','province','district','commune')),
        parent_code     varchar(13) REFERENCES agencies(code),
        status          text        NOT NULL DEFAULT 'active' CHECK (status IN ('active','suspended','closed')),
        successor_code  varchar(13) REFERENCES agencies(code),
        closed_reason   text,
        valid_from      timestamptz NOT NULL DEFAULT now(),
        valid_to        timestamptz,
        organization_in_charge text,
        address         text,
        email           text,
        telephone       text,
        fax             text,
        website         text,
        version         integer     NOT NULL DEFAULT 1,
        created_at      timestamptz NOT NULL DEFAULT now(),
        updated_at      timestamptz NOT NULL DEFAULT now(),
        CHECK (successor_code IS NULL OR successor_code <> code),
        CHECK (parent_code IS NULL OR parent_code <> code)
      )`);
    await q.query(`CREATE INDEX agencies_parent_idx ON agencies (parent_code)`);
    await q.query(`CREATE INDEX agencies_tier_status_idx ON agencies (tier, status)`);
    await q.query(`CREATE INDEX agencies_name_lower_idx ON agencies (lower(name) text_pattern_ops)`);

    await q.query(`
      CREATE TABLE agency_keys (
        agency_code    varchar(13) NOT NULL REFERENCES agencies(code),
        key_id         text        NOT NULL CHECK (key_id ~ '^[A-Za-z0-9_-]{1,64}$'),
        alg            text        NOT NULL CHECK (alg IN ('EdDSA','ES256')),
        public_jwk     jsonb       NOT NULL,
        not_before     timestamptz NOT NULL DEFAULT now(),
        not_after      timestamptz,
        revoked_at     timestamptz,
        revoked_reason text,
        created_at     timestamptz NOT NULL DEFAULT now(),
        PRIMARY KEY (agency_code, key_id)
      )`);

    await q.query(`
      CREATE TABLE registry_changes (
        seq          bigserial   PRIMARY KEY,
        at           timestamptz NOT NULL DEFAULT now(),
        change_type  text        NOT NULL,
        agency_code  varchar(13) NOT NULL,
        key_id       text,
        actor        text        NOT NULL,
        snapshot     jsonb       NOT NULL
      )`);
    await q.query(`CREATE INDEX registry_changes_agency_idx ON registry_changes (agency_code, at)`);
    // the history is append-only: no role may rewrite it through normal statements
    await q.query(`
      CREATE FUNCTION lt_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'table % is append-only: % refused', TG_TABLE_NAME, TG_OP USING ERRCODE = 'insufficient_privilege';
      END $$`);
    await q.query(`
      CREATE TRIGGER registry_changes_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON registry_changes
      FOR EACH STATEMENT EXECUTE FUNCTION lt_refuse_change()`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE registry_changes`);
    await q.query(`DROP FUNCTION lt_refuse_change()`);
    await q.query(`DROP TABLE agency_keys`);
    await q.query(`DROP TABLE agencies`);
  }
}
