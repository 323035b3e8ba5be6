import { randomBytes } from 'node:crypto';
import pino from 'pino';
import { Controller, Module } from '@nestjs/common';
import { Ctx, MessagePattern } from '@nestjs/microservices';
import { ROOT_CONTEXT, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import { InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { topology } from '@lt/contracts';
import { startTracing, type Tracing } from '@lt/observability';
import { connectNats, type NatsConnection } from '../connection';
import { RpcClient } from '../rpc';
import { traceIdOf } from '../trace-context';
import { bootHubService } from './boot';
import { NatsRpcContext } from './nats-rpc.server';

const log = pino({ level: 'silent' });

@Controller()
class TraceController {
  @MessagePattern('apply')
  apply(@Ctx() ctx: NatsRpcContext) {
    return { traceId: traceIdOf(ctx.getTrace()) ?? null, traceparent: ctx.getHeader('traceparent') ?? null };
  }
}

@Module({ controllers: [TraceController] })
class TraceModule {}

/**
 * The request-reply side of the trace (the router's `dossier.apply`, the gateway's requests): the
 * caller's context travels in the request headers and the serving side (NatsRpcServer, as the
 * dossier service runs it) continues it in a server span. Real NATS.
 */
describe('trace context over request-reply (NatsRpcServer, real NATS)', () => {
  const topo = topology(`t${randomBytes(4).toString('hex')}`);
  const exporter = new InMemorySpanExporter();
  let nc: NatsConnection;
  let app: Awaited<ReturnType<typeof bootHubService>>;
  let tracing: Tracing;

  beforeAll(async () => {
    nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'rpc-tracing-test');
    tracing = await startTracing({ service: 'dossier', log, processor: new SimpleSpanProcessor({ exporter }) });
    app = await bootHubService(TraceModule, { nc, log, topology: topo, service: 'dossier' });
  });
  afterAll(async () => {
    await app?.close();
    await tracing?.stop();
    await nc?.drain();
  });

  it("the server span is the caller span's child and the handler sees the caller's trace", async () => {
    const caller = { traceId: randomBytes(16).toString('hex'), spanId: randomBytes(8).toString('hex') };
    const ctx = trace.setSpanContext(ROOT_CONTEXT, { ...caller, traceFlags: TraceFlags.SAMPLED, isRemote: false });
    const r = await new RpcClient(nc).call<{ traceId: string; traceparent: string }>(topo.rpcSubject('dossier', 'apply'), {}, 5_000, ctx);
    expect(r.traceId).toBe(caller.traceId);
    expect(r.traceparent).toBe(`00-${caller.traceId}-${caller.spanId}-01`);

    await new Promise((resolve) => setImmediate(resolve));
    const span = exporter.getFinishedSpans().find((s) => s.spanContext().traceId === caller.traceId);
    expect(span?.name).toBe(`rpc ${topo.rpcSubject('dossier', 'apply')}`);
    expect(span?.kind).toBe(SpanKind.SERVER);
    expect(span?.parentSpanContext?.spanId).toBe(caller.spanId);
    expect(span?.resource.attributes['service.name']).toBe('lienthong-dossier');
  });

  it('a request without trace context carries no traceparent and starts a trace of its own on the serving side', async () => {
    const r = await new RpcClient(nc).call<{ traceId: string | null; traceparent: string | null }>(
      topo.rpcSubject('dossier', 'apply'),
      {},
      5_000,
      ROOT_CONTEXT,
    );
    expect(r.traceparent).toBeNull();
    // tracing is on in this process: the server span is a root span with its own trace id
    expect(r.traceId).toMatch(/^[0-9a-f]{32}$/);
  });
});
