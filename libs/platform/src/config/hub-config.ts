import type { Env } from './config-error';
import { readVariable } from './schema';

/** Hub-wide settings, validated once at boot. Defaults are the local ones `npm start` uses. */
export interface HubConfig {
  /** NATS_URL */
  natsUrl: string;
  /** LT_NATS_SEED_FILE: nkey seed this process connects with; undefined: no credentials */
  natsSeedFile: string | undefined;
  /** LT_NATS_TLS_DIR: folder with ca.pem; undefined: plain TCP */
  natsTlsDir: string | undefined;
  /** DATABASE_URL */
  databaseUrl: string;
  /** LT_NAMESPACE: namespace of subjects/streams/buckets; `lt` in production, a random one in tests */
  ns: string;
  /** GATEWAY_PORT */
  gatewayPort: number;
  /** GATEWAY_HOST */
  gatewayHost: string;
  /** LT_DATA_DIR: folder holding the hub key and generated demo keys */
  dataDir: string;
  /** LT_INBOX_MAX_AGE_DAYS */
  inboxMaxAgeDays: number;
  /** LOG_LEVEL */
  logLevel: string;
  /** LT_HUB_AGENCY: agency code of the hub operator, `from` of hub-signed envelopes */
  hubAgency: string;
}

/** Nest injection token of the loaded HubConfig: `{ provide: HUB_CONFIG, useFactory: () => loadConfig() }`. */
export const HUB_CONFIG = Symbol('HUB_CONFIG');

/** Reads and validates the hub-wide variables; a wrong value throws ConfigError naming it. */
export function loadConfig(env: Env = process.env): HubConfig {
  return {
    natsUrl: readVariable(env, 'NATS_URL'),
    natsSeedFile: readVariable(env, 'LT_NATS_SEED_FILE'),
    natsTlsDir: readVariable(env, 'LT_NATS_TLS_DIR'),
    databaseUrl: readVariable(env, 'DATABASE_URL'),
    ns: readVariable(env, 'LT_NAMESPACE'),
    gatewayPort: readVariable(env, 'GATEWAY_PORT'),
    gatewayHost: readVariable(env, 'GATEWAY_HOST'),
    dataDir: readVariable(env, 'LT_DATA_DIR'),
    inboxMaxAgeDays: readVariable(env, 'LT_INBOX_MAX_AGE_DAYS'),
    hubAgency: readVariable(env, 'LT_HUB_AGENCY'),
    logLevel: readVariable(env, 'LOG_LEVEL'),
  };
}
