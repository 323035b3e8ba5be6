import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@lt/messaging';
import { renderClusterConfigs, renderStandaloneConfig, threeNodes, type ClusterNode } from './cluster-config';

/**
 * Three nats-server processes on loopback forming one JetStream cluster, each on a file store of
 * its own, so that one can be killed -9 and started again on the same store and port.
 */
export class NatsNode {
  private child?: ChildProcess;
  private exited?: Promise<void>;
  /** last lines the server printed, over all its runs */
  readonly logs: string[] = [];

  constructor(
    readonly node: ClusterNode,
    readonly configFile: string,
    private readonly bin: string,
  ) {}

  get url(): string {
    return `nats://127.0.0.1:${this.node.port}`;
  }

  get pid(): number | undefined {
    return this.running ? this.child?.pid : undefined;
  }

  get running(): boolean {
    return !!this.child && this.child.exitCode === null && this.child.signalCode === null;
  }

  /** Starts the server; resolves once it says it is ready (clients are accepted; JetStream may still wait for its meta leader). */
  async start(timeoutMs = 60_000): Promise<void> {
    if (this.running) throw new Error(`${this.node.name} is already running`);
    const child = spawn(this.bin, ['-c', this.configFile], { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    this.exited = new Promise<void>((r) => child.once('exit', () => r()));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`${this.node.name} not ready within ${timeoutMs} ms:\n${this.logs.slice(-20).join('\n')}`)), timeoutMs);
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
        fail(new Error(`${this.node.name} exited before it was ready:\n${this.logs.slice(-20).join('\n')}`));
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

  /** One anonymous server with JetStream on a free loopback port, store under `dir` (the cluster bench's R1 leg). */
  static async standalone(o: { dir: string; bin: string }): Promise<NatsNode> {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    const [port] = await freePorts(1);
    const node: ClusterNode = { name: 'lt-nats-single', port: port!, clusterPort: 0, storeDir: join(o.dir, 'store') };
    const file = join(o.dir, `${node.name}.conf`);
    writeFileSync(file, renderStandaloneConfig(node), { mode: 0o600 });
    const n = new NatsNode(node, file, o.bin);
    await n.start();
    return n;
  }
}

export class NatsCluster {
  private constructor(readonly nodes: NatsNode[]) {}

  /**
   * Writes the accounts file (`accounts`, from renderNatsConfig with accountsOnly; none: anonymous) and one
   * configuration per node into `dir`, then starts the three servers on free loopback ports.
   */
  static async launch(o: { dir: string; accounts?: string; bin: string; name?: string }): Promise<NatsCluster> {
    mkdirSync(o.dir, { recursive: true, mode: 0o700 });
    if (o.accounts !== undefined) writeFileSync(join(o.dir, 'accounts.conf'), o.accounts, { mode: 0o600 });
    const ports = await freePorts(6);
    const nodes = threeNodes(o.name ?? 'lt-nats', o.dir, ports);
    const cluster = new NatsCluster(
      renderClusterConfigs({ cluster: o.name ?? 'lt-hub', nodes, accountsFile: o.accounts !== undefined ? 'accounts.conf' : undefined }).map(
        ({ node, text }) => {
          const file = join(o.dir, `${node.name}.conf`);
          mkdirSync(node.storeDir, { recursive: true });
          writeFileSync(file, text, { mode: 0o600 });
          return new NatsNode(node, file, o.bin);
        },
      ),
    );
    try {
      await Promise.all(cluster.nodes.map((n) => n.start()));
    } catch (err) {
      cluster.killNow();
      throw err;
    }
    return cluster;
  }

  /** every node's client URL, comma-separated, as NATS_URL takes them */
  get url(): string {
    return this.nodes.map((n) => n.url).join(',');
  }

  node(name: string): NatsNode {
    const n = this.nodes.find((x) => x.node.name === name);
    if (!n) throw new Error(`no node ${name}`);
    return n;
  }

  async stop(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.stop()));
  }

  killNow(): void {
    for (const n of this.nodes) n.killNow();
  }
}

/**
 * Stream and KV creation at R3 needs the cluster's meta leader: waits until $JS.API.INFO
 * answers (it does only once a leader is elected), retrying through the election.
 */
export async function waitForMetaLeader(nc: NatsConnection, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      await jsm.getAccountInfo();
      return;
    } catch (err) {
      last = err;
      await new Promise((r) => setTimeout(r, 250));
    }
  }
  throw new Error(`the JetStream cluster elected no meta leader within ${timeoutMs} ms: ${(last as Error)?.message ?? last}`);
}

/** Server name of the current leader of a stream's RAFT group (undefined on a single server). */
export async function streamLeader(nc: NatsConnection, stream: string): Promise<string | undefined> {
  const jsm = await jetstreamManager(nc, { timeout: 10_000 });
  return (await jsm.streams.info(stream)).cluster?.leader;
}

/** `count` distinct free TCP ports on loopback (asked of the kernel at once, so they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<ReturnType<typeof createServer>>((res, rej) => {
          const s = createServer();
          s.once('error', rej);
          s.listen(0, '127.0.0.1', () => res(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as { port: number }).port);
  await Promise.all(servers.map((s) => new Promise<void>((r) => s.close(() => r()))));
  return ports;
}
