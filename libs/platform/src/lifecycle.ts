import type { Logger } from 'pino';

/**
 * Runs a service's main until SIGINT/SIGTERM, then its shutdown, once. A failure at boot exits 1
 * with the reason on one line, so a supervisor (npm start, systemd, Kubernetes) sees why.
 */
export async function runService(log: Logger, main: () => Promise<() => Promise<void>>): Promise<void> {
  let stop: (() => Promise<void>) | undefined;
  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'stopping');
    try {
      await stop?.();
    } catch (err) {
      log.error({ err }, 'error while stopping');
    }
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('unhandledRejection', (err) => log.error({ err }, 'unhandled rejection'));
  try {
    stop = await main();
    log.info('ready');
  } catch (err) {
    log.fatal({ err: err instanceof Error ? { message: err.message, stack: err.stack } : err }, 'failed to start');
    console.error(`failed to start: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
