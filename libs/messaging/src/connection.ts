import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';

export type { NatsConnection };

/**
 * One NATS connection per process, shared by JetStream, KV and request-reply. Reconnects
 * forever: a hub service rides out a NATS restart instead of dying with it.
 */
export async function connectNats(url: string, name: string, opts: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
  return connect({
    servers: url.split(','),
    name,
    maxReconnectAttempts: -1,
    reconnectTimeWait: 500,
    pingInterval: 10_000,
    // async stack traces allocate two Error objects per request (every PubAck and ackAck):
    // about 8-10% of a busy service's CPU, for stack traces nobody reads
    noAsyncTraces: true,
    ...opts,
  });
}
