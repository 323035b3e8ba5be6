import { LtError, toLtError, type ErrorBody } from '@lt/contracts';
import { ClientProxy, type ReadPacket, type WritePacket } from '@nestjs/microservices';
import { headers as natsHeaders } from '@nats-io/nats-core';
import type { Msg, NatsConnection } from '@nats-io/transport-node';
import type { Logger } from 'pino';
import { context as otelContext } from '@opentelemetry/api';
import { hasTrace, injectTraceContext, type TraceContext } from './trace-context';

/**
 * The request-reply wire format between the gateway/CLI and the services: one JSON reply per
 * request, `{ok: true, result}` or `{ok: false, error: {code, message, details}}`. Errors are
 * rethrown on the caller's side as LtError with the same stable code.
 */
export type RpcReply<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };

const enc = new TextEncoder();
const dec = new TextDecoder();

/**
 * A reply aimed at a JetStream API or stream subject would let a client make a service publish
 * on its behalf (nats-server#8274 push-consumer gap): only `_INBOX.` replies are answered.
 */
export function isSafeReplySubject(reply: string | undefined): boolean {
  return reply === undefined || reply === '' || reply.startsWith('_INBOX.');
}

/** The request body: empty means `undefined`; anything else must be JSON (MALFORMED_JSON otherwise). */
export function decodeRpcRequest(msg: Pick<Msg, 'data'>): unknown {
  if (!msg.data.length) return undefined;
  try {
    return JSON.parse(dec.decode(msg.data));
  } catch (e) {
    throw new LtError('MALFORMED_JSON', `request body is not JSON: ${(e as Error).message}`);
  }
}

/** Answers a request with a result or an error; the one place the reply shape is written. */
export function respondRpc(msg: Pick<Msg, 'reply' | 'respond'>, outcome: { result: unknown } | { error: unknown }): void {
  if (!msg.reply) return;
  const reply: RpcReply<unknown> = 'error' in outcome ? { ok: false, error: toLtError(outcome.error).toJSON() } : { ok: true, result: outcome.result };
  msg.respond(enc.encode(JSON.stringify(reply)));
}

/**
 * The caller's side: a @nestjs/microservices ClientProxy over the service's own NATS connection
 * (never a second connection). `call()` awaits one reply with a per-call timeout; `send()` is the
 * Nest observable form of the same request. `withHeaders()` gives a client over the same
 * connection whose every request carries those headers (the caller's token, contracts/caller.ts).
 */
export class RpcClient extends ClientProxy {
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs = 10_000,
    private readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super();
  }

  /** The same connection and timeout, with `extra` added to the headers of every request. */
  withHeaders(extra: Readonly<Record<string, string>>): RpcClient {
    return new RpcClient(this.nc, this.defaultTimeoutMs, { ...this.headers, ...extra });
  }

  private requestHeaders(trace: TraceContext): ReturnType<typeof natsHeaders> | undefined {
    const entries = Object.entries(this.headers);
    const traced = hasTrace(trace);
    if (entries.length === 0 && !traced) return undefined;
    const h = natsHeaders();
    for (const [k, v] of entries) h.set(k, v);
    if (traced) injectTraceContext(trace, h);
    return h;
  }

  /**
   * `trace`: the trace the request continues; by default the active context's (the gateway binds
   * each HTTP request's), so a service's server span is the caller's child.
   */
  async call<T>(subject: string, payload?: unknown, timeoutMs = this.defaultTimeoutMs, trace: TraceContext = otelContext.active()): Promise<T> {
    let body: Uint8Array;
    try {
      body = enc.encode(payload === undefined ? '' : JSON.stringify(payload));
    } catch (err) {
      // a local problem (cyclic or absurdly deep value): retrying cannot help, so never UNAVAILABLE
      throw new LtError('BAD_REQUEST', `request for ${subject} cannot be encoded as JSON: ${(err as Error).message}`, { subject });
    }
    const headers = this.requestHeaders(trace);
    let data: Uint8Array;
    try {
      const m = await this.nc.request(subject, body, { timeout: timeoutMs, ...(headers ? { headers } : {}) });
      data = m.data;
    } catch (err) {
      const e = err as Error;
      const service = subject.split('.').slice(2, 3)[0] ?? subject;
      if (/no responders/i.test(e.message) || e.name === 'NoRespondersError') {
        throw new LtError('UNAVAILABLE', `the ${service} service is not running (no responders on ${subject})`, { subject });
      }
      if (/timeout/i.test(e.message) || e.name === 'TimeoutError') {
        throw new LtError('TIMEOUT', `the ${service} service did not answer within ${timeoutMs} ms`, { subject });
      }
      throw new LtError('UNAVAILABLE', `request to ${subject} failed: ${e.message}`, { subject });
    }
    const reply = JSON.parse(dec.decode(data)) as RpcReply<T>;
    if (!reply.ok) throw LtError.fromBody(reply.error);
    return reply.result;
  }

  async connect(): Promise<NatsConnection> {
    return this.nc;
  }

  /** The connection belongs to whoever opened it: closing the client leaves it open. */
  close(): void {}

  unwrap<T>(): T {
    return this.nc as T;
  }

  /** `send(subject, payload)`: the pattern is the full subject. */
  protected publish(packet: ReadPacket, callback: (packet: WritePacket) => void): () => void {
    this.call(String(packet.pattern), packet.data).then(
      (response) => callback({ response, isDisposed: true }),
      (err: unknown) => callback({ err, isDisposed: true }),
    );
    return () => undefined;
  }

  /** Fire-and-forget has no place in this protocol: every request is answered. */
  protected async dispatchEvent(packet: ReadPacket): Promise<never> {
    throw new LtError('BAD_REQUEST', `events are not request-reply: use send() for ${String(packet.pattern)}`);
  }
}

/**
 * Serves plain handlers on absolute subjects: the stand-in services of tests and benches. The
 * hub's services use NatsRpcServer with @MessagePattern handlers; both answer through respondRpc.
 */
export type RpcHandler = (payload: unknown) => Promise<unknown> | unknown;

export class RpcServer {
  private readonly subs: Array<{ unsubscribe(): void }> = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly queue: string,
  ) {}

  serve(subject: string, handler: RpcHandler): void {
    this.subs.push(
      this.nc.subscribe(subject, {
        queue: this.queue,
        callback: (err, msg) => {
          if (err) return this.log.error({ err, subject }, 'rpc subscription error');
          if (!isSafeReplySubject(msg.reply)) return this.log.warn({ subject, reply: msg.reply }, 'rpc request with a non-inbox reply subject dropped');
          void (async () => {
            try {
              respondRpc(msg, { result: await handler(decodeRpcRequest(msg)) });
            } catch (e) {
              if (toLtError(e).code === 'INTERNAL') this.log.error({ err: e, subject }, 'rpc handler failed');
              respondRpc(msg, { error: e });
            }
          })();
        },
      }),
    );
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
  }
}
