import { randomBytes } from 'node:crypto';
import { DataSource } from 'typeorm';
import { ensureDatabase, migrate, openDataSource } from './data-source';

/**
 * A throwaway migrated database for one integration test file: `lt_test_<random>`, dropped by
 * `drop()`. Refuses any database whose name lacks `test`, so a test can never touch `npm start`'s.
 */
export interface TestDatabase {
  url: string;
  name: string;
  ds: DataSource;
  drop(): Promise<void>;
}

export function assertTestDatabaseUrl(url: string): void {
  const name = new URL(url).pathname.replace(/^\//, '');
  if (!name.includes('test')) throw new Error(`refusing to run tests against database "${name}": its name must contain "test"`);
}

export async function createTestDatabase(baseUrl = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres'): Promise<TestDatabase> {
  const u = new URL(baseUrl);
  const name = `lt_test_${randomBytes(5).toString('hex')}`;
  u.pathname = `/${name}`;
  const url = u.toString();
  assertTestDatabaseUrl(url);
  await ensureDatabase(url);
  await migrate(url);
  const ds = await openDataSource(url);
  return {
    url,
    name,
    ds,
    async drop() {
      await ds.destroy();
      const admin = new URL(url);
      admin.pathname = '/postgres';
      const a = new DataSource({ type: 'postgres', url: admin.toString(), synchronize: false });
      await a.initialize();
      try {
        await a.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await a.destroy();
      }
    },
  };
}
