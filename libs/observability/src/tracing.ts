import { trace } from '@opentelemetry/api';
import type { SpanProcessor } from '@opentelemetry/sdk-trace';
import { readVariable, type Logger } from '@lt/platform';

export interface Tracing {
  /** where spans go; undefined when tracing is off */
  endpoint?: string;
  /** exports what is buffered, then stops recording */
  stop(): Promise<void>;
}

export interface TracingOptions {
  /** the service name of every span (`service.name`) */
  service: string;
  log: Logger;
  env?: NodeJS.ProcessEnv;
  /** tests: record into this processor instead of exporting to LT_OTLP_ENDPOINT (on even when unset) */
  processor?: SpanProcessor;
}

/**
 * Records this process's spans when LT_OTLP_ENDPOINT is set (OTLP over HTTP to `<url>/v1/traces`,
 * batched), by registering a tracer provider for the whole process. Unset (the default), nothing
 * is registered: the spans the code starts are the API's non-recording ones, which only carry
 * the W3C trace context from the messages a service consumes to those it publishes. The SDK and
 * the exporter are only loaded when on (they cost some 70 ms of start-up).
 */
export async function startTracing(o: TracingOptions): Promise<Tracing> {
  const endpoint = readVariable(o.env ?? process.env, 'LT_OTLP_ENDPOINT');
  if (!endpoint && !o.processor) return { stop: async () => undefined };
  const url = endpoint ? `${endpoint.replace(/\/+$/, '')}/v1/traces` : undefined;
  const [{ BatchSpanProcessor, TracerProvider }, { resourceFromAttributes }] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/resources'),
  ]);
  const processor =
    o.processor ?? new BatchSpanProcessor({ exporter: new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter({ url: url! }) });
  const provider = new TracerProvider({ resource: resourceFromAttributes({ 'service.name': `lienthong-${o.service}` }), spanProcessors: [processor] });
  if (!trace.setGlobalTracerProvider(provider)) {
    o.log.warn('a tracer provider is already registered in this process; LT_OTLP_ENDPOINT ignored');
    return { stop: () => provider.shutdown() };
  }
  if (url) o.log.info({ url }, 'exporting trace spans');
  return {
    ...(url ? { endpoint: url } : {}),
    async stop() {
      await provider.shutdown().catch((err: Error) => o.log.warn({ err: err.message }, 'trace export at stop failed'));
      trace.disable();
    },
  };
}
