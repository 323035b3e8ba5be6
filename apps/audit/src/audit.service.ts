import type { INestMicroservice } from '@nestjs/common';
import type { DataSource } from 'typeorm';
import {
  topology,
  type AgencyReport,
  type AgencyReportRequest,
  type BundleHeader,
  type CheckpointResponse,
  type ConsistencyProofRequest,
  type ConsistencyProofResponse,
  type ExportBeginRequest,
  type ExportEntriesRequest,
  type ExportEntriesResponse,
  type InclusionProofRequest,
  type InclusionProofResponse,
  type MessageTrace,
  type VerifyReport,
  type VerifyRequest,
} from '@lt/contracts';
import { bootHubService, BootedService, type NatsConnection } from '@lt/messaging';
import type { Clock, KeyFile, Logger } from '@lt/platform';
import { AuditModule, resolveAuditOptions } from './audit.module';
import { RECEIPT_SENDER } from './audit.tokens';
import { logKeysFromHubKey, type EarlierCheckpointKey, type LogKeys } from './checkpoint/log-keys';
import type { AuditOptions } from './config';
import type { EntryDraft } from './domain/entry';
import type { CheckpointRow } from './domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from './ports';
import { LogWriter, type AppendOutcome } from './use-cases/append-entries/log-writer';
import { AgencyReportUseCase } from './use-cases/agency-report/agency-report.use-case';
import { ExportBundleUseCase } from './use-cases/export-bundle/export-bundle.use-case';
import { GetCheckpointUseCase } from './use-cases/get-checkpoint/get-checkpoint.use-case';
import { ProveConsistencyUseCase } from './use-cases/prove-consistency/prove-consistency.use-case';
import { ProveInclusionUseCase } from './use-cases/prove-inclusion/prove-inclusion.use-case';
import type { ReceiptSender } from './use-cases/send-receipts/receipt-sender';
import { SignedCheckpoints } from './use-cases/shared/signed-checkpoints';
import { TraceMessageUseCase } from './use-cases/trace-message/trace-message.use-case';
import { VerifyLogUseCase } from './use-cases/verify-log/verify-log.use-case';

export interface AuditServiceDeps {
  nc: NatsConnection;
  ds: DataSource;
  ns: string;
  log: Logger;
  /** signs checkpoints (the hub's checkpoint key) */
  checkpointKey: KeyFile;
  /** signs receipts (the hub's envelope key) */
  receiptKey: KeyFile;
  /** public halves of earlier checkpoint keys, to verify checkpoints they signed */
  earlierCheckpointKeys?: EarlierCheckpointKey[];
  clock?: Clock;
  options?: Partial<AuditOptions>;
}

/**
 * The audit service in-process. The queries and appends need start() first; once started they
 * keep answering from PostgreSQL after stop() (tests inspect a stopped log).
 */
export interface AuditService {
  /** boots AuditModule: writer lock or standby, consumers, receipts, then request-reply */
  start(): Promise<void>;
  /** stops serving requests, stops consuming (batches in flight commit), sends receipts in progress, releases the lock */
  stop(): Promise<void>;
  /** true while this replica holds the writer lock (otherwise it is a standby answering queries) */
  readonly isWriter: boolean;
  readonly keys: LogKeys;
  readonly options: AuditOptions;
  treeSize(): Promise<number>;
  /** appends drafts directly (tests and benchmarks; production entries come from the consumers) */
  append(drafts: EntryDraft[]): Promise<AppendOutcome[]>;
  /** signs a checkpoint of everything appended so far (writer only); the latest checkpoint otherwise */
  cutCheckpoint(): Promise<CheckpointRow | null>;
  checkpoint(): Promise<CheckpointResponse>;
  proveInclusion(req: InclusionProofRequest): Promise<InclusionProofResponse>;
  proveConsistency(req: ConsistencyProofRequest): Promise<ConsistencyProofResponse>;
  trace(messageId: string): Promise<MessageTrace>;
  agencyReport(req: AgencyReportRequest): Promise<AgencyReport>;
  exportBegin(req: ExportBeginRequest): Promise<BundleHeader>;
  exportEntries(req: ExportEntriesRequest): Promise<ExportEntriesResponse>;
  verify(req?: VerifyRequest): Promise<VerifyReport>;
  /** resolves when receipts scheduled so far are sent */
  receiptsIdle(): Promise<void>;
}

/** What the in-process interface reaches inside a booted module. */
function resolveParts(app: INestMicroservice) {
  return {
    store: app.get<AuditStore>(AUDIT_STORE),
    writer: app.get(LogWriter),
    checkpoints: app.get(SignedCheckpoints),
    receipts: app.get<ReceiptSender | null>(RECEIPT_SENDER),
    getCheckpoint: app.get(GetCheckpointUseCase),
    proveInclusion: app.get(ProveInclusionUseCase),
    proveConsistency: app.get(ProveConsistencyUseCase),
    traceMessage: app.get(TraceMessageUseCase),
    agencyReport: app.get(AgencyReportUseCase),
    exportBundle: app.get(ExportBundleUseCase),
    verifyLog: app.get(VerifyLogUseCase),
  };
}

/**
 * The audit service as a library: the integration tests and the bench boot the same Nest module
 * as main.ts, through bootHubService, on the connections they pass (and keep).
 */
export function createAuditService(deps: AuditServiceDeps): AuditService {
  const topo = topology(deps.ns);
  const options = resolveAuditOptions(deps.options);
  const { checkpointKey, receiptKey, earlierCheckpointKeys } = deps;
  const module = AuditModule.forRoot({ nc: deps.nc, ds: deps.ds, topology: topo, log: deps.log, checkpointKey, receiptKey, earlierCheckpointKeys, clock: deps.clock, options });
  // the module derives the same keys; these are there before start()
  const keys = logKeysFromHubKey(checkpointKey, options.origin, earlierCheckpointKeys);
  const service = new BootedService('the audit service', resolveParts);
  const started = () => service.parts;

  return {
    get isWriter() {
      return service.partsIfStarted?.writer.isWriter ?? false;
    },
    keys,
    options,
    treeSize: async () => started().store.treeSize(),
    append: async (drafts) => started().writer.append(drafts),
    cutCheckpoint: async () => started().checkpoints.cut(),
    checkpoint: async () => started().getCheckpoint.execute(),
    proveInclusion: async (req) => started().proveInclusion.execute(req),
    proveConsistency: async (req) => started().proveConsistency.execute(req),
    trace: async (messageId) => started().traceMessage.execute(messageId),
    agencyReport: async (req) => started().agencyReport.execute(req),
    exportBegin: async (req) => started().exportBundle.begin(req),
    exportEntries: async (req) => started().exportBundle.page(req),
    verify: async (req = {}) => started().verifyLog.execute(req),
    receiptsIdle: async () => started().receipts?.idle(),
    async start() {
      await service.start(() => bootHubService(module, { nc: deps.nc, log: deps.log, topology: topo, service: 'audit' }));
    },
    stop: () => service.stop(),
  };
}
