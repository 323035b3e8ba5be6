import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { bootHubService, connectHub, ensureTopology } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createLogger, loadConfig, loadHubPublicKeys, loadOrCreateHubKey, runService, loadStreamSettings } from '@lt/platform';
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
  const nc = await connectHub(cfg, 'lienthong-audit');
  // idempotent: the audit can boot before (or without) npm start's setup step
  await ensureTopology(nc, topo, { ...loadStreamSettings(), onNote: (note) => log.warn(note) });
  // one connection is held by the writer (advisory lock), the rest serve queries
  const ds = await openDataSource(cfg.databaseUrl, { extra: { max: 8, application_name: 'lienthong-audit' } });
  // checkpoints with the checkpoint key, receipts (hub-signed envelopes) with the envelope key
  const checkpointKey = loadOrCreateHubKey(cfg.dataDir, 'checkpoint');
  const receiptKey = loadOrCreateHubKey(cfg.dataDir, 'envelope');
  const earlierCheckpointKeys = loadHubPublicKeys(cfg.dataDir, 'checkpoint').filter((k) => k.status === 'retired');
  const module = AuditModule.forRoot({ nc, ds, topology: topo, log, checkpointKey, receiptKey, earlierCheckpointKeys, options });
  // before boot: a metrics port in use fails the start before anything is consumed
  const obs = await startObservability({ service: 'audit', log, nc, ns: topo.ns, ds });
  const app = await bootHubService(module, { nc, log, topology: topo, service: 'audit' });
  const vkey = app.get<LogKeys>(LOG_KEYS).vkey;
  log.info({ origin: options.origin, vkey, writer: app.get(LogWriter).isWriter, receipts: options.receipts }, 'audit log ready');
  return async () => {
    // first: the instance leaves `lienthong status` and its last spans are exported
    await obs.stop();
    await app.close();
    await nc.drain();
    await ds.destroy();
  };
});
