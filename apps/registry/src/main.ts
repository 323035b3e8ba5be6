import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { bootHubService, CallerVerifier, connectHub, ensureTopology } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createLogger, loadConfig, runService, loadStreamSettings } from '@lt/platform';
import { RegistryModule } from './registry.module';
import { newReplicaId } from './use-cases/import-agencies/import-agencies.use-case';

/** Registry process: PostgreSQL is the source of truth, NATS carries its events, KV mirror and request-reply. */
const log = createLogger('registry');

void runService(log, async () => {
  const config = loadConfig();
  const topo = topology(config.ns);
  const nc = await connectHub(config, 'lienthong-registry');
  // idempotent: the streams and the bucket exist before the first change is published
  await ensureTopology(nc, topo, { ...loadStreamSettings(), onNote: (note) => log.warn(note) });
  const ds = await openDataSource(config.databaseUrl, { extra: { max: 10, application_name: 'lienthong-registry' } });
  const replicaId = newReplicaId();
  // writes are refused until a token key is there (npm start makes it before the services start)
  const callers = CallerVerifier.fromDataDir(config.dataDir);
  if (!callers.hasKeys) log.warn({ dataDir: config.dataDir }, 'no hub token key in the data folder yet: writes are refused until there is one');
  // before boot: a metrics port in use fails the start before anything is consumed
  const obs = await startObservability({ service: 'registry', instance: replicaId, log, nc, ns: topo.ns, ds });
  const app = await bootHubService(RegistryModule.forRoot({ ds, nc, topology: topo, log, replicaId, callers }), { nc, log, topology: topo, service: 'registry', replicaId });
  return async () => {
    // first: the instance leaves `lienthong status` and its last spans are exported
    await obs.stop();
    await app.close();
    await nc.drain();
    await ds.destroy();
  };
});
