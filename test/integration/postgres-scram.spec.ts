/*
 * The PostgreSQL cluster `npm start` initialises itself (scripts/lib/infra.ts, startOwnPostgres),
 * here in a temporary data folder on a free port: it asks every connection for a password
 * (scram-sha-256), the superuser's and the service roles' passwords are the generated ones, a
 * restart reuses them, and a cluster initialised earlier with trust keeps working.
 */
import { spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from 'pg';
import { ensureDatabase, migrate, provisionServiceRoles, serviceDatabaseUrl, SERVICE_DB_ROLES } from '@lt/database';
import { databaseSecretsPath, loadOrCreateDatabaseSecrets } from '@lt/platform';
import { MissingPrerequisite, portOpen, startOwnPostgres } from '../../scripts/lib/infra';

jest.setTimeout(120_000);

let dataDir: string;
let port: number;
let child: ChildProcess | undefined;
const logged: string[] = [];
const log = (s: string) => logged.push(s);

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port;
      s.close(() => resolve(p));
    });
  });
}

async function stop(): Promise<void> {
  const c = child;
  child = undefined;
  if (!c || c.exitCode !== null) return;
  await new Promise<void>((resolve) => {
    c.once('exit', () => resolve());
    c.kill('SIGTERM');
  });
  for (let i = 0; i < 100 && (await portOpen('127.0.0.1', port, 200)); i++) await new Promise((r) => setTimeout(r, 100));
}

/** Connects once the server accepts connections (right after the port opens it may still be starting up). */
async function connect(url: string): Promise<Client> {
  for (let attempt = 0; ; attempt++) {
    const c = new Client({ connectionString: url });
    try {
      await c.connect();
      return c;
    } catch (err) {
      await c.end().catch(() => undefined);
      if ((err as { code?: string }).code !== '57P03' || attempt > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** psql without a password and never prompting: what the server answers a client that has none. */
function psqlWithoutPassword(host: string): string {
  const r = spawnSync('psql', ['-w', '-h', host, '-p', String(port), '-U', 'postgres', '-d', 'postgres', '-Atc', 'SELECT 1'], {
    encoding: 'utf8',
    env: { ...process.env, PGPASSWORD: '', PGPASSFILE: '/dev/null' },
  });
  return `${r.status} ${r.stdout}${r.stderr}`;
}

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lt-scram-'));
  // the cluster runs as the postgres user when the tests run as root: it must reach <data>/pg
  chmodSync(dataDir, 0o755);
  port = await freePort();
});

afterAll(async () => {
  await stop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('the cluster npm start initialises', () => {
  let url: string;

  it('is initialised with scram-sha-256 and a generated superuser password kept in <data>/secrets (0600)', async () => {
    const passwordFiles = () => readdirSync(tmpdir()).filter((n) => n.startsWith('lt-pg-'));
    const before = passwordFiles();
    const started = await startOwnPostgres(dataDir, port, log);
    child = started.child;
    url = started.url;
    // the folder holding the password file for initdb is gone
    expect(passwordFiles()).toEqual(before);
    expect(started.auth).toBe('scram-sha-256');
    const secrets = loadOrCreateDatabaseSecrets(dataDir);
    expect(decodeURIComponent(new URL(url).password)).toBe(secrets.superuserPassword);
    expect(statSync(databaseSecretsPath(dataDir)).mode & 0o777).toBe(0o600);
    expect(statSync(join(dataDir, 'secrets')).mode & 0o777).toBe(0o700);
    const hba = readFileSync(join(dataDir, 'pg', 'pg_hba.conf'), 'utf8');
    expect(hba).not.toMatch(/^\s*(local|host)\S*\s.*\btrust\b/m);
    expect(logged.join('\n')).toContain('scram-sha-256');
  });

  it('refuses a client without a password, on TCP and on the local socket, and a wrong password', async () => {
    expect(psqlWithoutPassword('127.0.0.1')).toMatch(/no password supplied/);
    expect(psqlWithoutPassword('/tmp')).toMatch(/no password supplied/);
    const wrong = new URL(url);
    wrong.password = 'not-the-password';
    wrong.pathname = '/postgres';
    await expect(connect(wrong.toString())).rejects.toMatchObject({ code: '28P01' });
  });

  it('lets the superuser in with the generated password', async () => {
    const admin = new URL(url);
    admin.pathname = '/postgres';
    const c = await connect(admin.toString());
    try {
      const { rows } = await c.query(`SELECT current_user AS who, left(rolpassword, 14) AS kind FROM pg_authid WHERE rolname = current_user`);
      expect(rows).toEqual([{ who: 'postgres', kind: 'SCRAM-SHA-256$' }]);
    } finally {
      await c.end();
    }
  });

  it('lets each service role in with its own password only', async () => {
    expect(await ensureDatabase(url)).toBe(true);
    await migrate(url);
    const secrets = loadOrCreateDatabaseSecrets(dataDir, SERVICE_DB_ROLES);
    await provisionServiceRoles(url, { passwords: secrets.roles });
    const gateway = await connect(serviceDatabaseUrl(url, 'gateway', secrets.roles.gateway));
    try {
      expect((await gateway.query('SELECT current_user AS who')).rows).toEqual([{ who: 'lt_gateway' }]);
    } finally {
      await gateway.end();
    }
    // another service's password is not the gateway's
    await expect(connect(serviceDatabaseUrl(url, 'gateway', secrets.roles.audit))).rejects.toMatchObject({ code: '28P01' });
  });

  it('starts again on the same cluster with the same password', async () => {
    await stop();
    const started = await startOwnPostgres(dataDir, port, log);
    child = started.child;
    expect(started.url).toBe(url);
    const c = await connect(url);
    await c.end();
  });

  it('stops with a message naming the secrets file when the cluster wants a password that is gone', async () => {
    await stop();
    const path = databaseSecretsPath(dataDir);
    renameSync(path, `${path}.away`);
    try {
      await expect(startOwnPostgres(dataDir, port, log)).rejects.toThrow(MissingPrerequisite);
      await expect(startOwnPostgres(dataDir, port, log)).rejects.toThrow(`${path}, which held it, is gone`);
      expect(await portOpen('127.0.0.1', port, 300)).toBe(false);
    } finally {
      renameSync(`${path}.away`, path);
    }
  });

  it('keeps a cluster initialised earlier with trust working, without a password, and says so', async () => {
    // what initdb --auth=trust wrote before passwords were generated
    const hba = join(dataDir, 'pg', 'pg_hba.conf');
    writeFileSync(hba, 'local all all trust\nhost all all 127.0.0.1/32 trust\n');
    logged.length = 0;
    const started = await startOwnPostgres(dataDir, port, log);
    child = started.child;
    expect(started.auth).toBe('trust');
    expect(new URL(started.url).password).toBe('');
    expect(logged.join('\n')).toContain('initialised with trust authentication');
    const c = await connect(started.url.replace('/lienthong', '/postgres'));
    await c.end();
    expect(existsSync(hba)).toBe(true);
  });
});
