import { jetstreamManager } from '@nats-io/jetstream';
import { parseAgencyCode, topology } from '@lt/contracts';
import { AgencyDirectory, KvDirectoryFeed, type DirectoryReader } from '@lt/directory';
import { DurableConsumerRunner, JetStreamPublisher, RpcClient, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { systemClock, type Clock, type KeyFile, type Logger } from '@lt/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { publishHubKey } from './adapters/hub-key-publisher';
import { HubSigner, type HubPublicKey } from './adapters/hub-signer';
import { JetStreamDelivery } from './adapters/jetstream-delivery';
import { PostgresRoutingRegister } from './adapters/postgres-register';
import { InlineVerifier, PooledVerifier, type SignatureVerifier } from './adapters/signature-verifier';
import { allOf, defaultRoutingPolicy, type RoutingPolicy } from './policy/routing-policy';
import { RpcDossierGate, type DossierGate } from './adapters/dossier-gate';
import { SubmissionProcessor, type CrashPoints, type RouterStats } from './submission-processor';

export interface RouterOptions {
  /** submissions per batch (default 512) */
  maxBatch: number;
  /** how long a batch that is not full waits for more submissions (default 0: at once) */
  lingerMs: number;
  /** deliveries before a submission that keeps failing for its own sake is dead-lettered (default 8) */
  maxDeliver: number;
  /** JetStream ack wait of the durable consumer: how long a crashed router's batch stays invisible (default 30 s) */
  ackWaitMs: number;
  maxAckPending: number;
  /** `inline` (default) or `pool`: worker threads for batches of at least poolThreshold */
  verify: 'inline' | 'pool';
  poolThreshold: number;
  poolSize?: number;
  /** redelivery delay after a failure: nakBaseMs doubled per delivery, at most nakMaxMs */
  nakBaseMs: number;
  nakMaxMs: number;
}

export const DEFAULT_ROUTER_OPTIONS: RouterOptions = {
  maxBatch: 512,
  lingerMs: 0,
  maxDeliver: 8,
  ackWaitMs: 30_000,
  maxAckPending: 20_000,
  verify: 'inline',
  poolThreshold: 64,
  nakBaseMs: 500,
  nakMaxMs: 30_000,
};

/** Server-side delivery cap: the router dead-letters by itself; outages must not exhaust it. */
const SERVER_MAX_DELIVER = 100_000;

export interface RouterServiceDeps {
  nc: NatsConnection;
  ds: Pick<DataSource | EntityManager, 'query'>;
  /** namespace of streams and subjects (`lt` in production) */
  ns: string;
  log: Logger;
  /** the hub key file (loadOrCreateHubKey): refusals are signed with it */
  hubKey: KeyFile;
  clock?: Clock;
  /** extra authorisation, applied after the default (active agencies, no agency-sent receipts) */
  policy?: RoutingPolicy;
  /** `from` of hub-signed refusals (default 000.00.00.G22, the axis operator) */
  hubAgency?: string;
  options?: Partial<RouterOptions>;
  /** test-only: hooks awaited between the steps of a batch */
  crashPoints?: CrashPoints;
  /** lifecycle check of `dossier` envelopes (default: the dossier service over request-reply) */
  dossierGate?: DossierGate;
}

export interface RouterService {
  /** loads the directory (waits for the KV watch's initial values), publishes the hub key, starts consuming */
  start(): Promise<void>;
  /** stops pulling, lets the batch in hand settle, stops the watch and the workers */
  stop(): Promise<void>;
  readonly stats: RouterStats;
  readonly directory: DirectoryReader;
  readonly hubPublicKey: HubPublicKey;
}

/**
 * DurableConsumerRunner.start() returns before its pull is open, and a stop() in that window
 * leaves the pull running (libs/messaging race, reported). Waiting until the server sees the
 * pull makes start() mean "consuming" and closes the window.
 */
async function waitUntilPulling(nc: NatsConnection, stream: string, durable: string, timeoutMs = 5_000): Promise<void> {
  const jsm = await jetstreamManager(nc);
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const info = await jsm.consumers.info(stream, durable);
    if (info.num_waiting > 0 || info.num_ack_pending > 0) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The router, runnable in-process (tests, bench, npm start) or from main.ts. */
export function createRouterService(deps: RouterServiceDeps): RouterService {
  const opts: RouterOptions = { ...DEFAULT_ROUTER_OPTIONS, ...deps.options };
  const topo = topology(deps.ns);
  const hubAgency = parseAgencyCode(deps.hubAgency ?? '000.00.00.G22');
  const clock = deps.clock ?? systemClock;
  const log = deps.log;
  const signer = new HubSigner(deps.hubKey);
  const directory = new AgencyDirectory();
  const policy = deps.policy ? allOf(defaultRoutingPolicy, deps.policy) : defaultRoutingPolicy;
  const ctx = { ns: topo.ns, directory, policy };
  const delivery = new JetStreamDelivery(new JetStreamPublisher(deps.nc, topo), topo, signer, hubAgency);
  const register = new PostgresRoutingRegister(deps.ds);

  let verifier: SignatureVerifier | undefined;
  let feed: KvDirectoryFeed | undefined;
  let runner: DurableConsumerRunner | undefined;
  let processor: SubmissionProcessor | undefined;
  const emptyStats: RouterStats = { batches: 0, delivered: 0, copies: 0, refused: 0, replayed: 0, flagged: 0, deadLettered: 0, retried: 0, redelivered: 0 };

  return {
    get stats() {
      return processor?.stats ?? emptyStats;
    },
    directory,
    hubPublicKey: signer.publicKey,

    async start() {
      const kv = await openAgencyKv(deps.nc, topo);
      if (await publishHubKey(kv, signer.publicKey)) log.info({ kid: signer.kid }, 'hub public key published');
      feed = new KvDirectoryFeed(kv, directory, log);
      await feed.start();
      log.info({ agencies: directory.size }, 'directory loaded');
      verifier = opts.verify === 'pool' ? new PooledVerifier(opts.poolThreshold, opts.poolSize) : new InlineVerifier();
      const gate = deps.dossierGate ?? new RpcDossierGate(new RpcClient(deps.nc), topo);
      processor = new SubmissionProcessor(ctx, verifier, register, delivery, clock, log, opts, deps.crashPoints, gate);
      runner = new DurableConsumerRunner(
        deps.nc,
        {
          stream: topo.streams.submit,
          durable: topo.consumers.router,
          maxBatch: opts.maxBatch,
          lingerMs: opts.lingerMs,
          maxDeliver: SERVER_MAX_DELIVER,
          ackWaitMs: opts.ackWaitMs,
          maxAckPending: opts.maxAckPending,
          retryDelayMs: opts.nakBaseMs,
        },
        processor.handle,
        log,
      );
      await runner.start();
      await waitUntilPulling(deps.nc, topo.streams.submit, topo.consumers.router);
      log.info({ stream: topo.streams.submit, durable: topo.consumers.router, verify: opts.verify, maxBatch: opts.maxBatch }, 'router consuming');
    },

    async stop() {
      await runner?.stop();
      await processor?.drain();
      // the acks are plain publishes: make sure the server has them before anyone takes over
      await deps.nc.flush().catch(() => undefined);
      await feed?.stop();
      await verifier?.close();
    },
  };
}

export { AgencyDirectory, type AgencyView, type DirectoryReader, type KeyView } from '@lt/directory';
export { DenyRulesPolicy, parseDenyRules, type DenyRule } from './policy/deny-rules';
export { allOf, defaultRoutingPolicy, type PolicyVerdict, type RoutingPolicy } from './policy/routing-policy';
export { routeSubmission, prepareSubmission, decideRouting, type RoutingContext } from './route-submission/route-submission';
export type { Copy, Outcome, RoutingDecision, Submission } from './route-submission/decision';
export { FLAG_DUPLICATE_NUMBER } from './route-submission/decision';
export { DEAD_LETTER_HEADERS } from './adapters/jetstream-delivery';
export { RpcDossierGate, type DossierGate } from './adapters/dossier-gate';
export { loadRouterConfig, type RouterConfig } from './config';
export type { RouterStats, CrashPoints } from './submission-processor';
