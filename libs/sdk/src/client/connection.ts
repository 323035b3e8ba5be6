import { readFileSync } from 'node:fs';
import { jetstream, type JetStreamClient } from '@nats-io/jetstream';
import { credsAuthenticator } from '@nats-io/nats-core';
import type { KV } from '@nats-io/kv';
import pino from 'pino';
import { LtError, SIGNING_ALGS, parseAgencyCode, topology, type SigningAlg, type Topology } from '@lt/contracts';
import { formatKid, importPrivateKey, type SigningKey } from '@lt/crypto';
import { agencyConnectionOptions, connectNats, openAgencyKv, readSeedFile, type NatsConnection } from '@lt/messaging';
import { KvDirectoryFeed } from '@lt/directory';
import { readKeyFile, systemClock, type Clock, type Logger } from '@lt/platform';
import { AgencyDirectory } from '../directory';
import { ensureInboxConsumer } from '../inbox-consumer';
import type { ConnectOptions } from '../types';

interface ConnectionParts {
  nc: NatsConnection;
  ownsConnection: boolean;
  topo: Topology;
  agencyCode: string;
  signer: SigningKey;
  kid: string;
  clock: Clock;
  log: Logger;
  opts: ConnectOptions;
}

/**
 * What the parts of a client share: the agency's identity and signing key (imported once), the
 * NATS connection and its JetStream context, the topology, and the directory kept current by a
 * KV watch. Opened first by connect(), closed last by close().
 */
export class AgencyConnection {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly topo: Topology;
  readonly agencyCode: string;
  readonly signer: SigningKey;
  /** `<agency code>#<key id>` of the signing key */
  readonly kid: string;
  readonly clock: Clock;
  readonly log: Logger;
  /** as given to connect(); each part reads its own settings from it */
  readonly opts: ConnectOptions;
  /** in-memory directory (agencies, their keys, hub keys), kept current by a KV watch */
  readonly directory = new AgencyDirectory();
  private readonly ownsConnection: boolean;
  private directoryFeed?: KvDirectoryFeed;

  private constructor(p: ConnectionParts) {
    this.nc = p.nc;
    this.ownsConnection = p.ownsConnection;
    this.topo = p.topo;
    this.agencyCode = p.agencyCode;
    this.signer = p.signer;
    this.kid = p.kid;
    this.clock = p.clock;
    this.log = p.log;
    this.opts = p.opts;
    this.js = jetstream(p.nc, { timeout: p.opts.publishTimeoutMs ?? 10_000 });
  }

  /**
   * Imports the signing key, connects to NATS (unless `opts.nc` is given), loads the directory
   * from KV and keeps watching it, and makes sure the agency's durable inbox consumer exists.
   */
  static async open(opts: ConnectOptions): Promise<AgencyConnection> {
    const agencyCode = parseAgencyCode(opts.agencyCode);
    const { signer, kid } = loadSigningKey(agencyCode, opts);
    const topo = topology(opts.ns ?? 'lt');
    const log = opts.logger ?? pino({ name: 'lt-sdk', level: process.env.LOG_LEVEL ?? 'warn', base: { agency: agencyCode } }, pino.destination(2));
    const ownsConnection = !opts.nc;
    const nc = opts.nc ?? (await connectToNats(agencyCode, opts));
    const conn = new AgencyConnection({ nc, ownsConnection, topo, agencyCode, signer, kid, clock: opts.clock ?? systemClock, log, opts });
    try {
      await conn.loadDirectory(opts.directoryTimeoutMs ?? 15_000);
      if (opts.ensureInbox !== false) await ensureInboxConsumer(nc, topo, agencyCode, opts.inboxConsumer);
    } catch (err) {
      await conn.close().catch(() => undefined);
      throw err instanceof LtError ? err : new LtError('UNAVAILABLE', `connect failed: ${(err as Error).message}`);
    }
    return conn;
  }

  private async loadDirectory(timeoutMs: number): Promise<void> {
    let kv: KV;
    try {
      kv = await openAgencyKv(this.nc, this.topo);
    } catch (err) {
      throw new LtError('UNAVAILABLE', `agency directory bucket ${this.topo.kvAgencies} cannot be opened (${(err as Error).message}); is the hub running?`);
    }
    // the shared KV feed (libs/directory): initial values, then every update, resumed after outages
    this.directoryFeed = new KvDirectoryFeed(kv, this.directory.shared, this.log);
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new LtError('TIMEOUT', `agency directory not loaded from ${this.topo.kvAgencies} within ${timeoutMs} ms`)), timeoutMs);
    });
    const loading = this.directoryFeed.start();
    loading.catch(() => undefined); // still settles after a timeout: not an unhandled rejection
    try {
      await Promise.race([loading, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Stops the directory watch and drains the NATS connection if open() made it. */
  async close(): Promise<void> {
    await this.directoryFeed?.stop();
    if (this.ownsConnection && !this.nc.isClosed()) await this.nc.drain();
  }
}

async function connectToNats(agencyCode: string, opts: ConnectOptions): Promise<NatsConnection> {
  const natsOptions = { ...(opts.seedFile ? agencyConnectionOptions(agencyCode, readSeedFile(opts.seedFile).seed) : {}), ...opts.natsOptions };
  if (opts.credsFile) natsOptions.authenticator = credsAuthenticator(readFileSync(opts.credsFile));
  const url = opts.natsUrl ?? 'nats://127.0.0.1:4222';
  try {
    return await connectNats(url, `lt-sdk ${agencyCode}`, natsOptions);
  } catch (err) {
    throw new LtError('UNAVAILABLE', `cannot connect to NATS at ${url}: ${(err as Error).message}`, { natsUrl: url });
  }
}

function loadSigningKey(agencyCode: string, opts: ConnectOptions): { signer: SigningKey; kid: string } {
  let jwk = opts.privateJwk;
  let keyId = opts.keyId;
  let alg = opts.alg;
  if (opts.keyFile) {
    let file;
    try {
      file = readKeyFile(opts.keyFile);
    } catch (err) {
      throw new LtError('VALIDATION_FAILED', `key file ${opts.keyFile} cannot be read: ${(err as Error).message}`, { field: 'keyFile' });
    }
    jwk ??= file.privateJwk;
    keyId ??= file.keyId;
    alg ??= file.alg;
  }
  if (!jwk || !keyId) throw new LtError('VALIDATION_FAILED', 'connect needs privateJwk and keyId, or keyFile', { field: 'privateJwk' });
  const jwkAlg = jwk.alg === 'Ed25519' ? 'EdDSA' : jwk.alg;
  alg ??= (SIGNING_ALGS as readonly unknown[]).includes(jwkAlg) ? (jwkAlg as SigningAlg) : 'EdDSA';
  const signer = importPrivateKey(jwk, alg);
  return { signer, kid: formatKid(agencyCode, keyId) };
}
