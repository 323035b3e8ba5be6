import { hostname } from 'node:os';
import { NoRespondersError, type NatsConnection, type Subscription } from '@nats-io/nats-core';
import type { Logger } from '@lt/platform';
import type { ReadinessResult } from './readiness';

/** The hub's services, each of which answers the status request (`lienthong status`, the gateway's /health). */
export const HUB_SERVICES = ['registry', 'router', 'audit', 'dossier', 'gateway', 'attachments'] as const;
export type HubServiceName = (typeof HUB_SERVICES)[number];

/**
 * Subject every hub service process answers its status on. Each process subscribes without a
 * queue group, so one request gets one answer per process. Not captured by any stream.
 */
export function serviceStatusSubject(ns: string): string {
  return `${ns}.status`;
}

/** One process's answer to the status request. */
export interface ServiceStatus {
  service: string;
  /** this process among the service's replicas (host name and pid; the registry's replica id) */
  instance: string;
  /** the version of the repository's package.json */
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  pid: number;
  host: string;
  /** where its Prometheus metrics are served; null when LT_METRICS_PORT is 0 */
  metricsUrl: string | null;
  /** the metric families of this process named `lt_*` (what its metrics URL serves besides the process metrics) */
  metrics: string[];
  /** it answered */
  live: true;
  /** the same checks as its /health/ready */
  ready: ReadinessResult;
}

export interface StatusResponderOptions {
  nc: Pick<NatsConnection, 'subscribe'>;
  ns: string;
  log: Logger;
  describe: () => Promise<ServiceStatus>;
}

/** Answers `<ns>.status` with this process's status until stopped. */
export class StatusResponder {
  private constructor(private readonly sub: Subscription) {}

  static start(o: StatusResponderOptions): StatusResponder {
    const sub = o.nc.subscribe(serviceStatusSubject(o.ns), {
      callback: (err, m) => {
        if (err) return o.log.warn({ err: err.message }, 'status subscription failed');
        if (!m.reply) return;
        o.describe().then(
          (s) => m.respond(JSON.stringify(s)),
          (e: Error) => o.log.warn({ err: e.message }, 'status answer failed'),
        );
      },
    });
    return new StatusResponder(sub);
  }

  stop(): void {
    this.sub.unsubscribe();
  }
}

/**
 * The URL other machines scrape a metrics server at (its `/metrics`): a wildcard listen address
 * (0.0.0.0, ::) is not one, so the host name stands for it.
 */
export function advertisedMetricsUrl(listenUrl: string, host = hostname()): string {
  const u = new URL(listenUrl);
  if (u.hostname === '0.0.0.0' || u.hostname === '[::]') u.hostname = host;
  return `${u.origin}/metrics`;
}

/** Asks every process of the namespace for its status; answers arriving within timeoutMs, sorted by service and instance. */
export async function collectServiceStatus(nc: Pick<NatsConnection, 'requestMany'>, ns: string, timeoutMs = 1_000): Promise<ServiceStatus[]> {
  const answers: ServiceStatus[] = [];
  try {
    const replies = await nc.requestMany(serviceStatusSubject(ns), undefined, { strategy: 'timer', maxWait: timeoutMs });
    for await (const m of replies) {
      const s = parseStatus(m.data);
      if (s) answers.push(s);
    }
  } catch (err) {
    // nobody subscribed: no process answers, which the caller reports service by service
    if (!(err instanceof NoRespondersError)) throw err;
  }
  return answers.sort((a, b) => a.service.localeCompare(b.service) || a.instance.localeCompare(b.instance));
}

/** A well-formed answer, or undefined (a process of another version may answer anything). */
export function parseStatus(data: Uint8Array): ServiceStatus | undefined {
  try {
    const v = JSON.parse(Buffer.from(data).toString('utf8')) as Partial<ServiceStatus>;
    if (typeof v?.service !== 'string' || typeof v.instance !== 'string' || typeof v.ready?.ready !== 'boolean') return undefined;
    return { ...v, metrics: Array.isArray(v.metrics) ? v.metrics : [] } as ServiceStatus;
  } catch {
    return undefined;
  }
}

/** Per expected service: whether one instance answered (live) and one is ready, and its instances. */
export interface ServiceSummary {
  live: boolean;
  ready: boolean;
  instances: ServiceStatus[];
}

export function summarizeServices(answers: ServiceStatus[], expected: readonly string[] = HUB_SERVICES): Record<string, ServiceSummary> {
  const out: Record<string, ServiceSummary> = {};
  for (const service of expected) {
    const instances = answers.filter((a) => a.service === service);
    out[service] = { live: instances.length > 0, ready: instances.some((i) => i.ready.ready), instances };
  }
  return out;
}

/** The readiness checks of an answer that fail, with their reasons. */
export function failingChecks(s: Pick<ServiceStatus, 'ready'>): Array<{ name: string; reason: string }> {
  return Object.entries(s.ready.checks)
    .filter(([, c]) => !c.ok)
    .map(([name, c]) => ({ name, reason: c.reason ?? 'not ready' }));
}
