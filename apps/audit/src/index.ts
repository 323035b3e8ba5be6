import type { DataSource } from 'typeorm';
import {
  AUDIT_RPC,
  LtError,
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
import { JetStreamPublisher, RpcServer, type NatsConnection } from '@lt/messaging';
import { systemClock, type Clock, type KeyFile, type Logger } from '@lt/platform';
import { encodeHash } from '@lt/tlog';
import { DEFAULT_AUDIT_OPTIONS, type AuditOptions } from './config';
import { logKeysFromHubKey, type LogKeys } from './checkpoint/log-keys';
import { LogWriter, type AppendOutcome } from './append-entries/log-writer';
import { LogConsumers } from './append-entries/consumers';
import { AuditStore, type CheckpointRow } from './store/audit-store';
import { proveInclusion } from './prove-inclusion/prove-inclusion';
import { proveConsistency } from './prove-consistency/prove-consistency';
import { traceMessage } from './trace-message/trace-message';
import { agencyReport } from './agency-report/agency-report';
import { exportBegin, exportEntries } from './export-bundle/export-bundle';
import { verifyLog } from './verify-log/verify-log';
import { ReceiptSender } from './send-receipts/receipt-sender';
import { HubEnvelopeSigner } from './send-receipts/hub-envelope-signer';
import type { EntryDraft } from './domain/entry';

// the RPC contract is in @lt/contracts, offline verification and the entry's canonical form in @lt/audit-log
export * from './config';
export { AUDIT_INBOX_CONSUMER } from './append-entries/consumers';
export { entryFromEvent, entryFromInboxCopy, type EntryDraft, type StreamMessage } from './domain/entry';
export type { LogKeys } from './checkpoint/log-keys';

export interface AuditServiceDeps {
  nc: NatsConnection;
  ds: DataSource;
  ns: string;
  log: Logger;
  hubKey: KeyFile;
  clock?: Clock;
  options?: Partial<AuditOptions>;
}

export interface AuditService {
  start(): Promise<void>;
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

/**
 * The audit service: two durable consumers (events, inbox copies) feeding one writer that
 * appends to the Merkle log in PostgreSQL, signs checkpoints and sends receipts; plus the
 * queries, proofs, export and verification served over request-reply. Every replica answers
 * queries; one holds the writer lock, the others wait as standbys.
 */
export function createAuditService(deps: AuditServiceDeps): AuditService {
  const options: AuditOptions = { ...DEFAULT_AUDIT_OPTIONS, ...deps.options };
  const { nc, ds, log } = deps;
  const clock = deps.clock ?? systemClock;
  const topo = topology(deps.ns);
  const keys = logKeysFromHubKey(deps.hubKey, options.origin);
  const store = new AuditStore(ds);
  const writer = new LogWriter(
    ds,
    keys,
    {
      checkpointEvery: options.checkpointEvery,
      checkpointIntervalMs: options.checkpointIntervalMs,
      maxTransactionEntries: Math.max(options.maxBatch * 4, 2000),
    },
    clock,
    log,
  );
  const consumers = new LogConsumers(nc, topo, writer, { maxBatch: options.maxBatch, ackWaitMs: 30_000, lingerMs: options.lingerMs }, log);
  const receipts = options.receipts
    ? new ReceiptSender(
        store,
        new JetStreamPublisher(nc, topo),
        topo,
        new HubEnvelopeSigner(deps.hubKey),
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
    : null;
  const rpc = new RpcServer(nc, log, 'audit');
  const timers: NodeJS.Timeout[] = [];
  let standbyTimer: NodeJS.Timeout | undefined;
  let stopped = false;

  // the latest checkpoint, cached briefly: every proof starts from it, and checkpoints are immutable
  let latestCache: { cp: CheckpointRow | null; atMs: number } = { cp: null, atMs: 0 };
  const latestCheckpoint = async (): Promise<CheckpointRow | null> => {
    if (latestCache.cp && Date.now() - latestCache.atMs < 500) return latestCache.cp;
    const cp = await store.latestCheckpoint();
    latestCache = { cp, atMs: Date.now() };
    return cp;
  };

  writer.onCheckpoint = (cp) => {
    latestCache = { cp, atMs: Date.now() };
    receipts?.schedule(cp);
  };
  writer.onLockLost = () => {
    void becomeStandby().then(scheduleAcquire);
  };

  const cutCheckpoint = async (): Promise<CheckpointRow | null> => {
    if (!writer.isWriter) return store.latestCheckpoint();
    return (await writer.checkpoint(true)) ?? (await store.latestCheckpoint());
  };

  async function becomeWriter(): Promise<void> {
    await consumers.start();
    const tick = Math.max(50, Math.min(1000, Math.floor(options.checkpointIntervalMs / 2)));
    timers.push(
      setInterval(() => {
        if (writer.isWriter) writer.checkpoint(false).catch((err) => log.warn({ err: (err as Error).message }, 'timed checkpoint failed'));
      }, tick),
    );
    if (options.verifyIntervalMs > 0) {
      timers.push(setInterval(() => void periodicVerify(), options.verifyIntervalMs));
    }
    const latest = await store.latestCheckpoint();
    if (latest) receipts?.schedule(latest);
  }

  async function becomeStandby(): Promise<void> {
    for (const t of timers.splice(0)) clearInterval(t);
    await consumers.stop();
  }

  async function tryAcquire(): Promise<void> {
    standbyTimer = undefined;
    if (stopped) return;
    try {
      if (await writer.tryAcquire()) {
        await becomeWriter();
        return;
      }
      log.info('another audit replica holds the writer lock; standing by');
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'cannot take the audit writer lock; retrying');
    }
    scheduleAcquire();
  }

  function scheduleAcquire(): void {
    if (!stopped && !standbyTimer) standbyTimer = setTimeout(() => void tryAcquire(), options.standbyRetryMs);
  }

  async function periodicVerify(): Promise<void> {
    try {
      const r = await verifyLog(store, keys, {});
      if (r.ok) log.info({ entries: r.entriesChecked, checkpoints: r.checkpointsChecked, ms: r.durationMs }, 'audit log verified');
      else log.error({ problem: r.firstProblem }, `AUDIT LOG TAMPERING DETECTED at seq ${r.firstProblem?.seq}: ${r.firstProblem?.message}`);
    } catch (err) {
      log.warn({ err: (err as Error).message }, 'periodic verification failed to run');
    }
  }

  const service: AuditService = {
    get isWriter() {
      return writer.isWriter;
    },
    keys,
    options,
    treeSize: () => store.treeSize(),
    append: (drafts) => writer.append(drafts),
    cutCheckpoint,
    async checkpoint() {
      let cp = await latestCheckpoint();
      if (!cp && writer.isWriter) cp = await writer.checkpoint(true);
      if (!cp) throw new LtError('NOT_FOUND', 'the audit log has no signed checkpoint yet', {});
      return {
        origin: keys.origin,
        treeSize: cp.treeSize,
        rootHash: encodeHash(cp.rootHash),
        checkpoint: cp.note,
        vkey: keys.vkey,
        hubKeyId: keys.hubKeyId,
        createdAt: cp.createdAt,
      };
    },
    proveInclusion: (req) => proveInclusion(store, req, { log, cutCheckpoint, latestCheckpoint }),
    proveConsistency: (req) => proveConsistency(store, req),
    trace: (messageId) => traceMessage(store, messageId),
    agencyReport: (req) => agencyReport(store, req, clock.now()),
    exportBegin: (req) => exportBegin(store, keys, req, clock.now(), cutCheckpoint),
    exportEntries: (req) => exportEntries(store, req),
    verify: (req = {}) => verifyLog(store, keys, req),
    receiptsIdle: async () => receipts?.idle(),

    async start() {
      stopped = false;
      const m = (method: string) => topo.rpcSubject('audit', method);
      rpc.serve(m(AUDIT_RPC.checkpoint), () => service.checkpoint());
      rpc.serve(m(AUDIT_RPC.inclusionProof), (p) => service.proveInclusion(p as InclusionProofRequest));
      rpc.serve(m(AUDIT_RPC.consistencyProof), (p) => service.proveConsistency(p as ConsistencyProofRequest));
      rpc.serve(m(AUDIT_RPC.trace), (p) => service.trace((p as { messageId: string })?.messageId));
      rpc.serve(m(AUDIT_RPC.agencyReport), (p) => service.agencyReport(p as AgencyReportRequest));
      rpc.serve(m(AUDIT_RPC.exportBegin), (p) => service.exportBegin((p ?? {}) as ExportBeginRequest));
      rpc.serve(m(AUDIT_RPC.exportEntries), (p) => service.exportEntries(p as ExportEntriesRequest));
      rpc.serve(m(AUDIT_RPC.verify), (p) => service.verify((p ?? {}) as VerifyRequest));
      await tryAcquire();
    },

    async stop() {
      stopped = true;
      if (standbyTimer) clearTimeout(standbyTimer);
      await rpc.close();
      await becomeStandby();
      await receipts?.stop();
      await writer.release();
    },
  };
  return service;
}
