import { createTestDatabase } from '@lt/database';
import { connectNats, ensureTopology } from '@lt/messaging';
import { ensureHubKeys } from '@lt/platform';
import { freePort, HubHarness, type RunningService, type ServiceName } from '../../support/hub-harness';
import { say, sleep } from './progress';
import type { PrivatePostgres } from './private-postgres';
import type { RestartableNats } from './private-nats';

/**
 * The hub of a fault run: HubHarness (built services as processes, own namespace, database and
 * data folder) on the run's private nats-server and PostgreSQL, with FILE streams (a NATS
 * restart must find them again; the harness makes memory streams).
 */
export class FaultHub extends HubHarness {
  override readonly natsUrl: string;

  constructor(
    readonly nats: RestartableNats,
    readonly pg: PrivatePostgres,
  ) {
    super();
    this.natsUrl = nats.url;
  }

  override async setup(): Promise<void> {
    this.db = await createTestDatabase(this.pg.baseUrl);
    this.nc = await connectNats(this.natsUrl, `faults-${this.ns}`);
    await ensureTopology(this.nc, this.topo, { storage: 'file' });
    const keys = ensureHubKeys(this.dataDir);
    this.hubKey = keys.envelope;
    this.tokenKey = keys.token;
    this.gatewayPort = await freePort();
  }
}

export interface ServiceIncident {
  service: ServiceName;
  at: string;
  what: string;
  logs?: string[];
}

/**
 * Keeps the services running the way a supervisor (systemd Restart=always) would: a service that
 * cannot boot (NATS or PostgreSQL down) is started again a second later. Exits the chaos did not
 * cause are recorded as incidents: a service must ride out outages, not die of them.
 */
export class Supervisor {
  private readonly current = new Map<ServiceName, RunningService>();
  private readonly starting = new Map<ServiceName, Promise<void>>();
  private readonly killedByChaos = new WeakSet<RunningService>();
  private stopping = false;
  readonly incidents: ServiceIncident[] = [];
  readonly bootFailures: ServiceIncident[] = [];
  /** successful (re)starts per service */
  readonly starts = new Map<ServiceName, number>();
  /** how long each restart took, from kill to ready (ms) */
  readonly downtimes: Array<{ service: ServiceName; ms: number; attempts: number }> = [];

  constructor(
    private readonly hub: FaultHub,
    private readonly env: Partial<Record<ServiceName, Record<string, string>>> = {},
  ) {}

  isUp(name: ServiceName): boolean {
    const s = this.current.get(name);
    return !!s && s.child.exitCode === null && s.child.signalCode === null && !this.starting.has(name);
  }

  /** Starts a service, retrying every second until it is ready or `timeoutMs` has passed. */
  start(name: ServiceName, timeoutMs = 180_000, since = Date.now()): Promise<void> {
    const existing = this.starting.get(name);
    if (existing) return existing;
    const p = this.bootLoop(name, timeoutMs, since).finally(() => this.starting.delete(name));
    this.starting.set(name, p);
    return p;
  }

  private async bootLoop(name: ServiceName, timeoutMs: number, since: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    let attempts = 0;
    for (;;) {
      if (this.stopping) throw new Error(`${name} not started: the run is being torn down`);
      attempts++;
      try {
        const svc = await this.hub.start(name, this.env[name] ?? {}, 60_000);
        this.current.set(name, svc);
        this.starts.set(name, (this.starts.get(name) ?? 0) + 1);
        this.downtimes.push({ service: name, ms: Date.now() - since, attempts });
        void svc.exited.then((code) => this.onExit(name, svc, code));
        return;
      } catch (err) {
        const lines = (err as Error).message.split('\n');
        const reason = lines.find((l) => l.includes('failed to start')) ?? lines.filter(Boolean).pop() ?? 'boot failed';
        this.bootFailures.push({ service: name, at: new Date().toISOString(), what: reason, logs: lines.slice(-8) });
        if (this.stopping) throw err;
        if (Date.now() > deadline) throw new Error(`${name} did not come back within ${timeoutMs} ms after ${attempts} attempts: ${(err as Error).message}`);
        if (attempts === 1 || attempts % 10 === 0) say(`${name} boot attempt ${attempts} failed: ${reason.slice(0, 300)}; retrying`);
        await sleep(1_000);
      }
    }
  }

  private onExit(name: ServiceName, svc: RunningService, code: number | null): void {
    if (this.stopping || this.killedByChaos.has(svc)) return;
    this.incidents.push({
      service: name,
      at: new Date().toISOString(),
      what: `exited by itself (code ${code ?? svc.child.signalCode})`,
      logs: svc.logs.slice(-25),
    });
    say(`INCIDENT: ${name} exited by itself (code ${code}); restarting it`);
    if (this.current.get(name) === svc) void this.start(name).catch((err) => say(`${name} restart failed: ${(err as Error).message}`));
  }

  /** kill -9 once the service is up (waiting for a restart in progress), then restart it after `restartAfterMs`. */
  async killAndRestart(name: ServiceName, restartAfterMs: number): Promise<{ pid: number | undefined; restarted: Promise<void> }> {
    await this.starting.get(name)?.catch(() => undefined);
    const svc = this.current.get(name);
    const pid = svc?.child.pid;
    const killedAt = Date.now();
    if (svc) this.killedByChaos.add(svc);
    await this.hub.kill(name);
    const restarted = sleep(restartAfterMs).then(() => this.start(name, 180_000, killedAt));
    restarted.catch(() => undefined);
    return { pid, restarted };
  }

  /** Resolves once every service is up (restarts in progress finished). */
  async allUp(names: readonly ServiceName[]): Promise<void> {
    for (const n of names) {
      await this.starting.get(n);
      if (!this.isUp(n)) await this.start(n);
    }
  }

  logsOf(name: ServiceName): string[] {
    return this.current.get(name)?.logs ?? [];
  }

  /** Stops supervising (teardown kills the processes). */
  shutdown(): void {
    this.stopping = true;
  }
}
