import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { bootHubService, connectNats, ensureTopology } from '@lt/messaging';
import { createLogger, loadConfig, loadOrCreateHubKey, runService } from '@lt/platform';
import { AuditModule } from './audit.module';
import { LOG_KEYS } from './audit.tokens';
import type { LogKeys } from './checkpoint/log-keys';
import { loadAuditOptions } from './config';
import { LogWriter } from './use-cases/append-entries/log-writer';

/** Audit process: consumes every hub fact into the Merkle log in PostgreSQL and answers audit requests over NATS. */
const log = createLogger('audit');

void runService(log, async () => {
  const cfg = loadConfig();
  const options = loadAuditOptions(process.env, cfg.hubAgency);
  const topo = topology(cfg.ns);
  // no async stack traces: nats-core would otherwise build two Error objects per request (ackAck, publish)
  const nc = await connectNats(cfg.natsUrl, 'lienthong-audit', { noAsyncTraces: true });
  // idempotent: the audit can boot before (or without) npm start's setup step
  await ensureTopology(nc, topo, { inboxMaxAgeDays: cfg.inboxMaxAgeDays });
  // one connection is held by the writer (advisory lock), the rest serve queries
  const ds = await openDataSource(cfg.databaseUrl, { extra: { max: 8, application_name: 'lienthong-audit' } });
  const module = AuditModule.forRoot({ nc, ds, topology: topo, log, hubKey: loadOrCreateHubKey(cfg.dataDir), options });
  const app = await bootHubService(module, { nc, log, topology: topo, service: 'audit' });
  const vkey = app.get<LogKeys>(LOG_KEYS).vkey;
  log.info({ origin: options.origin, vkey, writer: app.get(LogWriter).isWriter, receipts: options.receipts }, 'audit log ready');
  return async () => {
    await app.close();
    await nc.drain();
    await ds.destroy();
  };
});
