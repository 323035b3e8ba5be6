import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { connect, type NatsConnection, type NodeConnectionOptions } from '@nats-io/transport-node';
import { LtError } from '@lt/contracts';
import { readSeedFile, serviceConnectionOptions } from './permissions/nkeys';

export type { NatsConnection };

/**
 * One NATS connection per process, shared by JetStream, KV and request-reply. Reconnects
 * forever: a hub service rides out a NATS restart instead of dying with it.
 */
export async function connectNats(url: string, name: string, opts: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
  try {
    return await connect({
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
  } catch (err) {
    throw connectionError(url, err, opts);
  }
}

/** Where a process finds its NATS credentials and TLS trust (HubConfig and CliSettings carry these). */
export interface NatsClientSettings {
  natsUrl: string;
  /** nkey seed file; undefined: no credentials (a throwaway server only) */
  natsSeedFile?: string;
  /** folder holding ca.pem; undefined: plain TCP */
  natsTlsDir?: string;
}

/** The TLS part of a connection: verify the server against `<dir>/ca.pem`. */
export function natsTlsOptions(tlsDir: string | undefined): Partial<NodeConnectionOptions> {
  if (!tlsDir) return {};
  const caFile = join(tlsDir, 'ca.pem');
  if (!existsSync(caFile)) throw new LtError('VALIDATION_FAILED', `LT_NATS_TLS_DIR: ${caFile} does not exist (the CA certificate clients verify the NATS server with)`, { field: 'LT_NATS_TLS_DIR' });
  return { tls: { caFile } };
}

/** Connects a hub process with its own seed (if any) and TLS trust (if any): every service's one connection. */
export async function connectHub(s: NatsClientSettings, name: string, extra: Partial<NodeConnectionOptions> = {}): Promise<NatsConnection> {
  const auth = s.natsSeedFile ? serviceConnectionOptions(readSeedFile(s.natsSeedFile).seed) : {};
  return connectNats(s.natsUrl, name, { ...auth, ...natsTlsOptions(s.natsTlsDir), ...extra });
}

/** A refused connection says why in words an operator can act on. */
function connectionError(url: string, err: unknown, opts: Partial<NodeConnectionOptions>): Error {
  const text = `${(err as Error)?.message ?? err} ${String((err as { cause?: unknown })?.cause ?? '')}`;
  if (/authorization violation|authentication|AUTHORIZATION/i.test(text)) {
    const how = opts.authenticator ? 'its credentials were refused (unknown, rotated or revoked user)' : 'it requires credentials and none were given (set LT_NATS_SEED_FILE)';
    return new LtError('UNAUTHENTICATED', `NATS at ${url} refused the connection: ${how}`, { url });
  }
  if (/tls|certificate|self.signed|SSL/i.test(text)) {
    return new LtError('UNAVAILABLE', `NATS at ${url}: TLS failed (${text.trim()}); check LT_NATS_TLS_DIR/ca.pem and the server's certificate`, { url });
  }
  return err as Error;
}
