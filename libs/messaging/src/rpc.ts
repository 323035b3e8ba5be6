import { LtError, toLtError, type ErrorBody } from '@lt/contracts';
import type { NatsConnection, Subscription } from '@nats-io/transport-node';
import type { Logger } from 'pino';

/**
 * Request-reply between the gateway/CLI and the services, over core NATS with a queue group so
 * several replicas share the load. Errors cross the wire as `{error: {code, message, details}}`
 * and are rethrown as LtError with the same stable code on the caller's side.
 */
type Reply<T> = { ok: true; result: T } | { ok: false; error: ErrorBody };

const enc = new TextEncoder();
const dec = new TextDecoder();

export type RpcHandler = (payload: unknown) => Promise<unknown> | unknown;

export class RpcServer {
  private readonly subs: Subscription[] = [];

  constructor(
    private readonly nc: NatsConnection,
    private readonly log: Logger,
    private readonly queue: string,
  ) {}

  serve(subject: string, handler: RpcHandler): void {
    const sub = this.nc.subscribe(subject, {
      queue: this.queue,
      callback: (err, msg) => {
        if (err) {
          this.log.error({ err, subject }, 'rpc subscription error');
          return;
        }
        // a reply aimed at a JetStream API or stream subject would let a client make a service
        // publish on its behalf (nats-server#8274 push-consumer gap): never answer those
        if (msg.reply && (msg.reply.startsWith('$JS.') || msg.reply.startsWith('$KV.') || !msg.reply.startsWith('_INBOX.'))) {
          this.log.warn({ subject, reply: msg.reply }, 'rpc request with a non-inbox reply subject dropped');
          return;
        }
        void (async () => {
          let reply: Reply<unknown>;
          try {
            const payload = msg.data.length ? JSON.parse(dec.decode(msg.data)) : undefined;
            reply = { ok: true, result: await handler(payload) };
          } catch (e) {
            const lt = e instanceof SyntaxError ? new LtError('MALFORMED_JSON', `request body is not JSON: ${e.message}`) : toLtError(e);
            if (lt.code === 'INTERNAL') this.log.error({ err: e, subject }, 'rpc handler failed');
            reply = { ok: false, error: lt.toJSON() };
          }
          if (msg.reply) msg.respond(enc.encode(JSON.stringify(reply)));
        })();
      },
    });
    this.subs.push(sub);
  }

  async close(): Promise<void> {
    for (const s of this.subs) s.unsubscribe();
  }
}

export class RpcClient {
  constructor(
    private readonly nc: NatsConnection,
    private readonly defaultTimeoutMs = 10_000,
  ) {}

  async call<T>(subject: string, payload?: unknown, timeoutMs = this.defaultTimeoutMs): Promise<T> {
    let body: Uint8Array;
    try {
      body = enc.encode(payload === undefined ? '' : JSON.stringify(payload));
    } catch (err) {
      // a local problem (cyclic or absurdly deep value): retrying cannot help, so never UNAVAILABLE
      throw new LtError('BAD_REQUEST', `request for ${subject} cannot be encoded as JSON: ${(err as Error).message}`, { subject });
    }
    let data: Uint8Array;
    try {
      const m = await this.nc.request(subject, body, { timeout: timeoutMs });
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
    const reply = JSON.parse(dec.decode(data)) as Reply<T>;
    if (!reply.ok) throw LtError.fromBody(reply.error);
    return reply.result;
  }
}
