import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { topology, type Topology } from '@lt/contracts';
import { importPrivateKey, issueToken, type TokenRole } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, type NatsConnection } from '@lt/messaging';
import { ensureHubKeys, loadOrCreateHubKey, type KeyFile, type Logger } from '@lt/platform';
import { runCli, type CliRun } from '../../apps/cli/src/testing/run-cli';
import { createGatewayApp } from '../../apps/gateway/src/app';
import { httpJson, type HttpReply } from './http';

export const TEST_NATS_URL = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';

export interface GatewayFixtureOptions {
  /** names the NATS connection and the data folder */
  name: string;
  /** hub keys made in the data folder at once: all three (default) or none (the test makes them) */
  keys?: 'all' | 'none';
}

export interface TokenOptions {
  sub?: string;
  /** default the gateway's */
  aud?: string;
  ttlSeconds?: number;
  /** default the data folder's active token key */
  key?: KeyFile;
}

export type { HttpReply };

/**
 * The gateway in-process for integration tests (test/integration/gateway-*.spec.ts): its own
 * database, namespace (memory streams) and data folder, the environment the gateway reads its
 * configuration from, gateways started on demand (several replicas if a test needs them), tokens
 * signed with the folder's token key, HTTP and CLI helpers. `close()` stops everything it started
 * and gives the environment back.
 */
export class GatewayFixture {
  readonly topo: Topology = topology(`t${randomBytes(4).toString('hex')}`);
  readonly dataDir: string;
  db!: TestDatabase;
  nc!: NatsConnection;
  readonly gateways: NestExpressApplication[] = [];
  /** base URL of each gateway started, in order */
  readonly bases: string[] = [];
  private readonly savedEnv: Record<string, string | undefined> = {};

  private constructor(readonly opts: GatewayFixtureOptions) {
    this.dataDir = mkdtempSync(join(tmpdir(), `lt-${opts.name}-`));
  }

  static async create(opts: GatewayFixtureOptions): Promise<GatewayFixture> {
    const f = new GatewayFixture(opts);
    f.db = await createTestDatabase();
    f.nc = await connectNats(TEST_NATS_URL, opts.name);
    await ensureTopology(f.nc, f.topo, { storage: 'memory' });
    if ((opts.keys ?? 'all') === 'all') ensureHubKeys(f.dataDir);
    f.setEnv({ LT_NAMESPACE: f.topo.ns, LT_DATA_DIR: f.dataDir, DATABASE_URL: f.db.url, NATS_URL: TEST_NATS_URL });
    return f;
  }

  /** Sets variables the gateway (and services started in-process) read, restored by close(). */
  setEnv(vars: Record<string, string>): void {
    for (const [k, v] of Object.entries(vars)) {
      if (!(k in this.savedEnv)) this.savedEnv[k] = process.env[k];
      process.env[k] = v;
    }
  }

  /** The first gateway's base URL. */
  get base(): string {
    const b = this.bases[0];
    if (!b) throw new Error('no gateway started: call startGateway() first');
    return b;
  }

  /** Starts one more gateway replica with the current environment; resolves with its base URL. `log` gets its request lines. */
  async startGateway(opts: { log?: Logger } = {}): Promise<string> {
    const app = await createGatewayApp({ logger: false, ...(opts.log ? { log: opts.log } : {}) });
    await app.listen(0, '127.0.0.1');
    this.gateways.push(app);
    const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
    this.bases.push(base);
    return base;
  }

  /** A bearer token of the data folder's token key (or `opts.key`), valid 10 minutes. */
  token(role: TokenRole, opts: TokenOptions = {}): string {
    const key = opts.key ?? loadOrCreateHubKey(this.dataDir, 'token');
    return issueToken(
      { sub: opts.sub ?? this.opts.name, role, ttlSeconds: opts.ttlSeconds ?? 600, ...(opts.aud ? { aud: opts.aud } : {}) },
      importPrivateKey(key.privateJwk, key.alg),
      key.keyId,
    );
  }

  /** One HTTP request; `token` null sends no Authorization header, undefined an admin token. */
  async request<T = unknown>(
    method: string,
    path: string,
    opts: { token?: string | null; body?: unknown; contentType?: string; base?: string } = {},
  ): Promise<HttpReply<T>> {
    return httpJson<T>((opts.base ?? this.base) + path, method, opts.token === null ? null : (opts.token ?? this.token('admin')), opts);
  }

  get<T = unknown>(path: string, token: string | null, base?: string): Promise<HttpReply<T>> {
    return this.request<T>('GET', path, { token, base });
  }

  post<T = unknown>(path: string, token: string | null, body: unknown): Promise<HttpReply<T>> {
    return this.request<T>('POST', path, { token, body });
  }

  /** `lienthong <args>` in-process, on the data folder and (once one runs) the first gateway. */
  cli(...args: string[]): Promise<CliRun> {
    return runCli([...(this.bases.length ? ['--gateway', this.base] : []), '--data-dir', this.dataDir, ...args]);
  }

  async close(): Promise<void> {
    for (const app of this.gateways.splice(0)) await app.close().catch(() => undefined);
    if (this.nc) {
      await destroyTopology(this.nc, this.topo).catch(() => undefined);
      await this.nc.drain().catch(() => undefined);
    }
    await this.db?.drop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
    for (const [k, v] of Object.entries(this.savedEnv)) {
      if (v === undefined) delete process.env[k];
      else process.env[k] = v;
    }
  }
}

/** Polls `check` until it holds, or throws naming `what`. */
export async function until(what: string, check: () => Promise<boolean>, ms = 10_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}
