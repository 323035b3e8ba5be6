import 'reflect-metadata';
import { createLogger, loadConfig } from '@lt/platform';
import { startObservability } from '@lt/observability';
import { createGatewayApp } from './app';

async function main(): Promise<void> {
  const log = createLogger('gateway');
  const cfg = loadConfig();
  const app = await createGatewayApp();
  await app.listen(cfg.gatewayPort, cfg.gatewayHost);
  log.info({ url: `http://${cfg.gatewayHost}:${cfg.gatewayPort}` }, 'gateway listening');
  await startObservability({ service: 'gateway', log });
}

main().catch((err) => {
   
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
