import { toLtError } from '@lt/contracts';
import { BaseRpcContext, Server, type CustomTransportStrategy, type MessageHandler } from '@nestjs/microservices';
import type { Msg, MsgHdrs, NatsConnection, Subscription } from '@nats-io/transport-node';
import { lastValueFrom } from 'rxjs';
import type { Logger } from 'pino';
import { context as otelContext } from '@opentelemetry/api';
import { decodeRpcRequest, isSafeReplySubject, respondRpc } from '../rpc';
import { endSpan, SpanKind, startSpan, traceContextOf, type TraceContext } from '../trace-context';

/** `@MessagePattern('agency.import', { [PER_REPLICA]: true })`: served on `<subject>.<replicaId>` by this replica alone. */
export const PER_REPLICA = 'perReplica';

export interface NatsRpcServerOptions {
  nc: NatsConnection;
  log: Logger;
  /** prepended to every pattern, e.g. `lt.rpc.registry.` (topology.rpcSubject(service, '')) */
  subjectPrefix: string;
  /** queue group shared by the service's replicas */
  queue: string;
  /** this replica's id, for handlers marked PER_REPLICA (their queue group is `<queue>-<replicaId>`) */
  replicaId?: string;
}

/** The RPC context handed to @MessagePattern handlers (`@Ctx()`): the subject, the request's headers and its trace. */
export class NatsRpcContext extends BaseRpcContext<[string, MsgHdrs?, TraceContext?]> {
  getSubject(): string {
    return this.args[0];
  }

  /** The context of this request's server span (child of the caller's trace): what a handler's own publishes continue. */
  getTrace(): TraceContext {
    return this.args[2] ?? otelContext.active();
  }

  /** A request header (exact name), undefined when absent or empty. */
  getHeader(name: string): string | undefined {
    const v = this.args[1]?.get(name);
    return v ? v : undefined;
  }
}

/**
 * A @nestjs/microservices transport over a service's single NATS connection: each @MessagePattern
 * becomes a core-NATS queue subscription, each request gets exactly one reply in the shape of
 * rpc.ts (errors as `{code, message, details}`). The connection belongs to main.ts: closing the
 * transport unsubscribes and leaves the connection open for the service's own drain.
 */
export class NatsRpcServer extends Server implements CustomTransportStrategy {
  private readonly subs: Subscription[] = [];
  /** kept apart from messageHandlers, where a shared handler of the same pattern would replace them */
  private readonly perReplicaHandlers = new Map<string, MessageHandler>();

  constructor(private readonly o: NatsRpcServerOptions) {
    super();
  }

  /** The subjects served, once listening (for logs and tests). */
  get subjects(): string[] {
    return this.subs.map((s) => s.getSubject());
  }

  /** A pattern may have a shared handler and a per-replica one (the registry's `agency.import`). */
  override addHandler(pattern: unknown, callback: MessageHandler, isEventHandler = false, extras: Record<string, unknown> = {}): void {
    if (extras[PER_REPLICA] !== true) return super.addHandler(pattern, callback, isEventHandler, extras);
    Object.assign(callback, { isEventHandler, extras });
    this.perReplicaHandlers.set(this.normalizePattern(pattern as string), callback);
  }

  listen(callback: (...args: unknown[]) => void): void {
    for (const [pattern, handler] of [...this.messageHandlers, ...this.perReplicaHandlers]) {
      const perReplica = handler.extras?.[PER_REPLICA] === true;
      if (perReplica && !this.o.replicaId) throw new Error(`pattern ${pattern} is per replica but the transport has no replicaId`);
      const subject = perReplica ? `${this.o.subjectPrefix}${pattern}.${this.o.replicaId}` : `${this.o.subjectPrefix}${pattern}`;
      const queue = perReplica ? `${this.o.queue}-${this.o.replicaId}` : this.o.queue;
      this.subs.push(this.o.nc.subscribe(subject, { queue, callback: (err, msg) => this.onRequest(subject, handler, err, msg) }));
    }
    callback();
  }

  close(): void {
    for (const s of this.subs.splice(0)) s.unsubscribe();
  }

  on(): never {
    throw new Error('NatsRpcServer has no events: the connection is observed by its owner');
  }

  unwrap<T>(): T {
    return this.o.nc as T;
  }

  private onRequest(subject: string, handler: MessageHandler, err: Error | null, msg: Msg): void {
    if (err) {
      this.o.log.error({ err, subject }, 'rpc subscription error');
      return;
    }
    if (!isSafeReplySubject(msg.reply)) {
      this.o.log.warn({ subject, reply: msg.reply }, 'rpc request with a non-inbox reply subject dropped');
      return;
    }
    // the caller's trace (traceparent header) continues in a server span; bound as the active
    // context for handlers in a process with a context manager
    const { span, ctx } = startSpan(`rpc ${subject}`, SpanKind.SERVER, traceContextOf(msg.headers), () => ({
      'rpc.system': 'nats',
      'messaging.destination.name': subject,
    }));
    void otelContext.with(ctx, async () => {
      try {
        const out = await handler(decodeRpcRequest(msg), new NatsRpcContext([subject, msg.headers, ctx]));
        respondRpc(msg, { result: await lastValueFrom(this.transformToObservable(out), { defaultValue: undefined }) });
        endSpan(span);
      } catch (e) {
        if (toLtError(e).code === 'INTERNAL') this.o.log.error({ err: e, subject }, 'rpc handler failed');
        respondRpc(msg, { error: e });
        endSpan(span, e);
      }
    });
  }
}
