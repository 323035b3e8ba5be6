import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { keyPaths } from '@lt/platform';
import { freePort, ROOT } from './hub-harness';

/**
 * The hub as `npm start` runs it (dist/scripts/start.js, no NATS_URL): its own nats-server with
 * nkey users on a free port, a database of its own, the demo directory with a signing key and a
 * NATS seed per demo agency in its data folder — what an agency is handed to connect from outside.
 */
export class NpmStartHub {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'lt-npm-start-'));
  natsPort = 0;
  gatewayPort = 0;
  readonly output: string[] = [];
  private db?: TestDatabase;
  private child?: ChildProcess;

  get natsUrl(): string {
    return `nats://127.0.0.1:${this.natsPort}`;
  }

  /** the agency's NATS credentials (`lienthong nats creds <code>` names this file) */
  seedFile(code: string): string {
    return join(this.dataDir, 'nats-seeds', `${code}.nk`);
  }

  /** the agency's private signing key (the demo key npm start registered) */
  keyFile(code: string): string {
    return keyPaths.agency(this.dataDir, code);
  }

  /** Spawns start.js; `ready` resolves once it prints that everything runs. */
  async start(timeoutMs = 90_000): Promise<void> {
    this.db = await createTestDatabase();
    this.natsPort = await freePort();
    this.gatewayPort = await freePort();
    const env: Record<string, string | undefined> = {
      ...process.env,
      LT_DATA_DIR: this.dataDir,
      GATEWAY_PORT: String(this.gatewayPort),
      LT_NATS_PORT: String(this.natsPort),
      DATABASE_URL: this.db.url,
      LOG_LEVEL: 'warn',
    };
    for (const k of ['NATS_URL', 'LT_TOKEN', 'LT_NAMESPACE', 'LT_NATS_SEED_FILE']) delete env[k];
    const child = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'start.js')], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`npm start not ready in ${timeoutMs} ms:\n${this.output.slice(-30).join('')}`)), timeoutMs);
      for (const s of [child.stdout!, child.stderr!]) {
        s.on('data', (d: Buffer) => {
          this.output.push(d.toString());
          if (this.output.join('').includes('Ctrl-C stops everything')) {
            clearTimeout(timer);
            ready();
          }
        });
      }
      child.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`npm start exited with ${code}:\n${this.output.slice(-30).join('')}`));
      });
    });
  }

  async stop(): Promise<void> {
    const child = this.child;
    if (child && child.exitCode === null) {
      const gone = new Promise((r) => child.once('exit', r));
      child.kill('SIGTERM');
      await gone;
    }
    await this.db?.drop().catch(() => undefined);
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
