import { Inject, Injectable } from '@nestjs/common';
import { LtError, type InclusionProofRequest, type InclusionProofResponse } from '@lt/contracts';
import { checkRecord, encodeHash, proveRecord, treeHash } from '@lt/tlog';
import { CLOCK, LOGGER, type Clock, type Logger } from '@lt/platform';
import { AUDIT_OPTIONS } from '../../audit.tokens';
import { checkpointTimerTickMs, type AuditOptions } from '../../config';
import { rowToEntry, type CheckpointRow } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { optionalSeq, requiredSeq } from '../shared/seq-params';
import { SignedCheckpoints } from '../shared/signed-checkpoints';

/**
 * GET /v1/audit/proof/:seq?treeSize=. O(log n) stored hashes by primary key. Without treeSize the
 * proof is against the latest checkpoint already signed: a request never signs one (that would let
 * any caller make the log sign at will); an entry appended since is answered NOT_YET_CHECKPOINTED
 * with the time the writer's timer signs the next one. The proof is checked before it leaves:
 * stored hashes that no longer lead to the signed root are a tampering alarm, not a proof.
 */
@Injectable()
export class ProveInclusionUseCase {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly checkpoints: SignedCheckpoints,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(AUDIT_OPTIONS) private readonly options: AuditOptions,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  async execute(req: InclusionProofRequest): Promise<InclusionProofResponse> {
    const { store, log, checkpoints } = this;
    const seq = requiredSeq(req?.seq, 'seq');
    const asked = optionalSeq(req?.treeSize, 'treeSize');
    let treeSize: number;
    let cp: CheckpointRow | null;
    if (asked === undefined) {
      // the latest checkpoint bounds the proof: no need to read the log size
      cp = await checkpoints.latest();
      if (!cp || cp.treeSize <= seq) {
        await this.sizeHolding(seq);
        throw this.notYetCheckpointed(seq, cp);
      }
      treeSize = cp.treeSize;
    } else {
      const size = await this.sizeHolding(seq);
      if (asked <= seq || asked > size)
        throw new LtError('VALIDATION_FAILED', `treeSize must be greater than seq ${seq} and at most ${size}, got ${asked}`, { field: 'treeSize' });
      treeSize = asked;
      cp = await store.checkpointAt(treeSize);
    }
    const [proof, row] = await Promise.all([
      proveRecord(treeSize, seq, store.hashes),
      store.storedLeaf(seq).then(async (stored) => stored && { stored, row: await store.entryRow(seq, stored.at) }),
    ]);
    if (!row?.row) throw new LtError('INTERNAL', `entry ${seq} or its stored leaf hash is missing from the log; run audit verify`, { seq });
    const leaf = row.stored.leaf;
    const rootHash = cp ? cp.rootHash : await treeHash(treeSize, store.hashes);
    try {
      checkRecord(proof, treeSize, rootHash, seq, leaf);
    } catch {
      log.error({ seq, treeSize }, 'stored hashes do not prove an entry against its signed checkpoint: tampering suspected');
      throw new LtError(
        'INTERNAL',
        `stored hashes do not lead from entry ${seq} to the signed root of tree size ${treeSize}: the log was tampered with; run audit verify`,
        { seq, treeSize },
      );
    }
    return {
      seq,
      treeSize,
      leafHash: leaf.toString('base64'),
      rootHash: encodeHash(rootHash),
      proof: proof.map((h) => encodeHash(h)),
      checkpoint: cp?.note ?? null,
      entry: rowToEntry(row.row),
    };
  }

  /** The log's size, which must hold an entry at seq (NOT_FOUND otherwise). */
  private async sizeHolding(seq: number): Promise<number> {
    const size = await this.store.treeSize();
    if (seq >= size) throw new LtError('NOT_FOUND', `no entry at seq ${seq}: the log has ${size} entries`, { seq, size });
    return size;
  }

  /**
   * The writer's timer signs a checkpoint at the latest checkpointIntervalMs after the previous one
   * (its tick is at most half the interval and at most a second later); past that, the writer is
   * busy or down and the caller just retries.
   */
  private notYetCheckpointed(seq: number, cp: CheckpointRow | null): LtError {
    const now = this.clock.now().getTime();
    const interval = this.options.checkpointIntervalMs;
    const tick = checkpointTimerTickMs(interval);
    const dueMs = cp ? Date.parse(cp.createdAt) + interval + tick : now + interval + tick;
    const retryAfterMs = Math.max(1000, dueMs - now);
    const dueAt = new Date(now + retryAfterMs).toISOString();
    return new LtError(
      'NOT_YET_CHECKPOINTED',
      `entry ${seq} is in the log but no signed checkpoint covers it yet (latest covers ${cp?.treeSize ?? 0} entries); the next one is due by ${dueAt}, retry then or ask with treeSize`,
      { seq, checkpointTreeSize: cp?.treeSize ?? 0, nextCheckpointDueAt: dueAt, retryAfterMs },
    );
  }
}
