import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Pieces of the PostgreSQL cluster `npm start` runs under the data folder (scripts/lib/infra.ts,
 * ensurePostgres): its authentication and its superuser's password file for initdb.
 */
export type ClusterAuth = 'scram-sha-256' | 'trust';

/**
 * How an initialised cluster authenticates, from its pg_hba.conf: `trust` when any rule trusts
 * (clusters made before passwords were generated), else `scram-sha-256`.
 */
export function clusterAuthMethod(pgdata: string): ClusterAuth {
  const rules = readFileSync(join(pgdata, 'pg_hba.conf'), 'utf8')
    .split('\n')
    .map((l) => l.replace(/#.*/, '').trim())
    .filter(Boolean);
  return rules.some((r) => r.split(/\s+/).includes('trust')) ? 'trust' : 'scram-sha-256';
}

/**
 * Runs `fn` with the password in a file only the owner can read (initdb --pwfile), in a folder of
 * its own that is removed afterwards. `prepare` may hand folder and file to the user initdb runs as.
 */
export function withPasswordFile<T>(password: string, prepare: (dir: string, file: string) => void, fn: (file: string) => T): T {
  const dir = mkdtempSync(join(tmpdir(), 'lt-pg-'));
  try {
    const file = join(dir, 'superuser.pw');
    writeFileSync(file, `${password}\n`, { mode: 0o600 });
    prepare(dir, file);
    return fn(file);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The superuser's URL of a cluster on 127.0.0.1; the password only when the cluster asks for one. */
export function clusterUrl(port: number, password: string | null, database = 'lienthong'): string {
  const u = new URL(`postgres://postgres@127.0.0.1:${port}/${database}`);
  if (password) u.password = encodeURIComponent(password);
  return u.toString();
}
