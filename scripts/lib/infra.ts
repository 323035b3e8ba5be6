import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, chownSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { join, resolve } from 'node:path';
import { databaseSecretsPath, loadOrCreateDatabaseSecrets } from '@lt/platform';
import { clusterAuthMethod, clusterUrl, withPasswordFile, type ClusterAuth } from './postgres-cluster';

/**
 * Finds or starts PostgreSQL for the hub (NATS: hub-nats.ts). Order of preference (README.md,
 * `npm start`): an explicit URL, a server already listening on the default port, else one started
 * here under the data folder from the Debian packages. A missing package gets a message naming it.
 */
export class MissingPrerequisite extends Error {}

export function portOpen(host: string, port: number, timeoutMs = 1000): Promise<boolean> {
  return new Promise((done) => {
    const s = createConnection({ host, port });
    const t = setTimeout(() => {
      s.destroy();
      done(false);
    }, timeoutMs);
    s.once('connect', () => {
      clearTimeout(t);
      s.end();
      done(true);
    });
    s.once('error', () => {
      clearTimeout(t);
      done(false);
    });
  });
}

async function waitForPort(host: string, port: number, what: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await portOpen(host, port, 500)) return;
    await new Promise((r) => setTimeout(r, 200));
  }
  throw new Error(`${what} did not start listening on ${host}:${port} within ${timeoutMs / 1000}s`);
}

export function which(cmd: string, extraDirs: string[] = []): string | null {
  for (const dir of [...(process.env.PATH ?? '').split(':'), ...extraDirs]) {
    const p = join(dir, cmd);
    if (dir && existsSync(p)) return p;
  }
  return null;
}

export interface Started {
  url: string;
  /** set when this process started the server; stop it on exit */
  child?: ChildProcess;
  origin: 'env' | 'running' | 'started';
}

/**
 * An anonymous NATS for the bench (a throwaway setup measured in isolation): `NATS_URL`, a server
 * on 4222, or one started here. `npm start` never uses it (hub-nats.ts).
 */
export async function ensureNats(dataDir: string, log: (s: string) => void): Promise<Started> {
  if (process.env.NATS_URL) return { url: process.env.NATS_URL, origin: 'env' };
  if (await portOpen('127.0.0.1', 4222)) return { url: 'nats://127.0.0.1:4222', origin: 'running' };
  const bin = which('nats-server', ['/usr/sbin', '/usr/local/sbin']);
  if (!bin) {
    throw new MissingPrerequisite(
      'no NATS server on 127.0.0.1:4222 and no nats-server binary to start one.\n' +
        '  Install it:  sudo apt-get install -y nats-server   (or set NATS_URL to a server with JetStream)',
    );
  }
  const store = resolve(dataDir, 'nats');
  mkdirSync(store, { recursive: true });
  log(`starting ${bin} -js on 127.0.0.1:4222 (store ${store})`);
  const child = spawn(bin, ['-js', '-a', '127.0.0.1', '-p', '4222', '-sd', store], { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', () => undefined);
  await waitForPort('127.0.0.1', 4222, 'nats-server');
  return { url: 'nats://127.0.0.1:4222', child, origin: 'started' };
}

function postgresBinDir(): string | null {
  const fromPath = which('initdb');
  if (fromPath) return resolve(fromPath, '..');
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return null;
  const versions = readdirSync(base)
    .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
    .sort((a, b) => Number(b) - Number(a));
  return versions.length ? join(base, versions[0]!, 'bin') : null;
}

function runAs(user: string | null, cmd: string, args: string[]): { status: number | null; stderr: string } {
  const r = user ? spawnSync('runuser', ['-u', user, '--', cmd, ...args], { encoding: 'utf8' }) : spawnSync(cmd, args, { encoding: 'utf8' });
  return { status: r.status, stderr: `${r.stderr ?? ''}${r.error?.message ?? ''}` };
}

const PG_PORT = 5432;

export async function ensurePostgres(dataDir: string, log: (s: string) => void): Promise<Started> {
  if (process.env.DATABASE_URL) return { url: process.env.DATABASE_URL, origin: 'env' };
  // a server already listening may be this folder's own cluster, started earlier: it then wants its password
  if (await portOpen('127.0.0.1', PG_PORT)) return { url: ownClusterUrl(dataDir, PG_PORT), origin: 'running' };
  const own = await startOwnPostgres(dataDir, PG_PORT, log);
  return { url: own.url, child: own.child, origin: 'started' };
}

/**
 * Initialises (once) and starts the cluster under `<data>/pg` on 127.0.0.1:<port>. A new cluster
 * asks every connection, the local socket included, for a password (scram-sha-256); the
 * superuser's is generated into `<data>/secrets/postgres.json`. A cluster initialised earlier
 * with trust keeps working as it is.
 */
export async function startOwnPostgres(
  dataDir: string,
  port: number,
  log: (s: string) => void,
): Promise<{ url: string; child: ChildProcess; auth: ClusterAuth }> {
  const bin = postgresBinDir();
  if (!bin) {
    throw new MissingPrerequisite(
      `no PostgreSQL on 127.0.0.1:${port} and no PostgreSQL binaries to start one.\n` +
        '  Install it:  sudo apt-get install -y postgresql   (or set DATABASE_URL=postgres://user:password@host:5432/lienthong)',
    );
  }
  const pgdata = resolve(dataDir, 'pg');
  // initdb and postgres refuse to run as root: run them as the postgres user Debian's package creates
  const asUser = process.getuid?.() === 0 ? 'postgres' : null;
  if (!existsSync(join(pgdata, 'PG_VERSION'))) {
    const { superuserPassword } = loadOrCreateDatabaseSecrets(dataDir);
    mkdirSync(pgdata, { recursive: true });
    if (asUser) chownToUser(pgdata, asUser);
    log(`initialising PostgreSQL cluster in ${pgdata} (scram-sha-256; superuser password in ${databaseSecretsPath(dataDir)})`);
    const r = withPasswordFile(
      superuserPassword,
      (dir, file) => {
        if (asUser) for (const p of [dir, file]) chownToUser(p, asUser);
      },
      (file) =>
        runAs(asUser, join(bin, 'initdb'), ['-D', pgdata, '-U', 'postgres', '--auth=scram-sha-256', `--pwfile=${file}`, '-E', 'UTF8', '--locale=C.UTF-8']),
    );
    if (r.status !== 0) throw new Error(`initdb failed: ${r.stderr.trim()}`);
    writeFileSync(join(pgdata, 'lienthong.conf'), `listen_addresses = '127.0.0.1'\nport = ${port}\nunix_socket_directories = '/tmp'\n`);
  }
  const auth = clusterAuthMethod(pgdata);
  if (auth === 'trust') {
    log(`the cluster in ${pgdata} was initialised with trust authentication (no passwords); a new data folder gets scram-sha-256`);
  }
  const url = ownClusterUrl(dataDir, port);
  log(`starting PostgreSQL from ${bin} on 127.0.0.1:${port}`);
  const args = ['-D', pgdata, '-c', 'listen_addresses=127.0.0.1', '-c', `port=${port}`, '-c', 'unix_socket_directories=/tmp'];
  const child = asUser
    ? spawn('runuser', ['-u', asUser, '--', join(bin, 'postgres'), ...args], { stdio: ['ignore', 'ignore', 'pipe'] })
    : spawn(join(bin, 'postgres'), args, { stdio: ['ignore', 'ignore', 'pipe'] });
  child.stderr?.on('data', () => undefined);
  await waitForPort('127.0.0.1', port, 'PostgreSQL');
  return { url, child, auth };
}

/** The superuser URL of this data folder's cluster: with the generated password unless the cluster trusts. */
function ownClusterUrl(dataDir: string, port: number): string {
  const pgdata = resolve(dataDir, 'pg');
  if (!existsSync(join(pgdata, 'PG_VERSION')) || clusterAuthMethod(pgdata) === 'trust') return clusterUrl(port, null);
  const secrets = databaseSecretsPath(dataDir);
  if (!existsSync(secrets)) {
    throw new MissingPrerequisite(
      `the cluster in ${pgdata} asks for the superuser password, but ${secrets}, which held it, is gone: restore it, or delete ${pgdata} to start over (its data is lost)`,
    );
  }
  return clusterUrl(port, loadOrCreateDatabaseSecrets(dataDir).superuserPassword);
}

function chownToUser(path: string, user: string): void {
  const id = spawnSync('id', ['-u', user], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', user], { encoding: 'utf8' });
  if (id.status !== 0) throw new MissingPrerequisite(`running as root but there is no "${user}" user to run PostgreSQL as (install the postgresql package)`);
  chownSync(path, Number(id.stdout.trim()), Number(gid.stdout.trim()));
}
