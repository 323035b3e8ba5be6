import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { LOGGER, type Logger } from '@lt/platform';
import { openCheckpoints } from '@lt/audit-log';
import { setTamperAlarm, trackAuditLog } from './audit-metrics';
import { AUDIT_OPTIONS, LOG_KEYS, RECEIPT_SENDER } from './audit.tokens';
import type { LogKeys } from './checkpoint/log-keys';
import { checkpointTimerTickMs, type AuditOptions } from './config';
import { AUDIT_STORE, type AuditStore } from './ports';
import { LogConsumers } from './use-cases/append-entries/consumers';
import { LogWriter } from './use-cases/append-entries/log-writer';
import type { ReceiptSender } from './use-cases/send-receipts/receipt-sender';
import { SignedCheckpoints } from './use-cases/shared/signed-checkpoints';
import { VerifyLogUseCase } from './use-cases/verify-log/verify-log.use-case';

/**
 * Writer or standby. At boot the replica tries the writer lock: the writer starts both consumers,
 * the checkpoint timer, the periodic verification and the receipts still owed; a standby retries
 * the lock every standbyRetryMs (and so does a writer that lost its connection). Queries are
 * answered either way. At shutdown (after the RPC subscriptions are gone): consumers stop and the
 * batches in flight commit, receipts in progress are sent, then the lock is released.
 */
@Injectable()
export class AuditLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly timers: NodeJS.Timeout[] = [];
  private standbyTimer?: NodeJS.Timeout;
  private stopped = false;
  private untrackMetrics?: () => void;

  constructor(
    private readonly writer: LogWriter,
    private readonly consumers: LogConsumers,
    private readonly checkpoints: SignedCheckpoints,
    private readonly verifyLog: VerifyLogUseCase,
    @Inject(RECEIPT_SENDER) private readonly receipts: ReceiptSender | null,
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(AUDIT_OPTIONS) private readonly options: AuditOptions,
    @Inject(LOG_KEYS) private readonly keys: LogKeys,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    this.stopped = false;
    const writer = this.writer;
    this.untrackMetrics = trackAuditLog({
      origin: this.keys.origin,
      get isWriter() {
        return writer.isWriter;
      },
      get size() {
        return writer.size;
      },
      get lastCheckpointAtMs() {
        return writer.lastCheckpointAtMs;
      },
    });
    this.writer.onCheckpoint = (cp) => {
      this.checkpoints.remember(cp);
      this.receipts?.schedule(cp);
    };
    this.writer.onLockLost = () => {
      void this.becomeStandby().then(() => this.scheduleAcquire());
    };
    await this.warnOnUnknownCheckpointKeys();
    await this.tryAcquire();
  }

  /**
   * The oldest and the newest checkpoint must verify with the checkpoint keys of this data folder
   * (active and retired). When not, the folder lost a key the log still depends on (a wiped data
   * folder over a database that outlived it): the hub keeps working, but verification of those
   * checkpoints fails until the key's public half is restored, so say so once, with the fix.
   */
  private async warnOnUnknownCheckpointKeys(): Promise<void> {
    try {
      const [first, latest] = await Promise.all([this.store.checkpointAtOrAfter(1), this.store.latestCheckpoint()]);
      const notes = [first, latest].filter((c): c is NonNullable<typeof c> => c !== null).map((c) => ({ treeSize: c.treeSize, note: c.note }));
      const { problem } = openCheckpoints(notes, this.keys.origin, this.keys.verifiers);
      if (!problem) return;
      this.log.warn(
        { checkpointSize: problem.checkpointSize, knownKeys: this.keys.vkeys.length },
        'the audit log holds checkpoints signed by a checkpoint key this data folder does not have (was the data folder replaced?): ' +
          'restore keys/hub/retired/ (the public halves suffice) from the earlier data folder, or `lienthong audit verify` reports those checkpoints as not verifying',
      );
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'could not check the stored checkpoints against the checkpoint keys');
    }
  }

  async onModuleDestroy(): Promise<void> {
    this.stopped = true;
    this.untrackMetrics?.();
    if (this.standbyTimer) clearTimeout(this.standbyTimer);
    await this.becomeStandby();
    await this.receipts?.stop();
    await this.writer.release();
  }

  private async becomeWriter(): Promise<void> {
    await this.consumers.start();
    const tick = checkpointTimerTickMs(this.options.checkpointIntervalMs);
    this.timers.push(
      setInterval(() => {
        if (this.writer.isWriter) this.writer.checkpoint(false).catch((err) => this.log.warn({ err: (err as Error).message }, 'timed checkpoint failed'));
      }, tick),
    );
    if (this.options.verifyIntervalMs > 0) {
      this.timers.push(setInterval(() => void this.periodicVerify(), this.options.verifyIntervalMs));
    }
    const latest = await this.store.latestCheckpoint();
    if (latest) this.receipts?.schedule(latest);
  }

  private async becomeStandby(): Promise<void> {
    for (const t of this.timers.splice(0)) clearInterval(t);
    await this.consumers.stop();
  }

  private async tryAcquire(): Promise<void> {
    this.standbyTimer = undefined;
    if (this.stopped) return;
    try {
      if (await this.writer.tryAcquire()) {
        await this.becomeWriter();
        return;
      }
      this.log.info('another audit replica holds the writer lock; standing by');
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'cannot take the audit writer lock; retrying');
    }
    this.scheduleAcquire();
  }

  private scheduleAcquire(): void {
    if (!this.stopped && !this.standbyTimer) this.standbyTimer = setTimeout(() => void this.tryAcquire(), this.options.standbyRetryMs);
  }

  private async periodicVerify(): Promise<void> {
    try {
      const r = await this.verifyLog.execute({});
      setTamperAlarm(!r.ok);
      if (r.ok) this.log.info({ entries: r.entriesChecked, checkpoints: r.checkpointsChecked, ms: r.durationMs }, 'audit log verified');
      else this.log.error({ problem: r.firstProblem }, `AUDIT LOG TAMPERING DETECTED at seq ${r.firstProblem?.seq}: ${r.firstProblem?.message}`);
    } catch (err) {
      this.log.warn({ err: (err as Error).message }, 'periodic verification failed to run');
    }
  }
}
