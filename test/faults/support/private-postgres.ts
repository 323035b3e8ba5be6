import { execFile, spawnSync } from 'node:child_process';
import { appendFileSync, chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../../support/hub-harness';
import { say } from './progress';

const run = promisify(execFile);

function binDir(): string {
  const base = '/usr/lib/postgresql';
  const versions = existsSync(base)
    ? readdirSync(base)
        .filter((v) => existsSync(join(base, v, 'bin', 'initdb')))
        .sort((a, b) => Number(b) - Number(a))
    : [];
  if (!versions.length) throw new Error(`no PostgreSQL server binaries under ${base} (apt-get install postgresql)`);
  return join(base, versions[0]!, 'bin');
}

/**
 * A PostgreSQL cluster of the fault run's own (initdb into a temp folder, a free port), so the
 * run can stop it for 30 s without touching the machine's shared server. initdb and postgres
 * refuse to run as root: as root they run as the `postgres` user, as `npm start` does.
 */
export class PrivatePostgres {
  private readonly bin = binDir();
  private readonly asUser = process.getuid?.() === 0 ? 'postgres' : null;
  stops = 0;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  get dataDir(): string {
    return join(this.dir, 'data');
  }

  get logFile(): string {
    return join(this.dir, 'postgres.log');
  }

  /** URL of the `postgres` database, the base createTestDatabase derives a test database from. */
  get baseUrl(): string {
    return `postgres://postgres@127.0.0.1:${this.port}/postgres`;
  }

  static async launch(): Promise<PrivatePostgres> {
    const pg = new PrivatePostgres(mkdtempSync(join(tmpdir(), 'lt-faults-pg-')), await freePort());
    if (pg.asUser) {
      const uid = Number(spawnSync('id', ['-u', pg.asUser], { encoding: 'utf8' }).stdout.trim());
      const gid = Number(spawnSync('id', ['-g', pg.asUser], { encoding: 'utf8' }).stdout.trim());
      if (!Number.isInteger(uid)) throw new Error(`running as root but there is no "${pg.asUser}" user to run PostgreSQL as`);
      chownSync(pg.dir, uid, gid);
    }
    await pg.exec('initdb', ['-D', pg.dataDir, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--locale=C.UTF-8', '--no-sync']);
    appendFileSync(
      join(pg.dataDir, 'postgresql.conf'),
      `\n# lienthong fault tests\nlisten_addresses = '127.0.0.1'\nport = ${pg.port}\nunix_socket_directories = '${pg.dir}'\nmax_connections = 200\n`,
    );
    await pg.start();
    return pg;
  }

  private exec(tool: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
    const cmd = join(this.bin, tool);
    return this.asUser ? run('runuser', ['-u', this.asUser, '--', cmd, ...args], { cwd: this.dir }) : run(cmd, args, { cwd: this.dir });
  }

  async start(): Promise<void> {
    await this.exec('pg_ctl', ['-D', this.dataDir, '-l', this.logFile, '-w', '-t', '60', 'start']);
  }

  /** Fast shutdown: open sessions are terminated (their clients see the connection drop). */
  async stop(): Promise<void> {
    this.stops++;
    await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'fast', '-w', '-t', '60', 'stop']);
  }

  get running(): boolean {
    return existsSync(join(this.dataDir, 'postmaster.pid'));
  }

  lastLog(lines = 30): string {
    try {
      return readFileSync(this.logFile, 'utf8').split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    if (!this.running) return;
    const cmd = join(this.bin, 'pg_ctl');
    const args = ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop'];
    if (this.asUser) spawnSync('runuser', ['-u', this.asUser, '--', cmd, ...args], { cwd: this.dir, stdio: 'ignore' });
    else spawnSync(cmd, args, { cwd: this.dir, stdio: 'ignore' });
  }

  async destroy(): Promise<void> {
    if (this.running) await this.exec('pg_ctl', ['-D', this.dataDir, '-m', 'immediate', '-w', 'stop']).catch(() => undefined);
    rmSync(this.dir, { recursive: true, force: true });
    say(`private PostgreSQL stopped, ${this.dir} removed`);
  }
}
