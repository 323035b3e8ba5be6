import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { topology, type Topology } from '@lt/contracts';
import { importPrivateKey, issueToken, type TokenRole } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, type NatsConnection } from '@lt/messaging';
import { ensureHubKeys, type KeyFile } from '@lt/platform';
import { httpJson, type HttpReply } from './http';

/**
 * The whole hub for end-to-end tests: the BUILT services (`npm run build`) as real processes,
 * on the real NATS and PostgreSQL, in a namespace, database and data folder of their own, so
 * tests never touch what `npm start` uses and can kill -9 a service mid-flight.
 */
export const ROOT = resolve(__dirname, '..', '..');
export type ServiceName = 'registry' | 'router' | 'audit' | 'dossier' | 'gateway';

export interface RunningService {
  name: ServiceName;
  child: ChildProcess;
  logs: string[];
  exited: Promise<number | null>;
}

export class HubHarness {
  readonly ns = `e${randomBytes(4).toString('hex')}`;
  readonly topo: Topology = topology(this.ns);
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lt-e2e-'));
  readonly natsUrl = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
  db!: TestDatabase;
  nc!: NatsConnection;
  /** the envelope key: signs refusals, receipts and notices */
  hubKey!: KeyFile;
  /** the token key: signs bearer tokens */
  tokenKey!: KeyFile;
  gatewayPort = 0;
  private readonly services = new Map<ServiceName, RunningService>();

  async setup(): Promise<void> {
    this.db = await createTestDatabase();
    this.nc = await connectNats(this.natsUrl, `e2e-${this.ns}`);
    await ensureTopology(this.nc, this.topo, { storage: 'memory' });
    const keys = ensureHubKeys(this.dataDir);
    this.hubKey = keys.envelope;
    this.tokenKey = keys.token;
    this.gatewayPort = await freePort();
  }

  get gatewayUrl(): string {
    return `http://127.0.0.1:${this.gatewayPort}`;
  }

  env(extra: Record<string, string> = {}): Record<string, string> {
    return {
      NATS_URL: this.natsUrl,
      DATABASE_URL: this.db.url,
      LT_NAMESPACE: this.ns,
      LT_DATA_DIR: this.dataDir,
      GATEWAY_PORT: String(this.gatewayPort),
      GATEWAY_HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...extra,
    };
  }

  /** Starts a built service and resolves once it logs that it is ready. */
  async start(name: ServiceName, extraEnv: Record<string, string> = {}, timeoutMs = 30_000): Promise<RunningService> {
    const script = join(ROOT, 'dist', 'apps', name, 'src', 'main.js');
    if (!existsSync(script)) throw new Error(`${script} is missing: run \`npm run build\` first (npm test does)`);
    const child = spawn(process.execPath, [script], { env: { ...process.env, ...this.env(extraEnv) }, stdio: ['ignore', 'pipe', 'pipe'] });
    const logs: string[] = [];
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const svc: RunningService = { name, child, logs, exited };
    this.services.set(name, svc);
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${name} not ready within ${timeoutMs} ms; last logs:\n${logs.slice(-20).join('\n')}`)), timeoutMs);
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          logs.push(line);
          if (/"msg":"(ready|gateway listening)"/.test(line)) {
            clearTimeout(timer);
            ready();
          }
        });
      }
      void exited.then((code) => {
        clearTimeout(timer);
        fail(new Error(`${name} exited with ${code} before it was ready; logs:\n${logs.slice(-20).join('\n')}`));
      });
    }).catch((err) => {
      child.kill('SIGKILL');
      throw err;
    });
    return svc;
  }

  /** kill -9: no shutdown hook runs, unacked work must come back by redelivery. */
  async kill(name: ServiceName): Promise<void> {
    const s = this.services.get(name);
    if (!s) return;
    s.child.kill('SIGKILL');
    await s.exited;
    this.services.delete(name);
  }

  async stop(name: ServiceName): Promise<void> {
    const s = this.services.get(name);
    if (!s) return;
    s.child.kill('SIGTERM');
    const t = setTimeout(() => s.child.kill('SIGKILL'), 10_000);
    await s.exited;
    clearTimeout(t);
    this.services.delete(name);
  }

  token(role: TokenRole, sub = 'e2e'): string {
    return issueToken({ sub, role, ttlSeconds: 600 }, importPrivateKey(this.tokenKey.privateJwk, this.tokenKey.alg), this.tokenKey.keyId);
  }

  http<T = unknown>(method: string, path: string, opts: { token?: string | null; body?: unknown; contentType?: string } = {}): Promise<HttpReply<T>> {
    return httpJson<T>(this.gatewayUrl + path, method, opts.token === null ? null : (opts.token ?? this.token('admin')), opts);
  }

  async teardown(): Promise<void> {
    for (const name of [...this.services.keys()]) await this.kill(name);
    if (this.nc) {
      await destroyTopology(this.nc, this.topo).catch(() => undefined);
      await this.nc.drain().catch(() => undefined);
    }
    await this.db?.drop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => res(port));
    });
    s.once('error', rej);
  });
}

export async function waitFor<T>(what: string, probe: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 20_000, everyMs = 100): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < until) {
    try {
      const v = await probe();
      if (v !== undefined && v !== false) return v as T;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, everyMs));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${last ? `: ${(last as Error).message}` : ''}`);
}
