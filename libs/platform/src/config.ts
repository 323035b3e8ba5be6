/**
 * Environment configuration, validated once at boot: a wrong value stops the service with a
 * message naming the variable. Defaults are the local ones `npm start` uses.
 */
export interface HubConfig {
  natsUrl: string;
  databaseUrl: string;
  /** namespace of subjects/streams/buckets; `lt` in production, a random one in tests */
  ns: string;
  gatewayPort: number;
  gatewayHost: string;
  /** folder holding the hub key and generated demo keys */
  dataDir: string;
  inboxMaxAgeDays: number;
  logLevel: string;
  /** agency code of the hub operator, `from` of hub-signed envelopes (refusals); LT_HUB_AGENCY */
  hubAgency: string;
}

export class ConfigError extends Error {
  constructor(readonly variable: string, message: string) {
    super(`config ${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function str(env: Env, name: string, fallback: string, check?: (v: string) => string | null): string {
  const v = env[name] ?? fallback;
  const problem = check?.(v);
  if (problem) throw new ConfigError(name, `${problem} (got ${JSON.stringify(v)})`);
  return v;
}

/**
 * Integer setting `name` from the environment: `fallback` when unset or empty, else an integer in
 * [min, max]; anything else throws ConfigError naming the variable. Shared by every service's config.
 */
export function envInt(env: Env, name: string, fallback: number, min: number, max: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max) throw new ConfigError(name, `must be an integer from ${min} to ${max} (got ${JSON.stringify(raw)})`);
  return n;
}

const urlCheck = (schemes: string[]) => (v: string) => {
  try {
    const u = new URL(v);
    return schemes.includes(u.protocol.replace(':', '')) ? null : `must be a ${schemes.join(' or ')} URL`;
  } catch {
    return 'is not a URL';
  }
};

export function loadConfig(env: Env = process.env): HubConfig {
  return {
    natsUrl: str(env, 'NATS_URL', 'nats://127.0.0.1:4222', urlCheck(['nats', 'tls', 'ws', 'wss'])),
    databaseUrl: str(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/lienthong', urlCheck(['postgres', 'postgresql'])),
    ns: str(env, 'LT_NAMESPACE', 'lt', (v) => (/^[a-z][a-z0-9]{0,30}$/.test(v) ? null : 'must be lowercase letters and digits, starting with a letter')),
    gatewayPort: envInt(env, 'GATEWAY_PORT', 8080, 0, 65535),
    gatewayHost: str(env, 'GATEWAY_HOST', '127.0.0.1'),
    dataDir: str(env, 'LT_DATA_DIR', '.data'),
    inboxMaxAgeDays: envInt(env, 'LT_INBOX_MAX_AGE_DAYS', 30, 1, 3650),
    hubAgency: str(env, 'LT_HUB_AGENCY', '000.00.00.G22', (v) => (/^[0-9]{3}\.[0-9]{2}\.[0-9]{2}\.[A-K][0-9]{2}$/.test(v) ? null : 'must be an agency code DDD.CC.BB.AXX')),
    logLevel: str(env, 'LOG_LEVEL', 'info', (v) => (['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'].includes(v) ? null : 'must be trace|debug|info|warn|error|fatal|silent')),
  };
}
