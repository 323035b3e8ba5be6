import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NatsNode } from '../../../scripts/cluster/nats-cluster';
import { say } from './progress';

const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';

/**
 * A nats-server of the fault run's own (the cluster test's NatsNode, standalone), with JetStream on
 * file storage in a temp folder and a fixed port, so it can be killed -9 and started again on the
 * same store (the streams, their dedup windows and the consumers' state come back from disk)
 * without disturbing anyone else.
 */
export class RestartableNats {
  private destroyed = false;

  private constructor(
    private readonly server: NatsNode,
    readonly dir: string,
  ) {}

  static async launch(): Promise<RestartableNats> {
    if (!existsSync(NATS_SERVER)) throw new Error(`nats-server not found at ${NATS_SERVER} (set NATS_SERVER_BIN)`);
    const dir = mkdtempSync(join(tmpdir(), 'lt-faults-nats-'));
    return new RestartableNats(await NatsNode.standalone({ dir, bin: NATS_SERVER }), dir);
  }

  get url(): string {
    return this.server.url;
  }

  get pid(): number | undefined {
    return this.server.pid;
  }

  /** last lines the server printed, over all its runs */
  get logs(): string[] {
    return this.server.logs;
  }

  /** Starts the server on the same port and store; resolves once it says it is ready (JetStream recovered). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.destroyed) throw new Error('nats-server not started: the run is being torn down');
    await this.server.start(timeoutMs);
  }

  /** kill -9: nothing is flushed or closed cleanly. */
  kill9(): Promise<void> {
    return this.server.kill9();
  }

  /** Synchronous last resort (process exit). */
  killNow(): void {
    this.server.killNow();
  }

  async destroy(): Promise<void> {
    this.destroyed = true;
    await this.server.stop();
    rmSync(this.dir, { recursive: true, force: true });
    say(`private nats-server stopped, ${this.dir} removed`);
  }
}
