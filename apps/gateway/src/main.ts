import 'reflect-metadata';
import { createLogger, loadConfig } from '@lt/platform';
import type { Topology } from '@lt/contracts';
import { NATS_CONNECTION, TOPOLOGY, type NatsConnection } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createGatewayApp } from './app';

async function main(): Promise<void> {
  const log = createLogger('gateway');
  const cfg = loadConfig();
  const app = await createGatewayApp({ log });
  // on its own NATS connection the gateway answers the status request like every service, from
  // before it listens: its first /health finds itself
  await startObservability({ service: 'gateway', log, nc: app.get<NatsConnection>(NATS_CONNECTION), ns: app.get<Topology>(TOPOLOGY).ns });
  await app.listen(cfg.gatewayPort, cfg.gatewayHost);
  log.info({ url: `http://${cfg.gatewayHost}:${cfg.gatewayPort}` }, 'gateway listening');
}

main().catch((err) => {
   
  console.error(`gateway failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
