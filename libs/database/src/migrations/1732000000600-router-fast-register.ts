import type { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * router_register_expect(ok, what): raises SQLSTATE LTR01 unless `ok`. The router's register
 * (apps/router/src/adapters/postgres-register.ts) first tries a short statement that only fits
 * the common case (every envelope id and Decree 30 number new); when it does not fit, this
 * aborts that statement, so nothing of it is committed, and the full statement runs instead.
 */
export class RouterFastRegister1732000000600 implements MigrationInterface {
  name = 'RouterFastRegister1732000000600';

  async up(q: QueryRunner): Promise<void> {
    await q.query(`
      CREATE FUNCTION router_register_expect(ok boolean, what text) RETURNS boolean
      LANGUAGE plpgsql VOLATILE AS $$
      BEGIN
        IF ok IS NOT TRUE THEN
          RAISE EXCEPTION 'router register fast path does not apply: %', what USING ERRCODE = 'LTR01';
        END IF;
        RETURN true;
      END
      $$`);
  }

  async down(q: QueryRunner): Promise<void> {
    await q.query(`DROP FUNCTION router_register_expect(boolean, text)`);
  }
}
