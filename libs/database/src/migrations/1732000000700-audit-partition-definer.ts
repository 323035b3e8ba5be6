import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * audit_ensure_month_partition runs with its owner's rights (SECURITY DEFINER). The audit service
 * logs in as a role that owns nothing (libs/database/src/service-roles.ts), and creating a
 * partition needs ownership of audit_entries; run as its owner, the function creates each month's
 * partition owned by the admin too, so the audit role can never truncate it or disable its
 * triggers. The search path is pinned to the schema the log lives in (then pg_temp, last), so a
 * caller cannot slip in objects of its own.
 */
export class AuditPartitionDefiner1732000000700 implements MigrationInterface {
  name = 'AuditPartitionDefiner1732000000700';

  async up(q: QueryRunner): Promise<void> {
    const [{ schema }]: Array<{ schema: string }> = await q.query(
      `SELECT n.nspname AS schema FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace WHERE p.oid = 'audit_ensure_month_partition(date)'::regprocedure`,
    );
    await q.query(`ALTER FUNCTION audit_ensure_month_partition(date) SECURITY DEFINER SET search_path = "${schema.replace(/"/g, '""')}", pg_temp`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`ALTER FUNCTION audit_ensure_month_partition(date) SECURITY INVOKER RESET search_path`);
  }
}
