import { topology } from '@lt/contracts';
import { openDataSource } from '@lt/database';
import { bootHubService, CallerVerifier, connectHub } from '@lt/messaging';
import { startObservability } from '@lt/observability';
import { createLogger, loadConfig, loadDossierSettings, loadOrCreateHubKey, runService } from '@lt/platform';
import { DossierModule } from './dossier.module';

/** Dossier process: dossiers in PostgreSQL, agencies from the registry's KV directory, request-reply and hub-signed notices over NATS. */
const log = createLogger('dossier');

void runService(log, async () => {
  const cfg = loadConfig();
  const settings = loadDossierSettings();
  // notices are hub-signed envelopes: the dossier service holds the envelope key only
  const hubKey = loadOrCreateHubKey(cfg.dataDir, 'envelope');
  // reads are answered for the caller of a verified token only; without a token key, none is
  const callers = CallerVerifier.fromDataDir(cfg.dataDir);
  if (!callers.hasKeys) log.warn({ dataDir: cfg.dataDir }, 'no hub token key in the data folder yet: reads are refused until there is one');
  const topo = topology(cfg.ns);
  const nc = await connectHub(cfg, 'lienthong-dossier');
  const ds = await openDataSource(cfg.databaseUrl);
  // before boot: a metrics port in use fails the start before anything is consumed
  const obs = await startObservability({ service: 'dossier', log, nc, ns: topo.ns, ds });
  const app = await bootHubService(
    DossierModule.forRoot({
      nc,
      ds,
      topology: topo,
      log,
      hubKey,
      callers,
      hubAgency: cfg.hubAgency,
      calendarDir: settings.calendarDir,
      proceduresFile: settings.proceduresFile,
      scanIntervalMs: settings.scanIntervalMs,
    }),
    { nc, log, topology: topo, service: 'dossier' },
  );
  return async () => {
    // first: the instance leaves `lienthong status` and its last spans are exported
    await obs.stop();
    await app.close();
    await nc.drain().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
  };
});
