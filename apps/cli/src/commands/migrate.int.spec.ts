import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { MIGRATIONS, SERVICE_DB_ROLES, serviceRoleName } from '@lt/database';
import { runCli } from '../testing/run-cli';

/*
 * `lienthong migrate` against the real PostgreSQL of the tests (127.0.0.1:5432, trust): a fresh
 * database and a unique role prefix (roles are cluster-wide), both dropped afterwards.
 */
const BASE = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = `lt_test_migrate_${randomBytes(4).toString('hex')}`;
const PREFIX = `lt_m${randomBytes(4).toString('hex')}_`;
const url = (db: string) => {
  const u = new URL(BASE);
  u.pathname = `/${db}`;
  return u.toString();
};
let dataDir: string;

beforeAll(() => {
  dataDir = mkdtempSync(join(tmpdir(), 'lt-migrate-'));
});

afterAll(async () => {
  rmSync(dataDir, { recursive: true, force: true });
  const root = new Client({ connectionString: url('postgres') });
  await root.connect();
  try {
    await root.query(`DROP DATABASE IF EXISTS "${NAME}" WITH (FORCE)`);
    for (const r of SERVICE_DB_ROLES) await root.query(`DROP ROLE IF EXISTS "${serviceRoleName(r, PREFIX)}"`);
  } finally {
    await root.end();
  }
});

const migrateArgs = (...extra: string[]) => ['--data-dir', dataDir, 'migrate', '--database-url', url(NAME), '--role-prefix', PREFIX, ...extra];

describe('lienthong migrate', () => {
  it('creates a missing database, applies every migration, creates the service roles and writes their DATABASE_URL files', async () => {
    const r = await runCli(['--json', ...migrateArgs()]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.out) as { database: string; created: boolean; applied: string[]; roles: string[]; serviceEnvDir: string };
    expect(out.database).toBe(NAME);
    expect(out.created).toBe(true);
    expect(out.applied).toHaveLength(MIGRATIONS.length);
    expect(out.roles).toEqual(SERVICE_DB_ROLES.map((r) => serviceRoleName(r, PREFIX)));

    const c = new Client({ connectionString: url(NAME) });
    await c.connect();
    try {
      const { rows } = await c.query<{ name: string }>('SELECT name FROM lt_migrations ORDER BY id');
      expect(rows.map((x) => x.name)).toEqual(out.applied);
      const roles = await c.query<{ rolname: string }>('SELECT rolname FROM pg_roles WHERE rolname LIKE $1 ORDER BY rolname', [`${PREFIX}%`]);
      expect(roles.rows.map((x) => x.rolname)).toEqual(out.roles.slice().sort());
    } finally {
      await c.end();
    }

    // each service's file names its own role and the password kept in <data>/secrets/postgres.json
    const secrets = JSON.parse(readFileSync(join(dataDir, 'secrets', 'postgres.json'), 'utf8')) as { roles: Record<string, string> };
    for (const role of SERVICE_DB_ROLES) {
      const path = join(out.serviceEnvDir, `${role}.env`);
      expect(statSync(path).mode & 0o777).toBe(0o600);
      const m = /^DATABASE_URL='(.+)'\n$/.exec(readFileSync(path, 'utf8'));
      expect(m).not.toBeNull();
      const u = new URL(m![1]);
      expect(u.username).toBe(serviceRoleName(role, PREFIX));
      expect(u.password).toBe(secrets.roles[role]);
      expect(u.pathname).toBe(`/${NAME}`);
    }
  });

  it('applies nothing the second time and keeps the same role passwords (text output)', async () => {
    const before = readFileSync(join(dataDir, 'secrets', 'postgres.json'), 'utf8');
    const r = await runCli(migrateArgs());
    expect(r.code).toBe(0);
    expect(r.out).toContain(`database ${NAME} exists`);
    expect(r.out).toContain('schema up to date: no migration applied');
    expect(readFileSync(join(dataDir, 'secrets', 'postgres.json'), 'utf8')).toBe(before);
  });

  it('exits non-zero with a one-line reason when PostgreSQL cannot be reached, without printing the password', async () => {
    const r = await runCli([
      '--data-dir',
      dataDir,
      'migrate',
      '--database-url',
      'postgres://postgres:s3cret@127.0.0.1:1/lt_test_none',
      '--role-prefix',
      PREFIX,
    ]);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toMatch(/^error UNAVAILABLE: creating the database failed on postgres:\/\/postgres:\*\*\*@127\.0\.0\.1:1\/lt_test_none: .+\n$/);
    expect(r.err).not.toContain('s3cret');
  });

  it('refuses a URL that is not postgres:// and a bad role prefix, naming what is wrong', async () => {
    const bad = await runCli(['--data-dir', dataDir, 'migrate', '--database-url', 'mysql://x@h/db']);
    expect(bad.code).toBe(1);
    expect(bad.err).toBe('error VALIDATION_FAILED: --database-url must be a postgres:// URL, got protocol mysql:\n');
    const prefix = await runCli(['--data-dir', dataDir, 'migrate', '--database-url', url(NAME), '--role-prefix', 'Bad-Prefix']);
    expect(prefix.code).toBe(1);
    expect(prefix.err).toMatch(/^error VALIDATION_FAILED: --role-prefix: role prefix "Bad-Prefix" must be/);
  });
});
