import { Inject, Injectable } from '@nestjs/common';
import { LOGGER } from '@lt/platform';
import type { Logger } from 'pino';
import { toHubEvent, toKvEntry, type RecordedChange } from '../domain/agency';
import { AGENCY_MIRROR, AGENCY_REPOSITORY, REGISTRY_EVENTS, type AgencyMirror, type AgencyRepository, type RegistryEvents } from '../ports';

export const RELAY_OPTIONS = Symbol('RELAY_OPTIONS');
export interface ChangeRelayOptions {
  /** changes handed over per database round trip */
  batchSize?: number;
  /** background sweep: picks up changes committed by a replica that crashed before publishing */
  sweepMs?: number;
  /** longest wait between retries after NATS refused a publish */
  maxRetryMs?: number;
}

/**
 * Transactional outbox over registry_changes: after a change commits, its event is published and its
 * agency mirrored into KV; the cursor only moves once both are stored. A crash or a NATS outage
 * between commit and publish therefore loses nothing: the next pass re-publishes with the same
 * event id (deduplicated by JetStream, and by the audit's unique key) and re-puts the same entry.
 */
@Injectable()
export class ChangeRelay {
  private current: Promise<void> | null = null;
  private queued: Promise<void> | null = null;
  private sweepTimer?: NodeJS.Timeout;
  private retryTimer?: NodeJS.Timeout;
  private retryMs = 0;
  private stopped = false;
  private readonly batchSize: number;

  constructor(
    @Inject(AGENCY_REPOSITORY) private readonly repo: AgencyRepository,
    @Inject(REGISTRY_EVENTS) private readonly events: RegistryEvents,
    @Inject(AGENCY_MIRROR) private readonly mirror: AgencyMirror,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(RELAY_OPTIONS) private readonly opts: ChangeRelayOptions = {},
  ) {
    this.batchSize = opts.batchSize ?? 2_000;
  }

  /** Publishes whatever a previous run left behind, then sweeps periodically. */
  async start(): Promise<void> {
    this.stopped = false;
    await this.resyncIfMirrorLost();
    await this.flushQuietly();
    this.sweepTimer = setInterval(() => void this.flushQuietly(), this.opts.sweepMs ?? 10_000);
    this.sweepTimer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.sweepTimer);
    clearTimeout(this.retryTimer);
    await Promise.allSettled([this.current, this.queued]);
  }

  /**
   * Publishes every change committed before this call. Concurrent callers share passes: a caller
   * arriving during a pass waits for the next one, which is sure to see its change.
   */
  flush(): Promise<void> {
    if (this.queued) return this.queued;
    if (!this.current) return this.run();
    this.queued = this.current
      .catch(() => undefined)
      .then(() => {
        this.queued = null;
        return this.run();
      });
    return this.queued;
  }

  /** Like flush, but a failure is logged and retried in the background: the change is committed anyway. */
  async flushQuietly(): Promise<boolean> {
    try {
      await this.flush();
      return true;
    } catch {
      return false;
    }
  }

  private run(): Promise<void> {
    const p = this.drainAll().finally(() => {
      if (this.current === p) this.current = null;
    });
    this.current = p;
    return p;
  }

  private async drainAll(): Promise<void> {
    try {
      let handed: number;
      do {
        handed = await this.repo.drainOutbox(this.batchSize, (changes) => this.publish(changes));
      } while (handed === this.batchSize && !this.stopped);
      this.retryMs = 0;
    } catch (err) {
      this.scheduleRetry(err);
      throw err;
    }
  }

  private async publish(changes: RecordedChange[]): Promise<void> {
    // the last change of each agency in the batch carries its current state
    const latest = new Map<string, RecordedChange>();
    for (const c of changes) latest.set(c.agencyCode, c);
    await Promise.all([
      this.events.publish(changes.map(toHubEvent)),
      this.mirror.put([...latest.values()].map((c) => toKvEntry(c.snapshot))),
    ]);
  }

  /**
   * A bucket holding fewer entries than there are agencies lost them (a new NATS store under a
   * database that outlived it, such as a wiped data folder): every change is published again, in
   * order, so the bucket ends with each agency's latest state. Events keep their ids, so the
   * events stream and the audit log deduplicate them.
   */
  private async resyncIfMirrorLost(): Promise<void> {
    try {
      const [agencies, entries] = await Promise.all([this.repo.countAgencies(), this.mirror.count()]);
      if (entries >= agencies) return;
      this.log.warn({ agencies, entries }, 'directory bucket is missing agencies; publishing every registry change again');
      await this.repo.rewindOutbox();
    } catch (err) {
      // the relay's own retries cover an unreachable NATS or database; the check runs at the next start
      this.log.warn({ err: (err as Error).message }, 'could not compare the directory bucket with the registry');
    }
  }

  private scheduleRetry(err: unknown): void {
    if (this.stopped) return;
    this.retryMs = Math.min(Math.max(this.retryMs * 2, 500), this.opts.maxRetryMs ?? 30_000);
    this.log.warn({ err: (err as Error).message, retryInMs: this.retryMs }, 'registry changes not yet published; retrying');
    clearTimeout(this.retryTimer);
    this.retryTimer = setTimeout(() => void this.flushQuietly(), this.retryMs);
    this.retryTimer.unref();
  }
}
