import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { ConfigError, readVariable, type Logger } from '@lt/platform';
import { MetricsServer } from './metrics-server';
import { processGauge, processRegistry } from './process-metrics';
import { databaseCheck, natsConnectionCheck, type ReadinessCheck } from './readiness';

export interface MetricsSettings {
  /** 0: no metrics server */
  port: number;
  host: string;
}

export function loadMetricsSettings(env: NodeJS.ProcessEnv = process.env): MetricsSettings {
  return { port: readVariable(env, 'LT_METRICS_PORT'), host: readVariable(env, 'LT_METRICS_HOST') };
}

export interface ObservabilityOptions {
  /** the service name (label `service`) */
  service: string;
  /** this process among the service's replicas (default: host name and pid) */
  instance?: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** checks of this process's readiness, next to those its parts add (addReadinessCheck) */
  checks?: Record<string, ReadinessCheck>;
  /** the service's NATS connection: ready while it is open */
  nc?: { isClosed(): boolean };
  /** the service's database: ready while it answers */
  ds?: { query(sql: string): Promise<unknown> };
  /** the registry to serve (default: this process's) */
  registry?: Registry;
}

export interface Observability {
  /** where the server listens; undefined when LT_METRICS_PORT is 0 */
  url?: string;
  registry: Registry;
  stop(): Promise<void>;
}

const defaultsCollected = new WeakSet<Registry>();

/**
 * The service's metrics and health endpoints, when LT_METRICS_PORT is set: process metrics
 * (CPU, memory, event loop), `lt_service_info` and whatever the service's code counts.
 */
export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const settings = loadMetricsSettings(o.env ?? process.env);
  const registry = o.registry ?? processRegistry();
  if (settings.port === 0) return { registry, stop: async () => undefined };
  if (!defaultsCollected.has(registry)) {
    collectDefaultMetrics({ register: registry });
    defaultsCollected.add(registry);
  }
  const info =
    registry === processRegistry()
      ? processGauge({ name: 'lt_service_info', help: 'This service process (always 1)', labelNames: ['service', 'instance', 'version'] })
      : undefined;
  info?.set({ service: o.service, instance: o.instance ?? `${hostname()}:${process.pid}`, version: packageVersion() }, 1);
  let server: MetricsServer;
  try {
    const checks = { ...(o.nc ? { nats: natsConnectionCheck(o.nc) } : {}), ...(o.ds ? { database: databaseCheck(o.ds) } : {}), ...o.checks };
    server = await MetricsServer.listen({ registry, host: settings.host, port: settings.port, checks });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'may not be opened by this user' : `cannot be opened (${(err as Error).message})`;
    throw new ConfigError('LT_METRICS_PORT', `port ${settings.port} on ${settings.host} ${why}: give each service process its own port, or 0 for none`);
  }
  o.log.info({ url: server.url }, 'metrics and health served');
  return { url: server.url, registry, stop: () => server.stop() };
}

let version: string | undefined;

/** The version of the repository's package.json (found above this file, in the sources or in dist). */
function packageVersion(): string {
  if (version) return version;
  for (let dir = __dirname; ; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (existsSync(file)) {
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; workspaces?: unknown; name?: string };
      if (pkg.version && pkg.name) return (version = pkg.version);
    }
    if (dirname(dir) === dir) return (version = 'unknown');
  }
}
