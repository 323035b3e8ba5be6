import type { ServiceName } from '../../support/hub-harness';
import type { Supervisor } from './fault-hub';
import type { RestartableNats } from './private-nats';
import type { PrivatePostgres } from './private-postgres';
import { say, seededRandom, sleep } from './progress';

export type ChaosAction =
  | { kind: 'kill'; service: Extract<ServiceName, 'router' | 'audit' | 'registry'>; restartAfterMs: number }
  | { kind: 'nats-restart'; downMs: number }
  | { kind: 'pg-stop'; downMs: number };

export interface ChaosStep {
  /** planned moment, ms after the load started */
  atMs: number;
  action: ChaosAction;
}

export interface ChaosLogEntry {
  plannedMs: number;
  /** when it actually happened (a kill waits for a restart of the same service in progress) */
  actualMs: number;
  what: string;
  /** wall clock of the fault, to read logs against */
  atIso: string;
  /** when the victim was back (ms after the load started), once known */
  backMs?: number;
}

export interface ChaosPlan {
  /** kills per service */
  kills: number;
  /** PostgreSQL stop length */
  pgDownMs: number;
}

/**
 * Random moments within the load window, from a seed (printed, so a failing schedule can be run
 * again with FAULTS_SEED): `kills` kill -9's each of router, audit and registry, restarted 0.2-3 s
 * later; one NATS kill -9 + restart on the same store in the middle third; one PostgreSQL stop of
 * `pgDownMs` that ends before the window does.
 */
export function chaosSchedule(seed: number, windowMs: number, plan: ChaosPlan): ChaosStep[] {
  const rnd = seededRandom(seed);
  const between = (lo: number, hi: number) => Math.round(lo + rnd() * (hi - lo));
  const steps: ChaosStep[] = [];
  for (const service of ['router', 'audit', 'registry'] as const) {
    for (let i = 0; i < plan.kills; i++) {
      steps.push({ atMs: between(0.05 * windowMs, 0.95 * windowMs), action: { kind: 'kill', service, restartAfterMs: between(200, 3_000) } });
    }
  }
  steps.push({ atMs: between(0.33 * windowMs, 0.66 * windowMs), action: { kind: 'nats-restart', downMs: between(500, 3_000) } });
  steps.push({ atMs: between(0.1 * windowMs, Math.max(0.1 * windowMs, windowMs - plan.pgDownMs)), action: { kind: 'pg-stop', downMs: plan.pgDownMs } });
  return steps.sort((a, b) => a.atMs - b.atMs);
}

export function describeStep(s: ChaosStep): string {
  const a = s.action;
  const at = `t+${(s.atMs / 1000).toFixed(1)}s`;
  if (a.kind === 'kill') return `${at} kill -9 ${a.service}, restart after ${a.restartAfterMs} ms`;
  if (a.kind === 'nats-restart') return `${at} kill -9 nats-server, restart on the same store after ${a.downMs} ms`;
  return `${at} stop PostgreSQL (pg_ctl -m fast) for ${a.downMs / 1000} s`;
}

/** Runs a schedule against the private servers and the supervised services. */
export class ChaosRunner {
  readonly log: ChaosLogEntry[] = [];
  private readonly recoveries: Promise<void>[] = [];
  natsDownMs = 0;
  pgDownMs = 0;

  constructor(
    private readonly sup: Supervisor,
    private readonly nats: RestartableNats,
    private readonly pg: PrivatePostgres,
    /** awaited right before the NATS kill and right after it is back (e.g. to snapshot consumer state) */
    private readonly natsHooks: { beforeKill?: () => Promise<void>; afterStart?: () => Promise<void> } = {},
  ) {}

  /** Executes the steps at their moments (t0 = start of the load); resolves once every victim is back. */
  async run(steps: readonly ChaosStep[], t0: number): Promise<void> {
    for (const step of steps) {
      const wait = t0 + step.atMs - Date.now();
      if (wait > 0) await sleep(wait);
      await this.perform(step, t0);
    }
    await Promise.all(this.recoveries);
  }

  private async perform(step: ChaosStep, t0: number): Promise<void> {
    const a = step.action;
    const entry: ChaosLogEntry = { plannedMs: step.atMs, actualMs: 0, what: '', atIso: '' };
    this.log.push(entry);
    const back = () => {
      entry.backMs = Date.now() - t0;
    };
    if (a.kind === 'kill') {
      const { pid, restarted } = await this.sup.killAndRestart(a.service, a.restartAfterMs);
      entry.actualMs = Date.now() - t0;
      entry.what = `kill -9 ${a.service} (pid ${pid}), restart after ${a.restartAfterMs} ms`;
      this.recoveries.push(restarted.then(back));
    } else if (a.kind === 'nats-restart') {
      const pid = this.nats.pid;
      await this.natsHooks.beforeKill?.().catch((err) => say(`before-kill hook failed: ${(err as Error).message}`));
      const down = Date.now();
      await this.nats.kill9();
      entry.actualMs = Date.now() - t0;
      entry.what = `kill -9 nats-server (pid ${pid}), restart after ${a.downMs} ms`;
      this.recoveries.push(
        sleep(a.downMs)
          .then(() => this.nats.start())
          .then(async () => {
            this.natsDownMs = Date.now() - down;
            back();
            await this.natsHooks.afterStart?.().catch((err) => say(`after-start hook failed: ${(err as Error).message}`));
          }),
      );
    } else {
      const down = Date.now();
      await this.pg.stop();
      entry.actualMs = Date.now() - t0;
      entry.what = `PostgreSQL stopped (fast), start after ${a.downMs / 1000} s`;
      this.recoveries.push(
        sleep(Math.max(0, a.downMs - (Date.now() - down)))
          .then(() => this.pg.start())
          .then(() => {
            this.pgDownMs = Date.now() - down;
            back();
          }),
      );
    }
    entry.atIso = new Date(t0 + entry.actualMs).toISOString();
    say(`CHAOS ${entry.what} (planned t+${(step.atMs / 1000).toFixed(1)}s, at t+${(entry.actualMs / 1000).toFixed(1)}s)`);
  }
}
