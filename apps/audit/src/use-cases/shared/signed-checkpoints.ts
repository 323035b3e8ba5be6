import { Inject, Injectable } from '@nestjs/common';
import type { CheckpointRow } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { LogWriter } from '../append-entries/log-writer';

/** How long the latest checkpoint is served from memory. */
const LATEST_TTL_MS = 500;

/**
 * The log's signed checkpoints as the queries see them: the latest one, cached briefly (every
 * proof starts from it, and a checkpoint never changes once signed). `cut` signs one on demand
 * (writer only): for an export whose end lies past the latest checkpoint (auditors only), and for
 * tests. Proofs and checkpoint queries never call it.
 */
@Injectable()
export class SignedCheckpoints {
  private cache: { cp: CheckpointRow | null; atMs: number } = { cp: null, atMs: 0 };

  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly writer: LogWriter,
  ) {}

  async latest(): Promise<CheckpointRow | null> {
    if (this.cache.cp && Date.now() - this.cache.atMs < LATEST_TTL_MS) return this.cache.cp;
    const cp = await this.store.latestCheckpoint();
    this.cache = { cp, atMs: Date.now() };
    return cp;
  }

  /** The writer reports each checkpoint it commits. */
  remember(cp: CheckpointRow): void {
    this.cache = { cp, atMs: Date.now() };
  }

  /** Signs a checkpoint of everything appended so far (writer only); the latest checkpoint otherwise. */
  async cut(): Promise<CheckpointRow | null> {
    if (!this.writer.isWriter) return this.store.latestCheckpoint();
    return (await this.writer.checkpoint(true)) ?? (await this.store.latestCheckpoint());
  }
}
