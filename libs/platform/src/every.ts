import type { Logger } from 'pino';

/** A task started by every(). */
export interface PeriodicTask {
  /** No run starts any more; resolves once the run in progress, if any, has settled. */
  stop(): Promise<void>;
}

export interface EveryOptions {
  /** names the task in the failure log */
  name: string;
  log: Logger;
}

/**
 * Runs `task` now, then every `ms`, never two runs at once: a tick that finds the previous run
 * still going is skipped. A failure is logged and the next tick runs as usual. The timer is
 * unref'd, so it never keeps the process alive on its own. `ms <= 0` runs nothing (the caller
 * triggers the task itself, as tests do).
 */
export function every(ms: number, task: () => Promise<unknown>, o: EveryOptions): PeriodicTask {
  if (ms <= 0) return { stop: async () => undefined };
  let running: Promise<void> | undefined;
  let stopped = false;
  const tick = () => {
    if (running || stopped) return;
    const run = (async () => {
      try {
        await task();
      } catch (err) {
        o.log.error({ err, task: o.name }, 'periodic task failed');
      }
    })();
    running = run;
    // cleared asynchronously, so even a task that throws before its first await is cleared after this line
    void run.finally(() => {
      running = undefined;
    });
  };
  const timer = setInterval(tick, ms);
  timer.unref();
  tick();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await running;
    },
  };
}
