import { Module, type DynamicModule } from '@nestjs/common';
import { parseAgencyCode, type PublishedHubKey } from '@lt/contracts';
import { HubSigner } from '@lt/crypto';
import { AgencyDirectory } from '@lt/directory';
import { hubServiceProviders, JetStreamPublisher, NATS_CONNECTION, RpcClient, type HubServiceInfra, type NatsConnection } from '@lt/messaging';
import { DEFAULT_HUB_AGENCY, LOGGER, type Logger } from '@lt/platform';
import type { DataSource, EntityManager } from 'typeorm';
import { RpcDossierGate } from './adapters/dossier-gate';
import { JetStreamDelivery } from './adapters/jetstream-delivery';
import { KvDirectorySource } from './adapters/kv-directory-source';
import { PostgresRoutingRegister } from './adapters/postgres-register';
import { InlineVerifier, PooledVerifier } from './adapters/signature-verifier';
import { SubmissionConsumer } from './adapters/submission-consumer';
import { allOf, defaultRoutingPolicy, type RoutingPolicy } from './policy/routing-policy';
import { SubmissionRateLimiter } from './domain/rate-limiter';
import { RpcAttachmentGate } from './adapters/attachment-gate';
import {
  AGENCY_DIRECTORY,
  ATTACHMENT_GATE,
  DIRECTORY_SOURCE,
  DOSSIER_GATE,
  OUTCOME_PUBLISHER,
  ROUTING_REGISTER,
  SIGNATURE_VERIFIER,
  type AttachmentGate,
  type DossierGate,
} from './ports';
import { RouterLifecycle } from './router.lifecycle';
import { DEFAULT_ROUTER_OPTIONS, PUBLISHED_HUB_KEYS, ROUTER_OPTIONS, type RouterOptions } from './router.options';
import { ROUTING_CONTEXT, type RoutingContext } from './use-cases/route-submission/route-submission';
import { CRASH_POINTS, PROCESSOR_OPTIONS, SubmissionProcessor, type CrashPoints } from './use-cases/route-submission/submission-processor';

export interface RouterModuleDeps extends HubServiceInfra {
  /** PostgreSQL, for the envelope and number registers (opened and closed by the caller) */
  ds: Pick<DataSource | EntityManager, 'query'>;
  /** signs refusals with the hub's envelope key */
  signer: HubSigner;
  /** the hub's public keys published in the agencies bucket at start (main.ts: loadHubPublicKeys; at least the signer's) */
  publishedKeys: PublishedHubKey[];
  /** the directory the KV watch keeps current (default: a new one; pass one to read it from outside) */
  directory?: AgencyDirectory;
  /** extra authorisation, applied after the default (active agencies, no agency-sent receipts) */
  policy?: RoutingPolicy;
  /** `from` of hub-signed refusals (default DEFAULT_HUB_AGENCY, the axis operator) */
  hubAgency?: string;
  options?: Partial<RouterOptions>;
  /** test-only: hooks awaited between the steps of a batch */
  crashPoints?: CrashPoints;
  /** lifecycle check of `dossier` envelopes (default: the dossier service over request-reply) */
  dossierGate?: DossierGate;
  /** binding of uploaded attachments (default: the attachments service over request-reply) */
  attachmentGate?: AttachmentGate;
}

/**
 * The router: consumes the submit stream in batches (SubmissionProcessor: decide, one register
 * statement, publish, ack) and fans accepted envelopes out to the inboxes. It serves no
 * request-reply. Nest only wires and starts it: the consumer hands batches to the processor
 * directly, with nothing per message in between.
 */
@Module({})
export class RouterModule {
  static forRoot(deps: RouterModuleDeps): DynamicModule {
    const topo = deps.topology;
    const opts: RouterOptions = { ...DEFAULT_ROUTER_OPTIONS, ...deps.options };
    const hubAgency = parseAgencyCode(deps.hubAgency ?? DEFAULT_HUB_AGENCY);
    const policy = deps.policy ? allOf(defaultRoutingPolicy, deps.policy) : defaultRoutingPolicy;
    return {
      module: RouterModule,
      providers: [
        ...hubServiceProviders(deps),
        { provide: ROUTER_OPTIONS, useValue: opts },
        { provide: PROCESSOR_OPTIONS, useExisting: ROUTER_OPTIONS },
        { provide: CRASH_POINTS, useValue: deps.crashPoints ?? {} },
        { provide: HubSigner, useValue: deps.signer },
        { provide: PUBLISHED_HUB_KEYS, useValue: deps.publishedKeys },
        { provide: AGENCY_DIRECTORY, useFactory: () => deps.directory ?? new AgencyDirectory() },
        {
          provide: ROUTING_CONTEXT,
          useFactory: (directory: AgencyDirectory): RoutingContext => ({
            ns: topo.ns,
            directory,
            policy,
            broadcastCaps: opts.broadcastCaps,
            rateLimiter: new SubmissionRateLimiter({ ratePerSecond: opts.submitRatePerSecond, burst: opts.submitBurst }),
          }),
          inject: [AGENCY_DIRECTORY],
        },
        { provide: ROUTING_REGISTER, useFactory: () => new PostgresRoutingRegister(deps.ds) },
        {
          provide: OUTCOME_PUBLISHER,
          useFactory: (nc: NatsConnection, signer: HubSigner) => new JetStreamDelivery(new JetStreamPublisher(nc, topo), topo, signer, hubAgency),
          inject: [NATS_CONNECTION, HubSigner],
        },
        {
          provide: SIGNATURE_VERIFIER,
          useFactory: () => (opts.verify === 'pool' ? new PooledVerifier(opts.poolThreshold, opts.poolSize) : new InlineVerifier()),
        },
        {
          provide: DOSSIER_GATE,
          useFactory: (nc: NatsConnection) => deps.dossierGate ?? new RpcDossierGate(new RpcClient(nc), topo),
          inject: [NATS_CONNECTION],
        },
        {
          provide: ATTACHMENT_GATE,
          useFactory: (nc: NatsConnection) => deps.attachmentGate ?? new RpcAttachmentGate(new RpcClient(nc), topo),
          inject: [NATS_CONNECTION],
        },
        { provide: DIRECTORY_SOURCE, useFactory: (nc: NatsConnection, log: Logger) => new KvDirectorySource(nc, topo, log), inject: [NATS_CONNECTION, LOGGER] },
        {
          provide: SubmissionConsumer,
          useFactory: (nc: NatsConnection, log: Logger) =>
            new SubmissionConsumer(
              nc,
              topo,
              { maxBatch: opts.maxBatch, lingerMs: opts.lingerMs, ackWaitMs: opts.ackWaitMs, maxAckPending: opts.maxAckPending, retryDelayMs: opts.nakBaseMs },
              log,
            ),
          inject: [NATS_CONNECTION, LOGGER],
        },
        SubmissionProcessor,
        RouterLifecycle,
      ],
    };
  }
}
