#!/usr/bin/env node
import { join } from 'node:path';
import { existsSync } from 'node:fs';
import { runConnector, loadConnectorSettings } from '@lt/connector';
import { agencyConnectionOptions, natsTlsOptions, readSeedFile } from '@lt/messaging';
import { ConfigError, createLogger, keyPaths, loadConfig, runService } from '@lt/platform';

/**
 * Agency connector process (`lienthong-connector`, or `lienthong connector --as`): configured by
 * the environment (LT_CONNECTOR_*, NATS_URL, LT_NATS_SEED_FILE ...).
 */
const log = createLogger('connector');

void runService(log, async () => {
  const settings = loadConnectorSettings();
  const cfg = loadConfig();
  const agencyCode = settings.agencyCode;
  if (!agencyCode) throw new ConfigError('LT_CONNECTOR_AGENCY', 'is required: the agency this connector acts for');
  const seedFile = cfg.natsSeedFile ?? defaultFile(join(settings.dataDir, 'nats-seeds', `${agencyCode}.nk`));
  const keyFile = settings.keyFile ?? keyPaths.agency(settings.dataDir, agencyCode);
  const running = await runConnector({
    agencyCode,
    settings,
    hub: {
      natsUrl: cfg.natsUrl,
      natsOptions: { ...(seedFile ? agencyConnectionOptions(agencyCode, readSeedFile(seedFile).seed) : {}), ...natsTlsOptions(cfg.natsTlsDir) },
      keyFile,
      ns: cfg.ns,
    },
    log,
  });
  return running.stop;
});

function defaultFile(path: string): string | undefined {
  return existsSync(path) ? path : undefined;
}
