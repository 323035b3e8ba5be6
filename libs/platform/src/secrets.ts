import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * The PostgreSQL passwords `npm start` generates: the superuser's of the cluster it initialises
 * itself, and one per service role. JSON in `<data>/secrets/postgres.json`, mode 0600, created on
 * first use and kept, so a restart logs in with the same passwords.
 */
export interface DatabaseSecrets<R extends string = string> {
  superuserPassword: string;
  roles: Record<R, string>;
}

export const databaseSecretsPath = (dataDir: string): string => join(dataDir, 'secrets', 'postgres.json');

/** 32 random bytes, base64url: 43 printable ASCII characters, nothing to escape in a URL or SQL. */
export function newDatabasePassword(): string {
  return randomBytes(32).toString('base64url');
}

/** Reads the secrets file, creating it, or adding a password for any role it lacks. */
export function loadOrCreateDatabaseSecrets<R extends string = never>(dataDir: string, roles: readonly R[] = []): DatabaseSecrets<R> {
  const path = databaseSecretsPath(dataDir);
  const existing = existsSync(path) ? readDatabaseSecrets(path) : null;
  const secrets: DatabaseSecrets<string> = existing ?? { superuserPassword: newDatabasePassword(), roles: {} };
  const missing = roles.filter((r) => !secrets.roles[r]);
  for (const role of missing) secrets.roles[role] = newDatabasePassword();
  if (!existing || missing.length > 0) {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    const tmp = `${path}.tmp`;
    writeFileSync(tmp, JSON.stringify(secrets, null, 2), { mode: 0o600 });
    renameSync(tmp, path);
  } else if ((statSync(path).mode & 0o077) !== 0) {
    // a copy restored with loose permissions: readable by the owner only again
    chmodSync(path, 0o600);
  }
  return secrets as DatabaseSecrets<R>;
}

function readDatabaseSecrets(path: string): DatabaseSecrets<string> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new Error(`database secrets file ${path} is not JSON: ${(err as Error).message}`);
  }
  const s = raw as Partial<DatabaseSecrets<string>>;
  const roles = s?.roles;
  const valid =
    typeof s?.superuserPassword === 'string' &&
    s.superuserPassword.length > 0 &&
    typeof roles === 'object' &&
    roles !== null &&
    !Array.isArray(roles) &&
    Object.values(roles).every((v) => typeof v === 'string' && v.length > 0);
  if (!valid) throw new Error(`database secrets file ${path} must hold {"superuserPassword": string, "roles": {role: string}}`);
  return { superuserPassword: s.superuserPassword!, roles: { ...roles } };
}
