import { isAbsolute, join, resolve } from 'node:path';
import { ConfigError, readVariable, type Env } from '@lt/platform';

/** What the agency connector reads from the environment (libs/platform schema, LT_CONNECTOR_*). */
export interface ConnectorSettings {
  /** agency acted for; undefined until `--as` or LT_CONNECTOR_AGENCY names it */
  agencyCode?: string;
  /** undefined: `<dataDir>/keys/agencies/<agency code>.json` */
  keyFile?: string;
  host: string;
  port: number;
  tokenFile?: string;
  tlsDir?: string;
  /** undefined: `<dataDir>/connector/<agency code>` */
  stateDir?: string;
  webhookUrl?: string;
  webhookSecretFile?: string;
  webhookMaxAttempts: number;
  maxPackageBytes: number;
  dataDir: string;
}

export function loadConnectorSettings(env: Env = process.env): ConnectorSettings {
  return {
    agencyCode: readVariable(env, 'LT_CONNECTOR_AGENCY'),
    keyFile: readVariable(env, 'LT_CONNECTOR_KEY_FILE'),
    host: readVariable(env, 'LT_CONNECTOR_HOST'),
    port: readVariable(env, 'LT_CONNECTOR_PORT'),
    tokenFile: readVariable(env, 'LT_CONNECTOR_TOKEN_FILE'),
    tlsDir: readVariable(env, 'LT_CONNECTOR_TLS_DIR'),
    stateDir: readVariable(env, 'LT_CONNECTOR_STATE_DIR'),
    webhookUrl: readVariable(env, 'LT_CONNECTOR_WEBHOOK_URL'),
    webhookSecretFile: readVariable(env, 'LT_CONNECTOR_WEBHOOK_SECRET_FILE'),
    webhookMaxAttempts: readVariable(env, 'LT_CONNECTOR_WEBHOOK_MAX_ATTEMPTS'),
    maxPackageBytes: readVariable(env, 'LT_CONNECTOR_MAX_PACKAGE_BYTES'),
    dataDir: readVariable(env, 'LT_DATA_DIR'),
  };
}

export function connectorStateDir(s: ConnectorSettings, agencyCode: string): string {
  const dir = s.stateDir ?? join(s.dataDir, 'connector', agencyCode);
  return isAbsolute(dir) ? dir : resolve(dir);
}

const LOOPBACK = /^(127\.\d{1,3}\.\d{1,3}\.\d{1,3}|::1|localhost)$/;

export function isLoopbackHost(host: string): boolean {
  return LOOPBACK.test(host);
}

/**
 * Who may call the connector. Loopback without a token: local callers (the agency's own systems on
 * this machine). Any other address must have a token or mutual TLS: the connector signs as the
 * agency, so an open port would let anyone on the network send as it.
 */
export type CallerPolicy = { kind: 'loopback' } | { kind: 'token'; token: string } | { kind: 'mtls' } | { kind: 'mtls+token'; token: string };

export function callerPolicy(s: Pick<ConnectorSettings, 'host' | 'tlsDir'>, token: string | undefined): CallerPolicy {
  if (token !== undefined && token.length < 32) throw new ConfigError('LT_CONNECTOR_TOKEN_FILE', 'the token must be at least 32 characters');
  if (s.tlsDir && token) return { kind: 'mtls+token', token };
  if (s.tlsDir) return { kind: 'mtls' };
  if (token) return { kind: 'token', token };
  if (isLoopbackHost(s.host)) return { kind: 'loopback' };
  throw new ConfigError(
    'LT_CONNECTOR_HOST',
    `${s.host} is not a loopback address: set LT_CONNECTOR_TOKEN_FILE (--token-file) or LT_CONNECTOR_TLS_DIR (--tls-dir) so that only the agency's systems can send as it`,
  );
}
