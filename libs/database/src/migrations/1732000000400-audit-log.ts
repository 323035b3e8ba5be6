import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Audit log (apps/audit): an append-only, Merkle-hashed record of every hub event and every
 * inbox copy.
 * - audit_entries: the entries, partitioned by month of `at` (UTC months; the service creates
 *   each month's partition through audit_ensure_month_partition before writing into it, and a
 *   DEFAULT partition catches absurd times). A unique key on a partitioned table must contain
 *   the partition key, so uniqueness of entry ids lives in audit_entry_ids, a plain table.
 * - audit_entry_ids: entry id -> seq. A redelivered event or inbox copy finds its id here and is
 *   absorbed, never doubled. It also indexes message_id -> (seq, at): a trace finds its entries
 *   here, then reads them from exactly the month partitions that hold them (plan-time pruning on
 *   `at`), so its cost does not grow with years of partitions.
 * - audit_hashes: the Merkle tree's stored hashes (Go sumdb/tlog layout), one row per record: the
 *   record's leaf hash followed by the hashes of the subtrees it completes (32 bytes each), and
 *   the entry's `at` (where its row lives). Proofs read O(log n) rows by primary key, never the
 *   whole log.
 * - audit_checkpoints: C2SP signed-note checkpoints, one per tree size.
 * Append-only is enforced here: triggers refuse UPDATE, DELETE and TRUNCATE on all four (a
 * superuser can still disable triggers; the verifier detects what they then change).
 * audit_receipt_cursor and audit_agency_tiers are bookkeeping, not evidence, and stay mutable.
 * `body` is text holding the body's canonical JSON, byte for byte what the leaf hash covers (jsonb
 * would reorder keys and costs twice as much to insert); query it with body::jsonb.
 */
export class AuditLog1732000000400 implements MigrationInterface {
  name = 'AuditLog1732000000400';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
      BEGIN
        RAISE EXCEPTION 'audit log is append-only: % on % refused', TG_OP, TG_TABLE_NAME
          USING ERRCODE = 'insufficient_privilege';
      END $$`);

    await q.query(`
      CREATE TABLE audit_entries (
        seq        bigint      NOT NULL CHECK (seq >= 0),
        entry_id   text        NOT NULL,
        source     text        NOT NULL CHECK (source IN ('event', 'inbox')),
        type       text        NOT NULL,
        message_id uuid,
        agencies   text[]      NOT NULL,
        at         timestamptz NOT NULL,
        body       text        NOT NULL,
        leaf_hash  bytea       NOT NULL CHECK (length(leaf_hash) = 32)
      ) PARTITION BY RANGE (at)`);
    await q.query(`CREATE INDEX audit_entries_seq_idx ON audit_entries (seq)`);
    await q.query(`CREATE INDEX audit_entries_agencies_idx ON audit_entries USING gin (agencies)`);
    await q.query(`CREATE TABLE audit_entries_default PARTITION OF audit_entries DEFAULT`);

    await q.query(`
      CREATE TABLE audit_entry_ids (
        entry_id   text        PRIMARY KEY,
        seq        bigint      NOT NULL,
        message_id uuid,
        at         timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_entry_ids_message_idx ON audit_entry_ids (message_id) WHERE message_id IS NOT NULL`);
    await q.query(`
      CREATE TABLE audit_hashes (
        seq    bigint      PRIMARY KEY CHECK (seq >= 0),
        hashes bytea       NOT NULL CHECK (length(hashes) >= 32 AND length(hashes) % 32 = 0),
        at     timestamptz NOT NULL
      )`);
    await q.query(`
      CREATE TABLE audit_checkpoints (
        tree_size  bigint      PRIMARY KEY CHECK (tree_size > 0),
        root_hash  bytea       NOT NULL CHECK (length(root_hash) = 32),
        note       text        NOT NULL,
        created_at timestamptz NOT NULL
      )`);
    await q.query(`CREATE INDEX audit_checkpoints_created_idx ON audit_checkpoints (created_at)`);

    for (const table of ['audit_entries', 'audit_entry_ids', 'audit_hashes', 'audit_checkpoints']) {
      await q.query(`CREATE TRIGGER ${table}_append_only BEFORE UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_refuse_change()`);
      await q.query(`CREATE TRIGGER ${table}_no_truncate BEFORE TRUNCATE ON ${table} FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`);
    }
    // statement triggers are not cloned to partitions: every partition gets its own
    await q.query(
      `CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON audit_entries_default FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()`,
    );

    await q.query(`
      CREATE FUNCTION audit_ensure_month_partition(p_month date) RETURNS text LANGUAGE plpgsql AS $$
      DECLARE
        first_day timestamp := date_trunc('month', p_month::timestamp);
        part text := 'audit_entries_y' || to_char(first_day, 'YYYY') || 'm' || to_char(first_day, 'MM');
      BEGIN
        IF to_regclass(part) IS NOT NULL THEN
          RETURN part;
        END IF;
        EXECUTE format('CREATE TABLE %I PARTITION OF audit_entries FOR VALUES FROM (%L) TO (%L)',
          part, first_day AT TIME ZONE 'UTC', (first_day + interval '1 month') AT TIME ZONE 'UTC');
        EXECUTE format('CREATE TRIGGER audit_entries_no_truncate BEFORE TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION audit_refuse_change()', part);
        RETURN part;
      END $$`);

    await q.query(`
      CREATE TABLE audit_receipt_cursor (
        id         smallint    PRIMARY KEY CHECK (id = 1),
        sent_upto  bigint      NOT NULL,
        updated_at timestamptz NOT NULL DEFAULT now()
      )`);
    await q.query(`INSERT INTO audit_receipt_cursor (id, sent_upto) VALUES (1, 0)`);
    // tier of each agency as the registry events said, for per-tier reports
    await q.query(`
      CREATE TABLE audit_agency_tiers (
        code        text   PRIMARY KEY,
        tier        text   NOT NULL,
        updated_seq bigint NOT NULL
      )`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP TABLE audit_agency_tiers`);
    await q.query(`DROP TABLE audit_receipt_cursor`);
    await q.query(`DROP FUNCTION audit_ensure_month_partition(date)`);
    await q.query(`DROP TABLE audit_checkpoints`);
    await q.query(`DROP TABLE audit_hashes`);
    await q.query(`DROP TABLE audit_entry_ids`);
    await q.query(`DROP TABLE audit_entries`);
    await q.query(`DROP FUNCTION audit_refuse_change()`);
  }
}
