import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { collectDefaultMetrics, Histogram, Registry } from 'prom-client';
import { parse } from 'yaml';

/*
 * The monitoring files of deploy/ (Grafana dashboard, Prometheus alert rules and scrape config)
 * against the code: every metric a panel or a rule reads must be one the services register, the
 * rules must have what Prometheus requires of a rule file, and the scrape config must reach every
 * hub service of the compose file on its metrics port. (No promtool here: this checks what can be
 * checked without it.)
 */
const ROOT = resolve(__dirname, '..');
const read = (rel: string) => readFileSync(join(ROOT, rel), 'utf8');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return name === 'node_modules' ? [] : sourceFiles(path);
    return name.endsWith('.ts') && !name.endsWith('.spec.ts') ? [path] : [];
  });
}

/** Metric names the code registers (string literals `lt_...` of apps/ and libs/), histograms apart, plus prom-client's process metrics. */
function registeredMetrics(): { names: Set<string>; histograms: Set<string> } {
  const names = new Set<string>();
  const histograms = new Set<string>();
  for (const file of [...sourceFiles(join(ROOT, 'apps')), ...sourceFiles(join(ROOT, 'libs'))]) {
    const text = readFileSync(file, 'utf8');
    for (const m of text.matchAll(/['"`](lt_[a-z0-9_]+)['"`]/g)) names.add(m[1]);
    for (const m of text.matchAll(/processHistogram(?:<[^>]*>)?\(\s*\{\s*name:\s*'(lt_[a-z0-9_]+)'/g)) histograms.add(m[1]);
  }
  const defaults = new Registry();
  collectDefaultMetrics({ register: defaults });
  for (const m of defaults.getMetricsAsArray()) {
    names.add(m.name);
    if (m instanceof Histogram) histograms.add(m.name);
  }
  return { names, histograms };
}

const { names: METRICS, histograms: HISTOGRAMS } = registeredMetrics();

/** The hub's metric names a PromQL expression reads. */
function metricsIn(expr: string): string[] {
  return [...new Set([...expr.matchAll(/\b(?:lt|process|nodejs)_[a-z0-9_]+\b/g)].map((m) => m[0]))];
}

/** Names of `expr` that no code registers (a histogram's _bucket, _sum, _count count as the histogram). */
function unknownMetrics(expr: string): string[] {
  return metricsIn(expr).filter((name) => {
    if (METRICS.has(name)) return false;
    const base = /^(.*)_(bucket|sum|count)$/.exec(name)?.[1];
    return !(base && HISTOGRAMS.has(base));
  });
}

function balanced(expr: string): boolean {
  let depth = 0;
  for (const c of expr.replace(/"[^"]*"/g, '')) {
    if (c === '(' || c === '{' || c === '[') depth++;
    if (c === ')' || c === '}' || c === ']') depth--;
    if (depth < 0) return false;
  }
  return depth === 0;
}

describe('metric names found in the code (the check itself)', () => {
  it('finds the metrics the services register, histograms included, and prom-client process metrics', () => {
    for (const name of [
      'lt_router_submissions_total',
      'lt_consumer_pending_messages',
      'lt_audit_tamper_alarm',
      'lt_gateway_http_requests_total',
      'process_cpu_seconds_total',
    ]) {
      expect(METRICS).toContain(name);
    }
    expect(HISTOGRAMS).toContain('lt_router_routing_seconds');
    expect(unknownMetrics('rate(lt_router_routing_seconds_bucket[5m])')).toEqual([]);
    expect(unknownMetrics('rate(lt_router_submissions_total_bucket[5m]) + lt_no_such_metric')).toEqual([
      'lt_router_submissions_total_bucket',
      'lt_no_such_metric',
    ]);
  });
});

interface Panel {
  id: number;
  type: string;
  title: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  datasource?: { type: string; uid: string };
  targets?: Array<{ refId: string; expr?: string }>;
}

describe('deploy/grafana/lienthong-dashboard.json', () => {
  const dashboard = JSON.parse(read('deploy/grafana/lienthong-dashboard.json')) as {
    uid: string;
    title: string;
    panels: Panel[];
    templating: { list: Array<{ name: string; type: string; query?: string }> };
  };
  const panels = dashboard.panels.filter((p) => p.type !== 'row');
  const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr ?? ''));

  it('is an importable dashboard: uid, title, unique panel ids, each panel placed and reading the Prometheus data source variable', () => {
    expect(dashboard.uid).toMatch(/^[a-z0-9-]{1,40}$/);
    expect(dashboard.title).toBeTruthy();
    expect(new Set(dashboard.panels.map((p) => p.id)).size).toBe(dashboard.panels.length);
    expect(dashboard.templating.list).toContainEqual(expect.objectContaining({ name: 'datasource', type: 'datasource', query: 'prometheus' }));
    for (const p of panels) {
      expect(p.gridPos).toEqual({ x: expect.any(Number), y: expect.any(Number), w: expect.any(Number), h: expect.any(Number) });
      expect(p.datasource).toEqual({ type: 'prometheus', uid: '${datasource}' });
      expect(p.targets?.length).toBeGreaterThan(0);
      for (const t of p.targets!) expect(t.expr).toBeTruthy();
    }
  });

  it('reads only metrics the code registers, in well-formed expressions', () => {
    for (const expr of exprs) {
      expect({ expr, unknown: unknownMetrics(expr) }).toEqual({ expr, unknown: [] });
      expect({ expr, balanced: balanced(expr) }).toEqual({ expr, balanced: true });
    }
  });

  it('shows what operators watch: outcomes, deliveries, routing latency, lag, inbox backlogs, DLQ, audit, tamper alarm, processes, gateway', () => {
    const used = new Set(exprs.flatMap(metricsIn));
    for (const name of [
      'lt_router_submissions_total',
      'lt_router_deliveries_total',
      'lt_router_routing_seconds_bucket',
      'lt_consumer_pending_messages',
      'lt_inbox_backlog_messages',
      'lt_dlq_messages',
      'lt_audit_tree_size',
      'lt_audit_last_checkpoint_age_seconds',
      'lt_audit_tamper_alarm',
      'process_cpu_seconds_total',
      'process_resident_memory_bytes',
      'lt_gateway_http_requests_total',
      'lt_gateway_http_request_duration_seconds_bucket',
    ]) {
      expect(used).toContain(name);
    }
  });
});

interface Rule {
  alert?: string;
  record?: string;
  expr?: unknown;
  for?: unknown;
  keep_firing_for?: unknown;
  labels?: Record<string, unknown>;
  annotations?: Record<string, unknown>;
}

describe('deploy/prometheus/alerts.yaml', () => {
  const file = parse(read('deploy/prometheus/alerts.yaml')) as { groups: Array<{ name: unknown; interval?: unknown; rules: Rule[] }> };
  const rules = file.groups.flatMap((g) => g.rules);
  const PROM_DURATION = /^(\d+(ms|s|m|h|d|w|y))+$/;

  it('is a rule file: groups with unique names, each rule an alert with an expression and only the keys Prometheus knows', () => {
    expect(Object.keys(file)).toEqual(['groups']);
    const groupNames = file.groups.map((g) => g.name);
    expect(new Set(groupNames).size).toBe(groupNames.length);
    for (const g of file.groups) {
      expect(typeof g.name).toBe('string');
      expect(Array.isArray(g.rules) && g.rules.length > 0).toBe(true);
      for (const r of g.rules) {
        expect(Object.keys(r).filter((k) => !['alert', 'record', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'].includes(k))).toEqual([]);
        expect(r.alert).toMatch(/^[A-Za-z_][A-Za-z0-9_]*$/);
        expect(r.record).toBeUndefined();
        expect(typeof r.expr === 'string' && r.expr.trim().length > 0).toBe(true);
        if (r.for !== undefined) expect(r.for).toMatch(PROM_DURATION);
        for (const v of [...Object.values(r.labels ?? {}), ...Object.values(r.annotations ?? {})]) expect(typeof v).toBe('string');
      }
    }
    const alerts = rules.map((r) => r.alert);
    expect(new Set(alerts).size).toBe(alerts.length);
  });

  it('gives every alert a severity and a summary, and reads only metrics the code registers', () => {
    for (const r of rules) {
      expect({ alert: r.alert, severity: r.labels?.severity }).toEqual({ alert: r.alert, severity: expect.stringMatching(/^(critical|warning)$/) });
      expect(r.annotations?.summary).toEqual(expect.any(String));
      expect({ alert: r.alert, unknown: unknownMetrics(r.expr as string) }).toEqual({ alert: r.alert, unknown: [] });
      expect({ alert: r.alert, balanced: balanced(r.expr as string) }).toEqual({ alert: r.alert, balanced: true });
    }
  });

  it('covers the tamper alarm, checkpoint age, dead letters, consumer lag, targets down or not ready and slow routing', () => {
    const byMetric = (name: string) => rules.filter((r) => metricsIn(r.expr as string).includes(name));
    expect(byMetric('lt_audit_tamper_alarm').map((r) => r.labels?.severity)).toEqual(['critical']);
    expect(byMetric('lt_audit_last_checkpoint_age_seconds')).toHaveLength(1);
    expect(byMetric('lt_dlq_messages').length).toBeGreaterThanOrEqual(1);
    expect(byMetric('lt_consumer_pending_messages')[0]?.for).toMatch(PROM_DURATION);
    expect(byMetric('lt_service_ready')).toHaveLength(1);
    expect(byMetric('lt_router_routing_seconds_bucket')).toHaveLength(1);
    expect(rules.some((r) => /\bup\{job=~"lienthong-\.\+"\} == 0/.test(r.expr as string))).toBe(true);
  });
});

describe('deploy/prometheus/prometheus.yml', () => {
  const config = parse(read('deploy/prometheus/prometheus.yml')) as {
    rule_files: string[];
    scrape_configs: Array<{ job_name: string; dns_sd_configs?: Array<{ names: string[]; type: string; port: number }> }>;
  };
  const compose = parse(read('deploy/compose.yaml'), { merge: true }) as {
    services: Record<string, { command?: string[]; profiles?: string[]; restart?: string; environment?: Record<string, string> }>;
  };
  /** long-running hub services of the compose file that serve metrics (not the one-shots; the agency-side connector is only an example there) */
  const scraped = Object.entries(compose.services).filter(([, s]) => s.environment?.LT_METRICS_PORT && s.restart !== 'no' && !s.profiles);

  it('loads the alert rules beside it', () => {
    expect(config.rule_files).toEqual(['alerts.yaml']);
  });

  it('scrapes every hub service of the compose file, all replicas, on its LT_METRICS_PORT, as job lienthong-<service>', () => {
    expect(scraped.map(([name]) => name).sort()).toEqual(['attachments', 'audit', 'dossier', 'gateway', 'registry', 'router']);
    for (const [name, s] of scraped) {
      const job = config.scrape_configs.find((c) => c.job_name === `lienthong-${name}`);
      expect(job?.dns_sd_configs).toEqual([{ names: [name], type: 'A', port: Number(s.environment!.LT_METRICS_PORT) }]);
    }
    expect(config.scrape_configs).toHaveLength(scraped.length);
  });
});
