import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

/**
 * Runs each service as its own process with readable prefixed logs, and restarts a service that
 * dies (with backoff), the way systemd or Kubernetes would in production.
 */
const COLORS = [36, 33, 35, 32, 34, 91];
const LEVELS: Record<number, string> = { 10: 'TRACE', 20: 'DEBUG', 30: 'INFO ', 40: 'WARN ', 50: 'ERROR', 60: 'FATAL' };

export function prettyLine(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const { level, time, msg, pid: _p, hostname: _h, service: _s, name: _n, ...rest } = o;
    void _p;
    void _h;
    void _s;
    void _n;
    const t = typeof time === 'string' ? time.slice(11, 23) : '';
    const fields = Object.entries(rest)
      .map(([k, v]) => `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(' ');
    return `${t} ${LEVELS[level as number] ?? String(level)} ${String(msg ?? '')}${fields ? '  ' + fields : ''}`;
  } catch {
    return line;
  }
}

export interface ServiceSpec {
  name: string;
  script: string;
  env?: Record<string, string>;
}

export interface SupervisorOptions {
  /** where a service's log lines go; default: stdout, prefixed with its coloured name and made readable */
  output?: (name: string, line: string) => void;
}

export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  /** services whose current process logged `ready`, and who waits for that */
  private readonly readyNow = new Set<string>();
  private readonly readyWaiters = new Map<string, Array<() => void>>();
  /** restart delay of a service killed on purpose (kill9), instead of the backoff */
  private readonly nextDelay = new Map<string, number>();
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly specs: ServiceSpec[],
    private readonly baseEnv: Record<string, string>,
    private readonly opts: SupervisorOptions = {},
  ) {
    this.width = Math.max(...specs.map((s) => s.name.length));
  }

  /** pid of the service's current process */
  pid(name: string): number | undefined {
    return this.children.get(name)?.pid;
  }

  /** Resolves once the service's current (or next) process logs `ready`. */
  ready(name: string, timeoutMs = 60_000): Promise<void> {
    if (this.readyNow.has(name)) return Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`${name} not ready within ${timeoutMs} ms`)), timeoutMs);
      const list = this.readyWaiters.get(name) ?? [];
      list.push(() => {
        clearTimeout(timer);
        resolve();
      });
      this.readyWaiters.set(name, list);
    });
  }

  /** kill -9 of the service's current process (fault tests); it is started again after `restartAfterMs`. Returns the killed pid. */
  kill9(name: string, restartAfterMs: number): number | undefined {
    const child = this.children.get(name);
    if (!child) return undefined;
    this.nextDelay.set(name, restartAfterMs);
    this.readyNow.delete(name);
    child.kill('SIGKILL');
    return child.pid;
  }

  startAll(): void {
    this.specs.forEach((s, i) => this.start(s, COLORS[i % COLORS.length]!, 0));
  }

  private start(spec: ServiceSpec, color: number, restarts: number): void {
    const child = spawn(process.execPath, [spec.script], {
      env: { ...process.env, ...this.baseEnv, ...spec.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.children.set(spec.name, child);
    this.readyNow.delete(spec.name);
    const prefix = `\x1b[${color}m${spec.name.padEnd(this.width)} |\x1b[0m `;
    const output = this.opts.output ?? ((_name: string, l: string) => process.stdout.write(prefix + prettyLine(l) + '\n'));
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (l) => {
        if (!this.readyNow.has(spec.name) && this.children.get(spec.name) === child && /"msg":"ready"/.test(l)) {
          this.readyNow.add(spec.name);
          for (const done of this.readyWaiters.get(spec.name)?.splice(0) ?? []) done();
        }
        output(spec.name, l);
      });
    }
    child.on('exit', (code, signal) => {
      if (this.children.get(spec.name) === child) {
        this.children.delete(spec.name);
        this.readyNow.delete(spec.name);
      }
      if (this.stopping) return;
      const delay = this.nextDelay.get(spec.name) ?? Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      this.nextDelay.delete(spec.name);
      output(spec.name, `exited (${signal ?? code}); restarting in ${delay} ms`);
      setTimeout(() => {
        // stopAll during the delay: nothing to start any more
        if (!this.stopping) this.start(spec, color, restarts + 1);
      }, delay).unref();
    });
  }

  async stopAll(): Promise<void> {
    this.stopping = true;
    const waits = [...this.children.values()].map(
      (c) =>
        new Promise<void>((r) => {
          c.once('exit', () => r());
          c.kill('SIGTERM');
          setTimeout(() => {
            c.kill('SIGKILL');
            r();
          }, 8_000).unref();
        }),
    );
    await Promise.all(waits);
  }
}
