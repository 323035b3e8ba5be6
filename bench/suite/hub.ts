import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstreamManager } from '@nats-io/jetstream';
import { DataSource } from 'typeorm';
import { topology, type Topology } from '@lt/contracts';
import { ensureDatabase, migrate, openDataSource } from '@lt/database';
import { connectNats, ensureTopology, type NatsConnection } from '@lt/messaging';
import { ensureHubKeys } from '@lt/platform';
import { ensureNats, ensurePostgres, type Started } from '../../scripts/lib/infra';
import { say } from './progress';

/**
 * The hub under test, isolated from what `npm start` uses: its own namespace (`bench<hex>`:
 * streams, consumers, KV bucket), its own database (`lt_bench_<hex>`, created, migrated, dropped),
 * its own data folder with a hub key, and the BUILT services as child processes, exactly as they
 * run in production (file streams, default settings; LT_ROUTER_* and LT_AUDIT_* pass through).
 */

export type ServiceName = 'registry' | 'router' | 'audit' | 'attachments';

export interface RunningService {
  name: ServiceName;
  child: ChildProcess;
  /** last lines of its log, for error messages */
  tail: string[];
  exited: Promise<number | null>;
  exitCode?: number | null;
  /** stopped on purpose by stop(): its exit is no failure */
  stopped?: boolean;
}

/** JetStream API calls (stream info, consumer lists) wait this long: a busy shared server can stall for seconds. */
export const ADMIN_TIMEOUT_MS = 30_000;

/** Folder the build was written to (dist/ or any -d folder): bench/suite/hub.js sits two levels below. */
export const BUILD_ROOT = resolve(__dirname, '..', '..');

/** The repository: the first folder upwards holding the lienthong package.json, else the working directory. */
export function repoRoot(): string {
  for (let dir = __dirname; dir !== dirname(dir); dir = dirname(dir)) {
    const pkg = join(dir, 'package.json');
    if (!existsSync(pkg)) continue;
    try {
      if ((JSON.parse(readFileSync(pkg, 'utf8')) as { name?: string }).name === 'lienthong') return dir;
    } catch {
      // not ours
    }
  }
  return process.cwd();
}

export class BenchHub {
  readonly ns = `bench${randomBytes(4).toString('hex')}`;
  readonly topo: Topology = topology(this.ns);
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lt-bench-'));
  readonly dbName = `lt_bench_${randomBytes(5).toString('hex')}`;
  natsUrl = '';
  dbUrl = '';
  /** admin connection: setup, stream info, RPC */
  nc!: NatsConnection;
  ds!: DataSource;
  readonly services = new Map<ServiceName, RunningService>();
  /** servers this bench started because none was running (stopped at the end) */
  private readonly infra: Started[] = [];
  private readonly extraStreams: string[] = [];
  private dbCreated = false;
  private cleaned?: Promise<void>;
  /** set when a service died during the run */
  failure?: Error;

  constructor(
    private readonly opts: {
      natsUrl?: string;
      databaseUrl?: string;
      /** replicas of every stream and bucket (`npm run bench -- --cluster` at R3); unset: the servers' default, 1 */
      replicas?: number;
    },
  ) {}

  /** Finds (or starts, like npm start) NATS and PostgreSQL, creates the database and the topology. */
  async setup(): Promise<void> {
    const dataDir = resolve(repoRoot(), '.data');
    const log = (s: string) => say(s);
    if (this.opts.natsUrl) process.env.NATS_URL = this.opts.natsUrl;
    if (this.opts.databaseUrl) process.env.DATABASE_URL = this.opts.databaseUrl;
    const nats = await ensureNats(dataDir, log);
    if (nats.child) this.infra.push(nats);
    const pg = await ensurePostgres(dataDir, log);
    if (pg.child) this.infra.push(pg);
    this.natsUrl = nats.url;
    const u = new URL(pg.url);
    u.pathname = `/${this.dbName}`;
    this.dbUrl = u.toString();
    await ensureDatabase(this.dbUrl);
    this.dbCreated = true;
    await migrate(this.dbUrl);
    this.ds = await openDataSource(this.dbUrl, { extra: { max: 4, application_name: 'lienthong-bench' } });
    this.nc = await connectNats(this.natsUrl, 'lienthong-bench-admin', { noAsyncTraces: true });
    // file storage, as in production (ensureTopology's default)
    await ensureTopology(this.nc, this.topo, this.opts.replicas ? { replicas: this.opts.replicas } : {});
    ensureHubKeys(this.dataDir);
  }

  /** Another connection (agencies, inbox watcher), so one busy socket does not delay the others. */
  connect(name: string): Promise<NatsConnection> {
    return connectNats(this.natsUrl, name, { noAsyncTraces: true });
  }

  /** A stream this bench created outside the topology (baselines); deleted at cleanup. */
  trackStream(name: string): void {
    this.extraStreams.push(name);
  }

  env(): Record<string, string> {
    return {
      NATS_URL: this.natsUrl,
      DATABASE_URL: this.dbUrl,
      LT_NAMESPACE: this.ns,
      LT_DATA_DIR: this.dataDir,
      // `ready` is logged at info; routine deliveries are debug, so info stays quiet under load
      LOG_LEVEL: 'info',
      // the bench sends far above an agency's normal rate (BENCH_SENDERS=2: 15,000 each at full
      // speed) and broadcasts to BENCH_COMMUNES: the limiter stays on (its cost is measured) but
      // must not refuse; set these variables to measure with other limits
      LT_ROUTER_SUBMIT_RATE: process.env.LT_ROUTER_SUBMIT_RATE || '1000000',
      LT_ROUTER_SUBMIT_BURST: process.env.LT_ROUTER_SUBMIT_BURST || '10000000',
      LT_ROUTER_BROADCAST_MAX_PROVINCE: process.env.LT_ROUTER_BROADCAST_MAX_PROVINCE || '5000',
      // the services' own ensureTopology must keep the streams at the bench's replica count
      ...(this.opts.replicas ? { LT_STREAM_REPLICAS: String(this.opts.replicas) } : {}),
    };
  }

  /** Starts the built service and resolves once it logs `ready`; `extraEnv` adds to (or overrides) env(). */
  async start(name: ServiceName, extraEnv: Record<string, string> = {}, timeoutMs = 60_000): Promise<RunningService> {
    const script = join(BUILD_ROOT, 'apps', name, 'src', 'main.js');
    if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first (npm run bench does)`);
    // e.g. BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=.data/prof" to profile the services (not allowed in NODE_OPTIONS)
    const nodeArgs = (process.env.BENCH_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
    const child = spawn(process.execPath, [...nodeArgs, script], { env: { ...process.env, ...this.env(), ...extraEnv }, stdio: ['ignore', 'pipe', 'pipe'] });
    const tail: string[] = [];
    const svc: RunningService = { name, child, tail, exited: Promise.resolve(null) };
    svc.exited = new Promise<number | null>((r) =>
      child.once('exit', (code, signal) => {
        svc.exitCode = code ?? (signal ? -1 : null);
        r(svc.exitCode);
      }),
    );
    this.services.set(name, svc);
    let ready = false;
    await new Promise<void>((resolveReady, fail) => {
      const timer = setTimeout(() => fail(new Error(`${name} not ready within ${timeoutMs} ms; last log lines:\n${tail.join('\n')}`)), timeoutMs);
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          tail.push(line);
          if (tail.length > 40) tail.shift();
          if (!ready && /"msg":"ready"/.test(line)) {
            ready = true;
            clearTimeout(timer);
            resolveReady();
          }
        });
      }
      void svc.exited.then((code) => {
        clearTimeout(timer);
        if (!ready) fail(new Error(`${name} exited (${code}) before it was ready; last log lines:\n${tail.join('\n')}`));
        else if (!this.cleaned && !svc.stopped) this.failure ??= new Error(`${name} exited (${code}) during the run; last log lines:\n${tail.join('\n')}`);
      });
    }).catch((err) => {
      child.kill('SIGKILL');
      throw err;
    });
    return svc;
  }

  /** Stops one service (SIGTERM, SIGKILL after 5 s) and waits for its exit; a later start() runs a fresh process. */
  async stop(name: ServiceName): Promise<void> {
    const s = this.services.get(name);
    if (!s || s.exitCode !== undefined) return;
    s.stopped = true;
    s.child.kill('SIGTERM');
    const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000);
    await s.exited;
    clearTimeout(timer);
  }

  /** Last resort when the bench itself dies: no service may outlive it (synchronous, for process 'exit'). */
  killServicesNow(): void {
    for (const s of this.services.values()) if (s.exitCode === undefined) s.child.kill('SIGKILL');
  }

  /** Throws when a service died: a scenario waiting for copies would otherwise wait in vain. */
  assertAlive(): void {
    if (this.failure) throw this.failure;
  }

  pidOf(name: ServiceName): number[] {
    const s = this.services.get(name);
    return s?.child.pid && s.exitCode === undefined ? [s.child.pid] : [];
  }

  /** PostgreSQL server processes serving the services on this bench's database, autovacuum included (empty when PostgreSQL is remote). */
  async databaseBackendPids(): Promise<number[]> {
    const rows: Array<{ pid: number }> = await this.ds.query("SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name <> 'lienthong-bench'", [
      this.dbName,
    ]);
    return rows.map((r) => Number(r.pid)).filter((pid) => existsSync(`/proc/${pid}/stat`));
  }

  async streamInfo(name: string) {
    const jsm = await jetstreamManager(this.nc, { timeout: ADMIN_TIMEOUT_MS });
    return jsm.streams.info(name);
  }

  /** Stops everything this bench started and deletes what it created. Idempotent; never throws. */
  cleanup(): Promise<void> {
    this.cleaned ??= this.doCleanup();
    return this.cleaned;
  }

  private async doCleanup(): Promise<void> {
    const attempt = async (what: string, fn: () => Promise<unknown>) => {
      try {
        await fn();
      } catch (err) {
        say(`cleanup: ${what} failed: ${(err as Error).message}`);
      }
    };
    await Promise.all(
      [...this.services.values()].map(async (s) => {
        if (s.exitCode !== undefined) return;
        s.child.kill('SIGTERM');
        const timer = setTimeout(() => s.child.kill('SIGKILL'), 5_000);
        await s.exited;
        clearTimeout(timer);
      }),
    );
    if (this.nc && !this.nc.isClosed()) {
      // one by one with a long timeout: deleting an inbox stream with a thousand consumers takes a while on a busy server
      const jsm = await jetstreamManager(this.nc, { timeout: 60_000 });
      const names = [...Object.values(this.topo.streams), `KV_${this.topo.kvAgencies}`, `KV_${this.topo.kvTokenRevocations}`, ...this.extraStreams];
      for (const name of names) {
        await attempt(`deleting stream ${name}`, async () => {
          try {
            await jsm.streams.delete(name);
          } catch (err) {
            if (!/not found/i.test((err as Error).message)) throw err;
          }
        });
      }
      await attempt('closing NATS', () => this.nc.drain());
    }
    if (this.ds?.isInitialized) await attempt('closing the database pool', () => this.ds.destroy());
    if (this.dbCreated) {
      await attempt(`dropping database ${this.dbName}`, async () => {
        const admin = new URL(this.dbUrl);
        admin.pathname = '/postgres';
        const a = new DataSource({ type: 'postgres', url: admin.toString(), synchronize: false });
        await a.initialize();
        try {
          await a.query(`DROP DATABASE IF EXISTS "${this.dbName}" WITH (FORCE)`);
        } finally {
          await a.destroy();
        }
      });
    }
    rmSync(this.dataDir, { recursive: true, force: true });
    for (const s of this.infra.reverse()) s.child?.kill('SIGTERM');
  }
}
