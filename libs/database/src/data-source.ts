import { DataSource, type DataSourceOptions } from 'typeorm';
import { MIGRATIONS } from './migrations';

/**
 * The one way services reach PostgreSQL. Schema comes only from migrations: `synchronize` is
 * always false. Services mostly use the pool through `query()` with hand-written SQL, because the
 * hot paths are multi-row INSERTs and COPY, not entity saves.
 */
export function dataSourceOptions(url: string, extra: Partial<DataSourceOptions> = {}): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    synchronize: false,
    migrationsRun: false,
    migrations: MIGRATIONS,
    migrationsTableName: 'lt_migrations',
    logging: ['error'],
    extra: { max: 10, application_name: 'lienthong' },
    ...extra,
  } as DataSourceOptions;
}

export async function openDataSource(url: string, extra: Partial<DataSourceOptions> = {}): Promise<DataSource> {
  const ds = new DataSource(dataSourceOptions(url, extra));
  await ds.initialize();
  return ds;
}

/** Applies pending migrations; returns the names applied. */
export async function migrate(url: string): Promise<string[]> {
  const ds = await openDataSource(url);
  try {
    const done = await ds.runMigrations({ transaction: 'each' });
    return done.map((m) => m.name);
  } finally {
    await ds.destroy();
  }
}

/** Creates the database named in the URL when it does not exist yet (fresh machines). */
export async function ensureDatabase(url: string): Promise<boolean> {
  const u = new URL(url);
  const name = decodeURIComponent(u.pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name)) throw new Error(`database name "${name}" must be letters, digits and underscores`);
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const ds = new DataSource({ type: 'postgres', url: admin.toString(), synchronize: false });
  await ds.initialize();
  try {
    const rows: unknown[] = await ds.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    if (rows.length > 0) return false;
    await ds.query(`CREATE DATABASE "${name}"`);
    return true;
  } finally {
    await ds.destroy();
  }
}
