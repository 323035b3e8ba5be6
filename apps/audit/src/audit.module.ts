import { Module, type DynamicModule } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { hubServiceProviders, JetStreamPublisher, NATS_CONNECTION, type HubServiceInfra, type NatsConnection } from '@lt/messaging';
import { CLOCK, LOGGER, type Clock, type KeyFile, type Logger } from '@lt/platform';
import { HubSigner } from '@lt/crypto';
import { PostgresAuditStore } from './adapters/postgres-audit.store';
import { PostgresWriterLock } from './adapters/postgres-writer-lock';
import { AuditLifecycle } from './audit.lifecycle';
import { AUDIT_OPTIONS, LOG_KEYS, RECEIPT_SENDER } from './audit.tokens';
import { logKeysFromHubKey, type EarlierCheckpointKey, type LogKeys } from './checkpoint/log-keys';
import { DEFAULT_AUDIT_OPTIONS, type AuditOptions } from './config';
import { AUDIT_STORE, WRITER_LOCK, type AuditStore, type WriterLock } from './ports';
import { AuditController } from './rpc/audit.controller';
import { AgencyReportUseCase } from './use-cases/agency-report/agency-report.use-case';
import { LogConsumers } from './use-cases/append-entries/consumers';
import { LogWriter } from './use-cases/append-entries/log-writer';
import { ExportBundleUseCase } from './use-cases/export-bundle/export-bundle.use-case';
import { GetCheckpointUseCase } from './use-cases/get-checkpoint/get-checkpoint.use-case';
import { ProveConsistencyUseCase } from './use-cases/prove-consistency/prove-consistency.use-case';
import { ProveInclusionUseCase } from './use-cases/prove-inclusion/prove-inclusion.use-case';
import { ReceiptSender } from './use-cases/send-receipts/receipt-sender';
import { SignedCheckpoints } from './use-cases/shared/signed-checkpoints';
import { TraceMessageUseCase } from './use-cases/trace-message/trace-message.use-case';
import { VerifyLogUseCase } from './use-cases/verify-log/verify-log.use-case';

export interface AuditModuleDeps extends HubServiceInfra {
  /** PostgreSQL holding the log (opened and closed by the caller); one pooled connection is held by the writer */
  ds: DataSource;
  /** the hub's checkpoint key (loadOrCreateHubKey(dataDir, 'checkpoint')): signs checkpoints (the log's note key) */
  checkpointKey: KeyFile;
  /** the hub's envelope key (loadOrCreateHubKey(dataDir, 'envelope')): signs receipts */
  receiptKey: KeyFile;
  /** public halves of earlier checkpoint keys (loadHubPublicKeys(dataDir, 'checkpoint')): old checkpoints keep verifying */
  earlierCheckpointKeys?: EarlierCheckpointKey[];
  /** on top of DEFAULT_AUDIT_OPTIONS */
  options?: Partial<AuditOptions>;
}

/** The options in effect: the defaults with what the caller set on top. */
export function resolveAuditOptions(options: Partial<AuditOptions> = {}): AuditOptions {
  return { ...DEFAULT_AUDIT_OPTIONS, ...options };
}

/**
 * The audit log: two durable consumers (events, inbox copies) feeding one writer that appends
 * to the Merkle log in PostgreSQL, signs checkpoints and sends receipts (AuditLifecycle starts
 * them on the replica holding the writer lock); the queries, proofs, export and verification are
 * served by AuditController on every replica.
 */
@Module({})
export class AuditModule {
  static forRoot(deps: AuditModuleDeps): DynamicModule {
    const options = resolveAuditOptions(deps.options);
    const topo = deps.topology;
    return {
      module: AuditModule,
      controllers: [AuditController],
      providers: [
        ...hubServiceProviders(deps),
        { provide: DataSource, useValue: deps.ds },
        { provide: AUDIT_OPTIONS, useValue: options },
        // derived at module creation: a bad origin or a non-Ed25519 hub key fails the boot
        { provide: LOG_KEYS, useValue: logKeysFromHubKey(deps.checkpointKey, options.origin, deps.earlierCheckpointKeys) },
        { provide: AUDIT_STORE, useFactory: (ds: DataSource) => new PostgresAuditStore(ds), inject: [DataSource] },
        { provide: WRITER_LOCK, useFactory: (ds: DataSource) => new PostgresWriterLock(ds), inject: [DataSource] },
        {
          provide: LogWriter,
          useFactory: (lock: WriterLock, keys: LogKeys, clock: Clock, log: Logger) =>
            new LogWriter(
              lock,
              keys,
              {
                checkpointEvery: options.checkpointEvery,
                checkpointIntervalMs: options.checkpointIntervalMs,
                maxTransactionEntries: Math.max(options.maxBatch * 4, 2000),
              },
              clock,
              log,
            ),
          inject: [WRITER_LOCK, LOG_KEYS, CLOCK, LOGGER],
        },
        {
          provide: LogConsumers,
          useFactory: (nc: NatsConnection, writer: LogWriter, log: Logger) =>
            new LogConsumers(nc, topo, writer, { maxBatch: options.maxBatch, ackWaitMs: 30_000, lingerMs: options.lingerMs }, log),
          inject: [NATS_CONNECTION, LogWriter, LOGGER],
        },
        {
          provide: RECEIPT_SENDER,
          useFactory: (store: AuditStore, nc: NatsConnection, clock: Clock, log: Logger): ReceiptSender | null =>
            options.receipts
              ? new ReceiptSender(
                  store,
                  new JetStreamPublisher(nc, topo),
                  topo,
                  new HubSigner(deps.receiptKey),
                  {
                    origin: options.origin,
                    hubAgency: options.hubAgency,
                    kinds: options.receiptKinds,
                    batch: options.receiptBatch,
                    maxItems: options.receiptMaxItems,
                  },
                  clock,
                  log,
                )
              : null,
          inject: [AUDIT_STORE, NATS_CONNECTION, CLOCK, LOGGER],
        },
        SignedCheckpoints,
        GetCheckpointUseCase,
        ProveInclusionUseCase,
        ProveConsistencyUseCase,
        TraceMessageUseCase,
        AgencyReportUseCase,
        ExportBundleUseCase,
        VerifyLogUseCase,
        AuditLifecycle,
      ],
    };
  }
}
