import { connectNats } from '@lt/messaging';
import { openDataSource } from '@lt/database';
import { createLogger, loadConfig, loadOrCreateHubKey, runService } from '@lt/platform';
import { createDossierService, loadDossierSettings } from './index';

const log = createLogger('dossier');

void runService(log, async () => {
  const cfg = loadConfig();
  const settings = loadDossierSettings();
  const hubKey = loadOrCreateHubKey(cfg.dataDir);
  const nc = await connectNats(cfg.natsUrl, 'lienthong-dossier');
  const ds = await openDataSource(cfg.databaseUrl);
  const service = createDossierService({
    nc,
    ds,
    ns: cfg.ns,
    log,
    hubKey,
    hubAgency: cfg.hubAgency,
    calendarDir: settings.calendarDir,
    proceduresFile: settings.proceduresFile,
    scanIntervalMs: settings.scanIntervalMs,
  });
  await service.start();
  return async () => {
    await service.stop();
    await nc.drain().catch(() => undefined);
    await ds.destroy().catch(() => undefined);
  };
});
