import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { bootHubService, connectHub } from '@lt/messaging';
import { createLogger, loadConfig, loadDossierSettings, loadOrCreateHubKey, runService } from '@lt/platform';
import { DossierModule } from './dossier.module';

/** Dossier process: dossiers in PostgreSQL, agencies from the registry's KV directory, request-reply and hub-signed notices over NATS. */
const log = createLogger('dossier');

void runService(log, async () => {
  const cfg = loadConfig();
  const settings = loadDossierSettings();
  // notices are hub-signed envelopes: the dossier service holds the envelope key only
  const hubKey = loadOrCreateHubKey(cfg.dataDir, 'envelope');
  const topo = topology(cfg.ns);
  const nc = await connectHub(cfg, 'lienthong-dossier');
  const ds = await openDataSource(cfg.databaseUrl);
  const app = await bootHubService(
    DossierModule.forRoot({
      nc,
      ds,
      topology: topo,
      log,
      hubKey,
      hubAgency: cfg.hubAgency,
      calendarDir: settings.calendarDir,
      proceduresFile: settings.proceduresFile,
      scanIntervalMs: settings.scanIntervalMs,
    }),
    { nc, log, topology: topo, service: 'dossier' },
  );
  return async () => {
    await app.close();
    await nc.drain().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
  };
});
