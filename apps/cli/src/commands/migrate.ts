import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LtError } from '@lt/contracts';
import {
  DEFAULT_ROLE_PREFIX,
  ensureDatabase,
  migrate,
  provisionServiceRoles,
  serviceDatabaseUrl,
  serviceRoleName,
  SERVICE_DB_ROLES,
  type ServiceDbRole,
} from '@lt/database';
import { ConfigError, databaseSecretsPath, loadOrCreateDatabaseSecrets, readVariable } from '@lt/platform';
import type { CliContext } from '../context';

/**
 * `lienthong migrate`: what `npm start` does to PostgreSQL before any service starts, for
 * deployments where services run on their own (image, compose, systemd): create the database,
 * apply the pending migrations, create or update the per-service roles with the passwords kept in
 * `<data>/secrets/postgres.json`. Services never migrate (migrationsRun: false).
 */
export interface MigrateResult {
  database: string;
  created: boolean;
  applied: string[];
  roles: string[];
  secretsFile: string;
  serviceEnvDir: string;
}

/** `<data>/secrets/database-urls`: one `<service>.env` per service, `DATABASE_URL=` with its own role */
export const serviceEnvDir = (dataDir: string): string => join(dataDir, 'secrets', 'database-urls');

function adminUrl(given: string | undefined): string {
  try {
    return given ?? readVariable(process.env, 'DATABASE_URL');
  } catch (err) {
    if (err instanceof ConfigError) throw new LtError('VALIDATION_FAILED', err.message, { field: 'DATABASE_URL' });
    throw err;
  }
}

function parseUrl(url: string): URL {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    throw new LtError('VALIDATION_FAILED', `--database-url must be a postgres:// URL, got ${JSON.stringify(redact(url))}`, { field: 'databaseUrl' });
  }
  if (u.protocol !== 'postgres:' && u.protocol !== 'postgresql:') {
    throw new LtError('VALIDATION_FAILED', `--database-url must be a postgres:// URL, got protocol ${u.protocol}`, { field: 'databaseUrl' });
  }
  return u;
}

function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

/** Writes each service's DATABASE_URL (its own role) where the image entrypoint and the systemd units read it. */
function writeServiceEnvFiles(dir: string, url: string, passwords: Record<ServiceDbRole, string>, rolePrefix: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  for (const role of SERVICE_DB_ROLES) {
    const path = join(dir, `${role}.env`);
    // passwords are base64url: no quote or shell character can appear in the URL
    writeFileSync(path, `DATABASE_URL='${serviceDatabaseUrl(url, role, passwords[role], rolePrefix)}'\n`, { mode: 0o600 });
    chmodSync(path, 0o600);
  }
}

export async function runMigrate(dataDir: string, url: string, rolePrefix = DEFAULT_ROLE_PREFIX): Promise<MigrateResult> {
  const u = parseUrl(url);
  try {
    serviceRoleName(SERVICE_DB_ROLES[0], rolePrefix);
  } catch (err) {
    throw new LtError('VALIDATION_FAILED', `--role-prefix: ${(err as Error).message}`, { field: 'rolePrefix' });
  }
  const database = decodeURIComponent(u.pathname.replace(/^\//, ''));
  const step = async <T>(what: string, fn: () => Promise<T>): Promise<T> => {
    try {
      return await fn();
    } catch (err) {
      throw new LtError('UNAVAILABLE', `${what} failed on ${redact(url)}: ${(err as Error).message}`);
    }
  };
  const created = await step('creating the database', () => ensureDatabase(url));
  const applied = await step('applying migrations', () => migrate(url));
  // the same passwords `npm start` uses: kept in the data folder, generated once
  const secrets = loadOrCreateDatabaseSecrets(dataDir, SERVICE_DB_ROLES);
  await step('provisioning the service roles', () => provisionServiceRoles(url, { passwords: secrets.roles, rolePrefix }));
  writeServiceEnvFiles(serviceEnvDir(dataDir), url, secrets.roles, rolePrefix);
  return {
    database,
    created,
    applied,
    roles: SERVICE_DB_ROLES.map((r) => serviceRoleName(r, rolePrefix)),
    secretsFile: databaseSecretsPath(dataDir),
    serviceEnvDir: serviceEnvDir(dataDir),
  };
}

export function registerMigrateCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('migrate')
    .description('bring PostgreSQL to the current schema (what `npm start` does): create the database, apply migrations, set up the service roles')
    .option('--database-url <url>', 'admin connection (default $DATABASE_URL)')
    .option('--role-prefix <prefix>', 'prefix of the service roles (roles are cluster-wide: two hubs on one cluster need different ones)', DEFAULT_ROLE_PREFIX)
    .action(async (o: { databaseUrl?: string; rolePrefix: string }) => {
      const c = ctx();
      const result = await runMigrate(c.dataDir, adminUrl(o.databaseUrl), o.rolePrefix);
      c.print(result, (r: MigrateResult) =>
        [
          r.created ? `created database ${r.database}` : `database ${r.database} exists`,
          r.applied.length ? `applied migrations: ${r.applied.join(', ')}` : 'schema up to date: no migration applied',
          `roles ${r.roles.join(', ')} ready (passwords in ${r.secretsFile})`,
          `service DATABASE_URL files in ${r.serviceEnvDir}`,
        ].join('\n'),
      );
    });
}
