import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { connectNats, ensureTopology } from '@lt/messaging';
import { createLogger, loadConfig, loadOrCreateHubKey, runService } from '@lt/platform';
import { loadRouterConfig } from './config';
import { createRouterService } from './index';

const log = createLogger('router');

void runService(log, async () => {
  const cfg = loadConfig();
  const rc = loadRouterConfig();
  // no async stack trace per request: capturing one costs about 8% of the router's CPU at full load
  const nc = await connectNats(cfg.natsUrl, 'lienthong-router', { noAsyncTraces: true });
  const ds = await openDataSource(cfg.databaseUrl, { extra: { max: 4, application_name: 'lienthong-router' } });
  // idempotent: the router can boot before (or without) npm start's setup step
  await ensureTopology(nc, topology(cfg.ns), { inboxMaxAgeDays: cfg.inboxMaxAgeDays });
  const router = createRouterService({
    nc,
    ds,
    ns: cfg.ns,
    log,
    hubKey: loadOrCreateHubKey(cfg.dataDir),
    hubAgency: cfg.hubAgency,
    ...(rc.denyPolicy ? { policy: rc.denyPolicy } : {}),
    options: { maxBatch: rc.maxBatch, lingerMs: rc.lingerMs, maxDeliver: rc.maxDeliver, verify: rc.verify, poolThreshold: rc.poolThreshold, ackWaitMs: rc.ackWaitMs },
  });
  await router.start();
  if (rc.denyPolicy) log.info({ rules: rc.denyPolicy.size }, 'routing deny rules loaded');
  return async () => {
    await router.stop();
    await nc.drain();
    await ds.destroy();
  };
});
