import { topology } from '@lt/contracts';
import { HubSigner } from '@lt/crypto';
import { openDataSource } from '@lt/database';
import { bootHubService, connectHub, ensureTopology } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createLogger, loadConfig, loadHubPublicKeys, loadOrCreateHubKey, loadStreamSettings, runService } from '@lt/platform';
import { loadRouterConfig } from './config';
import { RouterModule } from './router.module';

const log = createLogger('router');

void runService(log, async () => {
  const cfg = loadConfig();
  const { denyPolicy, ...settings } = loadRouterConfig();
  const topo = topology(cfg.ns);
  // no async stack trace per request: capturing one costs about 8% of the router's CPU at full load
  const nc = await connectHub(cfg, 'lienthong-router');
  const ds = await openDataSource(cfg.databaseUrl, { extra: { max: 4, application_name: 'lienthong-router' } });
  // idempotent: the router can boot before (or without) npm start's setup step
  await ensureTopology(nc, topo, { ...loadStreamSettings(), onNote: (note) => log.warn(note) });
  // before boot: a metrics port in use fails the start before anything is consumed
  const obs = await startObservability({ service: 'router', log, nc, ns: topo.ns, ds });
  const router = RouterModule.forRoot({
    nc,
    ds,
    topology: topo,
    log,
    // the router holds the envelope key only; it publishes every public hub key of the data folder
    signer: new HubSigner(loadOrCreateHubKey(cfg.dataDir, 'envelope')),
    publishedKeys: loadHubPublicKeys(cfg.dataDir),
    hubAgency: cfg.hubAgency,
    ...(denyPolicy ? { policy: denyPolicy } : {}),
    options: settings,
  });
  const app = await bootHubService(router, { nc, log, topology: topo, service: 'router' });
  if (denyPolicy) log.info({ rules: denyPolicy.size }, 'routing deny rules loaded');
  return async () => {
    // first: the instance leaves `lienthong status` and its last spans are exported
    await obs.stop();
    await app.close();
    await nc.drain();
    await ds.destroy();
  };
});
