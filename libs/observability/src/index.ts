export { loadMetricsSettings, startObservability, type MetricsSettings, type Observability, type ObservabilityOptions } from './observability';
export { MetricsServer, type MetricsServerOptions } from './metrics-server';
export { processCounter, processGauge, processHistogram, processRegistry } from './process-metrics';
export { addReadinessCheck, checkReadiness, databaseCheck, natsConnectionCheck, type ReadinessCheck, type ReadinessResult } from './readiness';
export { trackConsumerBacklog, type ConsumerBacklog } from './consumer-lag';
export { hubDurables, trackDeadLetterDepth, trackHubQueues } from './hub-queues';
export { startTracing, type Tracing, type TracingOptions } from './tracing';
export {
  advertisedMetricsUrl,
  collectServiceStatus,
  failingChecks,
  HUB_SERVICES,
  parseStatus,
  serviceStatusSubject,
  StatusResponder,
  summarizeServices,
  type HubServiceName,
  type ServiceStatus,
  type ServiceSummary,
  type StatusResponderOptions,
} from './service-status';
