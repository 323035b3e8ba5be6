import { Counter, Gauge, Histogram, Registry, type CounterConfiguration, type GaugeConfiguration, type HistogramConfiguration } from 'prom-client';

/**
 * The metrics of this process, in one registry: domain code registers its counters here without
 * a dependency injection path, and the metrics server (if any) serves it. Getters are idempotent
 * because a process (a test) may build the same service twice: the second gets the same metric.
 */
const registry = new Registry();

export function processRegistry(): Registry {
  return registry;
}

export function processCounter<L extends string>(cfg: Omit<CounterConfiguration<L>, 'registers'>): Counter<L> {
  return (registry.getSingleMetric(cfg.name) as Counter<L> | undefined) ?? new Counter<L>({ ...cfg, registers: [registry] });
}

export function processGauge<L extends string>(cfg: Omit<GaugeConfiguration<L>, 'registers'>): Gauge<L> {
  return (registry.getSingleMetric(cfg.name) as Gauge<L> | undefined) ?? new Gauge<L>({ ...cfg, registers: [registry] });
}

export function processHistogram<L extends string>(cfg: Omit<HistogramConfiguration<L>, 'registers'>): Histogram<L> {
  return (registry.getSingleMetric(cfg.name) as Histogram<L> | undefined) ?? new Histogram<L>({ ...cfg, registers: [registry] });
}
