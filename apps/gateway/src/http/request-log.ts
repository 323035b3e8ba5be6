import { randomUUID } from 'node:crypto';
import { context as otelContext } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import type { NextFunction, Request, Response } from 'express';
import { endSpan, ensureTrace, SpanKind, startSpan, traceContextOfHttp, traceIdOf, type TraceContext } from '@lt/messaging';
import { processCounter, processHistogram } from '@lt/observability';
import type { Logger } from '@lt/platform';

export const REQUEST_ID_HEADER = 'X-Request-Id';

/** An incoming X-Request-Id is kept when it is a plain token (nothing a log line could be forged with). */
const SANE_REQUEST_ID = /^[A-Za-z0-9._:@/+=-]{1,128}$/;
const MAX_LOGGED_PATH = 512;

const requests = () =>
  processCounter({
    name: 'lt_gateway_http_requests_total',
    help: 'HTTP requests answered by the gateway, by method, route pattern and status',
    labelNames: ['method', 'route', 'status'],
  });
const duration = () =>
  processHistogram({
    name: 'lt_gateway_http_request_duration_seconds',
    help: 'Time from an HTTP request arriving at the gateway to its response being sent (or the client leaving)',
    labelNames: ['method', 'route'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  });

/**
 * The gateway's request observer, the first middleware of the app: a request id (the caller's
 * X-Request-Id if sane, else a new one, returned in the response header), a server span that
 * continues the caller's `traceparent` (or a fresh trace), bound as the active context so the
 * services' requests made for this HTTP request carry it (RpcClient), and when the response is
 * gone one JSON log line and the request metrics.
 */
export class HttpRequestObserver {
  private readonly traces = new WeakMap<Request, TraceContext>();
  private readonly counter = requests();
  private readonly histogram = duration();

  constructor(private readonly log: Logger) {
    // the active context follows each request through Nest's guards and handlers (a no-op if
    // this process already has a context manager)
    otelContext.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  }

  /** The first middleware. */
  readonly observe = (req: Request, res: Response, next: NextFunction): void => {
    const started = process.hrtime.bigint();
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    res.setHeader(REQUEST_ID_HEADER, requestId);
    const { span, ctx } = startSpan(`HTTP ${req.method}`, SpanKind.SERVER, traceContextOfHttp(req.headers), () => ({
      'http.request.method': req.method,
      'url.path': pathOf(req),
      'lt.request_id': requestId,
    }));
    const trace = ensureTrace(ctx);
    this.traces.set(req, trace);
    res.once('close', () => {
      const seconds = Number(process.hrtime.bigint() - started) / 1e9;
      const route = routeOf(req);
      // a client that left before the answer: 499, as nginx logs it
      const status = res.writableFinished ? res.statusCode : 499;
      this.counter.inc({ method: req.method, route, status: String(status) });
      this.histogram.observe({ method: req.method, route }, seconds);
      const agency = (req as Request & { caller?: { agencyCode?: string } }).caller?.agencyCode;
      const line = {
        requestId,
        method: req.method,
        path: pathOf(req),
        route,
        status,
        durationMs: Math.round(seconds * 1e5) / 100,
        ...(agency ? { agency } : {}),
        traceId: traceIdOf(trace),
      };
      if (status >= 500) this.log.error(line, 'http request');
      else this.log.info(line, 'http request');
      if (span.isRecording()) span.setAttributes({ 'http.response.status_code': status, 'http.route': route });
      endSpan(span, status >= 500 ? new Error(`HTTP ${status}`) : undefined);
    });
    otelContext.with(trace, next);
  };

  /** After the body parser, whose callback runs outside the request's context: binds it again. */
  readonly rebind = (req: Request, _res: Response, next: NextFunction): void => {
    const trace = this.traces.get(req);
    if (trace) otelContext.with(trace, next);
    else next();
  };
}

/** The path without the query string (which may hold tokens), bounded. */
function pathOf(req: Request): string {
  const path = (req.originalUrl ?? req.url).split('?')[0]!;
  return path.length > MAX_LOGGED_PATH ? `${path.slice(0, MAX_LOGGED_PATH)}…` : path;
}

/** The route pattern Express matched (`/v1/agencies/:code`): bounded label values, unlike paths. */
function routeOf(req: Request): string {
  const path = (req.route as { path?: unknown } | undefined)?.path;
  return typeof path === 'string' ? path : 'unmatched';
}
