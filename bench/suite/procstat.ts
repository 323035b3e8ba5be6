import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { cpuPercent, parseProcStatTicks, parseProcStatusRss } from './stats';

/**
 * CPU and memory of the processes that make up the hub, read from /proc (Linux). A process that
 * cannot be read (gone, another host, not Linux) is reported as absent rather than failing the run.
 */

export interface TrackedProcess {
  /** label in the report, e.g. `router` or `nats-server (shared)` */
  name: string;
  pids: () => number[];
}

export interface ProcessUsage {
  name: string;
  /** % of one core over the interval (200% = both cores of a 2-core machine) */
  cpuPercent: number;
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

function readRss(pid: number): number {
  try {
    return parseProcStatusRss(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return 0;
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
 * sample), peak RSS the highest sum seen.
 */
export function startSampling(processes: readonly TrackedProcess[], everyMs = 250): { stop(): ProcessUsage[] } {
  const started = performance.now();
  const first = new Map<string, Map<number, number>>();
  const last = new Map<string, Map<number, number>>();
  const peak = new Map<string, number>();
  const pidsOf = new Map<string, number[]>();
  for (const p of processes) {
    first.set(p.name, new Map());
    last.set(p.name, new Map());
    peak.set(p.name, 0);
    pidsOf.set(p.name, p.pids());
  }
  const sample = () => {
    for (const p of processes) {
      let rss = 0;
      for (const pid of pidsOf.get(p.name)!) {
        const t = readTicks(pid);
        if (t === undefined) continue;
        if (!first.get(p.name)!.has(pid)) first.get(p.name)!.set(pid, t);
        last.get(p.name)!.set(pid, t);
        rss += readRss(pid);
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
        return {
          name: p.name,
          cpuPercent: cpuPercent(ticks, clockTicksPerSecond(), wallMs),
          peakRssBytes: peak.get(p.name)!,
          measured: first.get(p.name)!.size > 0,
        };
      });
    },
  };
}
