import { advertisedMetricsUrl, failingChecks, parseStatus, serviceStatusSubject, summarizeServices, type ServiceStatus } from './service-status';

const answer = (service: string, instance: string, ready: boolean, checks: ServiceStatus['ready']['checks'] = {}): ServiceStatus => ({
  service,
  instance,
  version: '0.1.0',
  startedAt: '2026-01-01T00:00:00.000Z',
  uptimeSeconds: 5,
  pid: 1,
  host: 'h',
  metricsUrl: null,
  metrics: [],
  live: true,
  ready: { ready, checks },
});

describe('service status', () => {
  it('asks on <ns>.status', () => {
    expect(serviceStatusSubject('lt')).toBe('lt.status');
  });

  it('advertises the host name for a wildcard listen address, and any other address as it is', () => {
    expect(advertisedMetricsUrl('http://0.0.0.0:9101', 'hub-1')).toBe('http://hub-1:9101/metrics');
    expect(advertisedMetricsUrl('http://[::]:9102', 'hub-1')).toBe('http://hub-1:9102/metrics');
    expect(advertisedMetricsUrl('http://127.0.0.1:9103', 'hub-1')).toBe('http://127.0.0.1:9103/metrics');
    expect(advertisedMetricsUrl('http://[::1]:9104', 'hub-1')).toBe('http://[::1]:9104/metrics');
  });

  it('keeps well-formed answers only', () => {
    const enc = (v: unknown) => new TextEncoder().encode(typeof v === 'string' ? v : JSON.stringify(v));
    const { metrics: _m, ...noMetrics } = answer('router', 'a', true);
    expect(parseStatus(enc(noMetrics))).toEqual({ ...noMetrics, metrics: [] });
    expect(parseStatus(enc('not json'))).toBeUndefined();
    expect(parseStatus(enc({ service: 'router', instance: 'a' }))).toBeUndefined();
    expect(parseStatus(enc(null))).toBeUndefined();
  });

  it('a service is live with one answer and ready with one ready instance; absent ones are neither', () => {
    const s = summarizeServices([answer('router', 'a', false), answer('router', 'b', true), answer('audit', 'c', false)], ['router', 'audit', 'dossier']);
    expect(s.router).toMatchObject({ live: true, ready: true });
    expect(s.router!.instances.map((i) => i.instance)).toEqual(['a', 'b']);
    expect(s.audit).toMatchObject({ live: true, ready: false });
    expect(s.dossier).toEqual({ live: false, ready: false, instances: [] });
  });

  it('names the failing checks with their reasons', () => {
    const s = answer('audit', 'a', false, { nats: { ok: true }, database: { ok: false, reason: 'connect ECONNREFUSED' }, 'consumer X/y': { ok: false } });
    expect(failingChecks(s)).toEqual([
      { name: 'database', reason: 'connect ECONNREFUSED' },
      { name: 'consumer X/y', reason: 'not ready' },
    ]);
  });
});
