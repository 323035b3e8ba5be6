/**
 * Progress lines and small helpers shared by the fault tests. Progress goes straight to stderr
 * (Jest buffers console.* and prints stack locations with each line).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const started = Date.now();

export function say(msg: string): void {
  process.stderr.write(`[faults +${((Date.now() - started) / 1000).toFixed(1).padStart(6)}s] ${msg}\n`);
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** mulberry32: a small seeded PRNG, so a chaos schedule can be replayed from its seed. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A positive integer from the environment, or the fallback. */
export function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0) throw new Error(`${name} must be a positive integer (got ${JSON.stringify(raw)})`);
  return n;
}

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export function latencySummary(samples: readonly number[]): { n: number; p50: number; p95: number; max: number; mean: number } {
  const s = [...samples].sort((a, b) => a - b);
  const r = (x: number) => Math.round(x * 10) / 10;
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p95: r(percentile(s, 95)),
    max: r(s[s.length - 1] ?? Number.NaN),
    mean: r(s.reduce((a, b) => a + b, 0) / (s.length || 1)),
  };
}

/** Cleanup steps to run once whatever happens (afterAll, and process exit as a last resort). */
export class Cleanup {
  private readonly steps: Array<{ what: string; run: () => Promise<void> | void }> = [];
  private readonly syncSteps: Array<() => void> = [];
  private readonly onExit = () => {
    for (const s of this.syncSteps.splice(0).reverse()) {
      try {
        s();
      } catch {
        // best effort at exit
      }
    }
  };

  constructor() {
    process.once('exit', this.onExit);
  }

  /** `run` in afterAll (last added runs first); `atExit` synchronously if the process exits before that. */
  add(what: string, run: () => Promise<void> | void, atExit?: () => void): void {
    this.steps.push({ what, run });
    if (atExit) this.syncSteps.push(atExit);
  }

  async runAll(): Promise<void> {
    for (const s of this.steps.splice(0).reverse()) {
      try {
        await s.run();
      } catch (err) {
        say(`cleanup "${s.what}" failed: ${(err as Error).message}`);
      }
    }
    this.syncSteps.length = 0;
    process.removeListener('exit', this.onExit);
  }
}

/** Writes a run's report as JSON into FAULTS_REPORT_DIR when it is set (CI artefacts); returns the path. */
export function saveReport(name: string, report: unknown): string | undefined {
  const dir = process.env.FAULTS_REPORT_DIR;
  if (!dir) return undefined;
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `${name}.json`);
  writeFileSync(file, JSON.stringify(report, null, 2));
  return file;
}
