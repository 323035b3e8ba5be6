import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuPercent, parseProcStatTicks, parseProcStatusRss, parseSchedstatWait } from './stats';

/**
 * CPU and memory of the processes that make up the hub, read from /proc (Linux). A process that
 * cannot be read (gone, another host, not Linux) is reported as absent rather than failing the run.
 */

export interface TrackedProcess {
  /** label in the report, e.g. `router` or `nats-server (shared)` */
  name: string;
  pids: () => number[];
  /** run-queue wait of the first thread (node: the event loop; default) or of all threads (Go's nats-server) */
  waitOf?: 'main' | 'all-threads';
}

export interface ProcessUsage {
  name: string;
  /** % of one core over the interval (200% = both cores of a 2-core machine) */
  cpuPercent: number;
  /**
   * time its first thread (the event loop of a node service) was runnable but waiting for a CPU,
   * in % of the interval (/proc/<pid>/schedstat; summed over pids, e.g. database backends): high
   * values mean the machine, not the process, set the pace
   */
  runQueueWaitPercent: number;
  /** highest resident set size seen (summed over the process's pids) */
  peakRssBytes: number;
  /** false when /proc could not be read for it at all */
  measured: boolean;
}

let clockTicks: number | undefined;

/** Clock ticks per second (`getconf CLK_TCK`), 100 when it cannot be asked. */
export function clockTicksPerSecond(): number {
  if (clockTicks === undefined) {
    try {
      clockTicks = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
    } catch {
      clockTicks = 100;
    }
  }
  return clockTicks;
}

function readTicks(pid: number): number | undefined {
  try {
    return parseProcStatTicks(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Nanoseconds the process's first thread (a node service's event loop) spent runnable but waiting
 * for a CPU. Other threads (GC helpers, libuv pool) would inflate a sum without saying whether
 * the event loop itself was held up.
 */
function readRunQueueWait(pid: number, allThreads: boolean): number | undefined {
  try {
    if (!allThreads) return parseSchedstatWait(readFileSync(`/proc/${pid}/schedstat`, 'utf8'));
    let sum = 0;
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      try {
        sum += parseSchedstatWait(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8'));
      } catch {
        // thread gone meanwhile
      }
    }
    return sum;
  } catch {
    return undefined;
  }
}

function readRss(pid: number): number {
  try {
    return parseProcStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
  }
}

/** The command-line arguments of a process (empty when it cannot be read). */
export function processArgs(pid: number): string[] {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return [];
  }
}

/** pids whose /proc/<pid>/comm is `comm` and whose command line contains `needle` (when given). */
export function findProcesses(comm: string, needle?: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    try {
      if (readFileSync(`/proc/${e}/comm`, 'utf8').trim() !== comm) continue;
      if (needle && !readFileSync(`/proc/${e}/cmdline`, 'utf8').includes(needle)) continue;
      out.push(Number(e));
    } catch {
      // gone meanwhile
    }
  }
  return out;
}

/**
 * Samples the tracked processes every `everyMs` until stop(): CPU is the tick difference between
 * the first and the last sample of each pid (a pid that appears later counts from its first
 * sample, so a short-lived one is undercounted by up to one interval), peak RSS the highest sum seen.
 */
export function startSampling(processes: readonly TrackedProcess[], everyMs = 250): { stop(): ProcessUsage[] } {
  const started = performance.now();
  const first = new Map<string, Map<number, number>>();
  const last = new Map<string, Map<number, number>>();
  const peak = new Map<string, number>();
  const waitFirst = new Map<string, Map<number, number>>();
  const waitLast = new Map<string, Map<number, number>>();
  for (const p of processes) {
    first.set(p.name, new Map());
    last.set(p.name, new Map());
    peak.set(p.name, 0);
    waitFirst.set(p.name, new Map());
    waitLast.set(p.name, new Map());
  }
  const sample = () => {
    for (const p of processes) {
      let rss = 0;
      // asked at every sample: database backends come and go (pools close idle connections)
      for (const pid of p.pids()) {
        const t = readTicks(pid);
        if (t === undefined) continue;
        if (!first.get(p.name)!.has(pid)) first.get(p.name)!.set(pid, t);
        last.get(p.name)!.set(pid, t);
        rss += readRss(pid);
        const w = readRunQueueWait(pid, p.waitOf === 'all-threads');
        if (w !== undefined) {
          if (!waitFirst.get(p.name)!.has(pid)) waitFirst.get(p.name)!.set(pid, w);
          waitLast.get(p.name)!.set(pid, w);
        }
      }
      peak.set(p.name, Math.max(peak.get(p.name)!, rss));
    }
  };
  sample();
  const timer = setInterval(sample, everyMs);
  timer.unref();
  return {
    stop() {
      clearInterval(timer);
      sample();
      const wallMs = performance.now() - started;
      return processes.map((p) => {
        let ticks = 0;
        for (const [pid, t0] of first.get(p.name)!) ticks += (last.get(p.name)!.get(pid) ?? t0) - t0;
        let waitNs = 0;
        for (const [pid, w0] of waitFirst.get(p.name)!) waitNs += Math.max(0, (waitLast.get(p.name)!.get(pid) ?? w0) - w0);
        return {
          name: p.name,
          cpuPercent: cpuPercent(ticks, clockTicksPerSecond(), wallMs),
          runQueueWaitPercent: wallMs > 0 ? (waitNs / 1e6 / wallMs) * 100 : 0,
          peakRssBytes: peak.get(p.name)!,
          measured: first.get(p.name)!.size > 0,
        };
      });
    },
  };
}

/** The port a nats-server command line listens on (`-p N`, `--port N`, `--port=N`; 4222 by default). */
export function natsServerPort(args: readonly string[]): string {
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if ((a === '-p' || a === '--port' || a === '-port') && args[i + 1]) return args[i + 1]!;
    const m = /^--?(?:p|port)=(\d+)$/.exec(a);
    if (m) return m[1]!;
  }
  return '4222';
}
