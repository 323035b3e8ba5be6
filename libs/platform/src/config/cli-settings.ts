import type { Env } from './config-error';
import { readVariable } from './schema';

/** What the CLI reads from the environment (its command-line options take precedence). */
export interface CliSettings {
  /** LT_GATEWAY_URL, else http://127.0.0.1:<GATEWAY_PORT>; no trailing slash */
  gatewayUrl: string;
  /** LT_TOKEN; undefined: mint one from the hub key */
  token: string | undefined;
  /** LT_DATA_DIR, as written (the CLI resolves it against the working folder) */
  dataDir: string;
  /** NATS_URL */
  natsUrl: string;
  /** LT_NATS_SEED_FILE */
  natsSeedFile: string | undefined;
  /** LT_NATS_TLS_DIR */
  natsTlsDir: string | undefined;
  /** LT_NAMESPACE */
  ns: string;
}

/** Only the variables the CLI uses, so an unrelated service setting cannot stop it. */
export function loadCliSettings(env: Env = process.env): CliSettings {
  const gatewayUrl = readVariable(env, 'LT_GATEWAY_URL') ?? `http://127.0.0.1:${readVariable(env, 'GATEWAY_PORT')}`;
  return {
    gatewayUrl: gatewayUrl.replace(/\/$/, ''),
    token: readVariable(env, 'LT_TOKEN'),
    dataDir: readVariable(env, 'LT_DATA_DIR'),
    natsUrl: readVariable(env, 'NATS_URL'),
    natsSeedFile: readVariable(env, 'LT_NATS_SEED_FILE'),
    natsTlsDir: readVariable(env, 'LT_NATS_TLS_DIR'),
    ns: readVariable(env, 'LT_NAMESPACE'),
  };
}
