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

export class Supervisor {
  private readonly children = new Map<string, ChildProcess>();
  private stopping = false;
  private readonly width: number;

  constructor(
    private readonly specs: ServiceSpec[],
    private readonly baseEnv: Record<string, string>,
  ) {
    this.width = Math.max(...specs.map((s) => s.name.length));
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
    const prefix = `\x1b[${color}m${spec.name.padEnd(this.width)} |\x1b[0m `;
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (l) => process.stdout.write(prefix + prettyLine(l) + '\n'));
    }
    child.on('exit', (code, signal) => {
      this.children.delete(spec.name);
      if (this.stopping) return;
      const delay = Math.min(30_000, 500 * 2 ** Math.min(restarts, 6));
      process.stdout.write(`${prefix}exited (${signal ?? code}); restarting in ${delay} ms\n`);
      setTimeout(() => this.start(spec, color, restarts + 1), delay).unref();
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
