import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Registry outbox: every registry_changes row is published as an event and mirrored into the KV
 * bucket after its transaction commits. The event id is stored with the change so a re-publish
 * after a crash carries the same Nats-Msg-Id (deduplicated); the publish cursor lives in its own
 * table because registry_changes is append-only. Also records the actor's role, and aligns the
 * key id rule with the JWS kid rule of libs/crypto (A-Z a-z 0-9 . _ ~ -, 1-64 characters).
 */
export class RegistryOutbox1732000000100 implements MigrationInterface {
  name = 'RegistryOutbox1732000000100';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`ALTER TABLE registry_changes ADD COLUMN event_id uuid, ADD COLUMN actor_role text`);
    await q.query(`CREATE UNIQUE INDEX registry_changes_event_id_idx ON registry_changes (event_id)`);
    await q.query(`
      CREATE TABLE registry_outbox_cursor (
        id            smallint    PRIMARY KEY CHECK (id = 1),
        published_seq bigint      NOT NULL,
        updated_at    timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO registry_outbox_cursor (id, published_seq) VALUES (1, 0)`);
    await q.query(`ALTER TABLE agency_keys DROP CONSTRAINT agency_keys_key_id_check`);
    await q.query(`ALTER TABLE agency_keys ADD CONSTRAINT agency_keys_key_id_check CHECK (key_id ~ '^[A-Za-z0-9._~-]{1,64}$')`);
    // keyset pagination and "children of" both walk these
    await q.query(`CREATE INDEX agencies_parent_code_idx ON agencies (parent_code, code)`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP INDEX agencies_parent_code_idx`);
    await q.query(`ALTER TABLE agency_keys DROP CONSTRAINT agency_keys_key_id_check`);
    await q.query(`ALTER TABLE agency_keys ADD CONSTRAINT agency_keys_key_id_check CHECK (key_id ~ '^[A-Za-z0-9_-]{1,64}$')`);
    await q.query(`DROP TABLE registry_outbox_cursor`);
    await q.query(`DROP INDEX registry_changes_event_id_idx`);
    await q.query(`ALTER TABLE registry_changes DROP COLUMN actor_role, DROP COLUMN event_id`);
  }
}
