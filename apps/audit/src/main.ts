import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { connectNats, ensureTopology } from '@lt/messaging';
import { createLogger, loadConfig, loadOrCreateHubKey, runService } from '@lt/platform';
import { loadAuditOptions } from './config';
import { createAuditService } from './index';

const log = createLogger('audit');

void runService(log, async () => {
  const cfg = loadConfig();
  const options = loadAuditOptions(process.env, cfg.hubAgency);
  // no async stack traces: nats-core would otherwise build two Error objects per request (ackAck, publish)
  const nc = await connectNats(cfg.natsUrl, 'lienthong-audit', { noAsyncTraces: true });
  // idempotent: the audit can boot before (or without) npm start's setup step
  await ensureTopology(nc, topology(cfg.ns), { inboxMaxAgeDays: cfg.inboxMaxAgeDays });
  // one connection is held by the writer (advisory lock), the rest serve queries
  const ds = await openDataSource(cfg.databaseUrl, { extra: { max: 8, application_name: 'lienthong-audit' } });
  const audit = createAuditService({ nc, ds, ns: cfg.ns, log, hubKey: loadOrCreateHubKey(cfg.dataDir), options });
  await audit.start();
  log.info({ origin: options.origin, vkey: audit.keys.vkey, writer: audit.isWriter, receipts: options.receipts }, 'audit log ready');
  return async () => {
    await audit.stop();
    await nc.drain();
    await ds.destroy();
  };
});
