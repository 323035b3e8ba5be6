import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { freePort } from '../../support/hub-harness';
import { say } from './progress';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/**
 * A nats-server of the fault run's own, with JetStream on file storage in a temp folder and a
 * fixed port, so it can be killed -9 and started again on the same store (the streams, their
 * dedup windows and the consumers' state come back from disk) without disturbing anyone else.
 */
export class RestartableNats {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** last lines the server printed, over all its runs */
  readonly logs: string[] = [];
  starts = 0;
  private destroyed = false;

  private constructor(
    readonly dir: string,
    readonly port: number,
  ) {}

  static async launch(): Promise<RestartableNats> {
    if (!existsSync(NATS_SERVER)) throw new Error(`nats-server not found at ${NATS_SERVER} (set NATS_SERVER_BIN)`);
    const n = new RestartableNats(mkdtempSync(join(tmpdir(), 'lt-faults-nats-')), await freePort());
    await n.start();
    return n;
  }

  get url(): string {
    return `nats://127.0.0.1:${this.port}`;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server on the same port and store; resolves once it says it is ready (JetStream recovered). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error('nats-server is already running');
    if (this.destroyed) throw new Error('nats-server not started: the run is being torn down');
    const child = spawn(NATS_SERVER, ['-js', '-sd', join(this.dir, 'js'), '-a', '127.0.0.1', '-p', String(this.port)], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    this.starts++;
    this.exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`nats-server not ready within ${timeoutMs} ms:\n${this.logs.slice(-20).join('\n')}`)), timeoutMs);
      for (const stream of [child.stdout!, child.stderr!]) {
        createInterface({ input: stream }).on('line', (line) => {
          this.logs.push(line);
          if (this.logs.length > 2000) this.logs.splice(0, 1000);
          if (line.includes('Server is ready')) {
            clearTimeout(timer);
            ready();
          }
        });
      }
      void this.exited!.then(() => {
        clearTimeout(timer);
        fail(new Error(`nats-server exited before it was ready:\n${this.logs.slice(-20).join('\n')}`));
      });
    });
  }

  /** kill -9: nothing is flushed or closed cleanly. */
  async kill9(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGKILL');
    await this.exited;
  }

  async stop(): Promise<void> {
    if (!this.running) return;
    this.child!.kill('SIGTERM');
    const t = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(t);
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    if (this.running) this.child!.kill('SIGKILL');
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.stop();
    rmSync(this.dir, { recursive: true, force: true });
    say(`private nats-server stopped, ${this.dir} removed`);
  }
}
