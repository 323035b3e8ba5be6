import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { connectNats, ensureTopology } from '@lt/messaging';
import { createLogger, loadConfig, runService } from '@lt/platform';
import { createRegistryService } from './registry.service';

/** Registry process: PostgreSQL is the source of truth, NATS carries its events, KV mirror and request-reply. */
const log = createLogger('registry');

void runService(log, async () => {
  const config = loadConfig();
  const nc = await connectNats(config.natsUrl, 'registry');
  // idempotent: the streams and the bucket exist before the first change is published
  await ensureTopology(nc, topology(config.ns), { inboxMaxAgeDays: config.inboxMaxAgeDays });
  const ds = await openDataSource(config.databaseUrl, { extra: { max: 10, application_name: 'lienthong-registry' } });
  const service = createRegistryService({ ds, nc, ns: config.ns, log });
  await service.start();
  return async () => {
    await service.stop();
    await nc.drain();
    await ds.destroy();
  };
});
