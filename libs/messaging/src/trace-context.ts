import { randomBytes } from 'node:crypto';
import {
  context as otelContext,
  defaultTextMapGetter,
  isSpanContextValid,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
  type Attributes,
  type Context,
  type Span,
  type TextMapGetter,
  type TextMapSetter,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { headers as natsHeaders, type MsgHdrs } from '@nats-io/nats-core';

export type { Context as TraceContext, Span };
export { SpanKind };

/**
 * W3C trace context (`traceparent`, `tracestate`) in NATS message headers: how a trace crosses the
 * hub (SDK -> submit stream -> router -> inbox copies, events, dossier requests -> audit). The
 * propagator is used directly, never the process-wide one: an agency application embedding the
 * SDK keeps whatever propagator it registered, and the hub's wire format stays W3C.
 *
 * Without a registered tracer provider (the default: LT_OTLP_ENDPOINT unset) spans are the API's
 * non-recording ones, which carry their parent's context: what arrives is passed on unchanged.
 */
const w3c = new W3CTraceContextPropagator();

/** The tracer of the hub's spans (the global provider's; a no-op until startTracing registers one). */
const TRACER_NAME = 'lienthong';

const getter: TextMapGetter<MsgHdrs | undefined> = {
  // MsgHdrs.get answers '' for a missing header
  get: (h, key) => h?.get(key) || undefined,
  keys: (h) => (h ? h.keys() : []),
};
const setter: TextMapSetter<MsgHdrs> = { set: (h, key, value) => h.set(key, value) };

/** The trace context a message carries (ROOT when it carries none). */
export function traceContextOf(h: MsgHdrs | undefined): Context {
  if (!h) return ROOT_CONTEXT;
  return w3c.extract(ROOT_CONTEXT, h, getter);
}

/** The trace context of an HTTP request's headers (`traceparent`, `tracestate`; ROOT without one). */
export function traceContextOfHttp(headers: Record<string, string | string[] | undefined>): Context {
  return w3c.extract(ROOT_CONTEXT, headers, defaultTextMapGetter);
}

/** Writes `ctx`'s trace context into `h` (nothing when `ctx` has no valid span context). */
export function injectTraceContext(ctx: Context, h: MsgHdrs): void {
  w3c.inject(ctx, h, setter);
}

/** Whether `ctx` carries a trace to pass on. */
export function hasTrace(ctx: Context | undefined): ctx is Context {
  const sc = ctx && trace.getSpanContext(ctx);
  return sc !== undefined && isSpanContextValid(sc);
}

/** Headers holding `ctx`'s trace context, or undefined when there is none to send. */
export function traceHeaders(ctx: Context = otelContext.active()): MsgHdrs | undefined {
  if (!hasTrace(ctx)) return undefined;
  const h = natsHeaders();
  injectTraceContext(ctx, h);
  return h;
}

/**
 * A span of the hub, child of `parent`, and the context to pass on downstream. Attributes are
 * only computed for a recording span (`attrs` is a function so the off path builds nothing).
 */
export function startSpan(name: string, kind: SpanKind, parent: Context, attrs?: () => Attributes): { span: Span; ctx: Context } {
  const span = trace.getTracer(TRACER_NAME).startSpan(name, { kind }, parent);
  if (attrs && span.isRecording()) span.setAttributes(attrs());
  return { span, ctx: trace.setSpan(parent, span) };
}

/** Ends a span, marking it failed when `err` is given. */
export function endSpan(span: Span, err?: unknown): void {
  if (err !== undefined && span.isRecording()) {
    span.recordException(err instanceof Error ? err : String(err));
    span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : String(err) });
  }
  span.end();
}

/**
 * `ctx` if it carries a trace, else `ctx` with a fresh sampled one: the SDK and the gateway start a
 * trace per submission or request even when their process records none, so every hub service's
 * spans (and logs) of that document or request share one trace id.
 */
export function ensureTrace(ctx: Context): Context {
  if (hasTrace(ctx)) return ctx;
  const id = randomBytes(24).toString('hex');
  return trace.setSpanContext(ctx, { traceId: id.slice(0, 32), spanId: id.slice(32), traceFlags: TraceFlags.SAMPLED, isRemote: false });
}

/** The trace id of `ctx` (undefined without one), for logs. */
export function traceIdOf(ctx: Context): string | undefined {
  const sc = trace.getSpanContext(ctx);
  return sc && isSpanContextValid(sc) ? sc.traceId : undefined;
}

/**
 * One consumer span per message of a batch, each the child of the trace its message carries;
 * `end(err?)` ends them all once the batch is settled (the audit: after its commit).
 */
export function startBatchSpans(name: string, batch: ReadonlyArray<{ headers?: MsgHdrs; subject: string }>): { end(err?: unknown): void } {
  const spans = batch.map(
    (m) => startSpan(name, SpanKind.CONSUMER, traceContextOf(m.headers), () => ({ 'messaging.system': 'nats', 'messaging.destination.name': m.subject })).span,
  );
  return { end: (err?: unknown) => spans.forEach((s) => endSpan(s, err)) };
}
