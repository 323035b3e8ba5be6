import { existsSync, readFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';
import { collectDefaultMetrics, type Registry } from 'prom-client';
import { ConfigError, readVariable, type Logger } from '@lt/platform';
import { MetricsServer } from './metrics-server';
import { startTracing } from './tracing';
import { trackReadiness } from './readiness-metric';
import { processGauge, processRegistry } from './process-metrics';
import type { NatsConnection } from '@nats-io/nats-core';
import { checkReadiness, databaseCheck, natsConnectionCheck, type ReadinessCheck } from './readiness';
import { advertisedMetricsUrl, StatusResponder, type ServiceStatus } from './service-status';
import { trackHubQueues } from './hub-queues';
import { topology } from '@lt/contracts';

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
  /** the service's NATS connection: ready while it is open; answers the status request when it can subscribe and `ns` is given */
  nc?: { isClosed(): boolean } & Partial<Pick<NatsConnection, 'subscribe'>>;
  /** the namespace whose status request (`<ns>.status`) this process answers */
  ns?: string;
  /** the service's database: ready while it answers */
  ds?: { query(sql: string): Promise<unknown> };
  /** the registry to serve (default: this process's) */
  registry?: Registry;
}

export interface Observability {
  /** where the server listens; undefined when LT_METRICS_PORT is 0 */
  url?: string;
  /** the URL it tells others in its status answer (a wildcard listen address becomes the host name) */
  metricsUrl?: string;
  registry: Registry;
  /** this process's answer to the status request */
  describe(): Promise<ServiceStatus>;
  stop(): Promise<void>;
}

const defaultsCollected = new WeakSet<Registry>();
/** a status answer waits at most this long for a readiness check (callers wait about 1 s for all answers) */
const STATUS_CHECK_TIMEOUT_MS = 500;

/**
 * The service's metrics and health endpoints, when LT_METRICS_PORT is set: process metrics
 * (CPU, memory, event loop), `lt_service_info` and whatever the service's code counts. With a
 * NATS connection and a namespace, the process also answers the status request (`<ns>.status`),
 * whether or not it serves metrics.
 */
export async function startObservability(o: ObservabilityOptions): Promise<Observability> {
  const settings = loadMetricsSettings(o.env ?? process.env);
  // trace spans, exported when LT_OTLP_ENDPOINT is set (one place for every service)
  const tracing = await startTracing({ service: o.service, log: o.log, ...(o.env ? { env: o.env } : {}) });
  const registry = o.registry ?? processRegistry();
  const instance = o.instance ?? `${hostname()}:${process.pid}`;
  const checks = { ...(o.nc ? { nats: natsConnectionCheck(o.nc) } : {}), ...(o.ds ? { database: databaseCheck(o.ds) } : {}), ...o.checks };
  const server = settings.port === 0 ? undefined : await listen(o, settings, registry, instance, checks);
  const metricsUrl = server ? advertisedMetricsUrl(server.url) : undefined;
  const startedAt = new Date();
  const describe = async (): Promise<ServiceStatus> => ({
    service: o.service,
    instance,
    version: packageVersion(),
    startedAt: startedAt.toISOString(),
    uptimeSeconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    pid: process.pid,
    host: hostname(),
    metricsUrl: metricsUrl ?? null,
    // names only: collecting the values would read JetStream
    metrics: server
      ? registry
          .getMetricsAsArray()
          .map((m) => m.name)
          .filter((n) => n.startsWith('lt_'))
          .sort()
      : [],
    live: true,
    ready: await checkReadiness(checks, STATUS_CHECK_TIMEOUT_MS),
  });
  const nc = o.nc;
  const responder = o.ns && nc?.subscribe ? StatusResponder.start({ nc: { subscribe: nc.subscribe.bind(nc) }, ns: o.ns, log: o.log, describe }) : undefined;
  // every service's URL shows the hub's queues (consumer lag, dead letters), not only its own
  const untrackQueues = server && o.ns && isConnection(nc) ? trackHubQueues(nc, topology(o.ns)) : undefined;
  return {
    url: server?.url,
    metricsUrl,
    registry,
    describe,
    stop: async () => {
      responder?.stop();
      untrackQueues?.();
      await server?.stop();
      await tracing.stop();
    },
  };
}

async function listen(
  o: ObservabilityOptions,
  settings: MetricsSettings,
  registry: Registry,
  instance: string,
  checks: Record<string, ReadinessCheck>,
): Promise<MetricsServer> {
  if (!defaultsCollected.has(registry)) {
    collectDefaultMetrics({ register: registry });
    defaultsCollected.add(registry);
  }
  const info =
    registry === processRegistry()
      ? processGauge({ name: 'lt_service_info', help: 'This service process (always 1)', labelNames: ['service', 'instance', 'version'] })
      : undefined;
  info?.set({ service: o.service, instance, version: packageVersion() }, 1);
  if (registry === processRegistry()) trackReadiness(checks);
  let server: MetricsServer;
  try {
    server = await MetricsServer.listen({ registry, host: settings.host, port: settings.port, checks });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE' ? 'is already in use' : code === 'EACCES' ? 'may not be opened by this user' : `cannot be opened (${(err as Error).message})`;
    throw new ConfigError('LT_METRICS_PORT', `port ${settings.port} on ${settings.host} ${why}: give each service process its own port, or 0 for none`);
  }
  o.log.info({ url: server.url }, 'metrics and health served');
  return server;
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

/** a whole NATS connection (not a test's stand-in that only reports whether it is closed) */
function isConnection(nc: ObservabilityOptions['nc']): nc is NatsConnection {
  return typeof (nc as Partial<NatsConnection> | undefined)?.request === 'function';
}
