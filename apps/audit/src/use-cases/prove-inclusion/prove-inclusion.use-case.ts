import { Inject, Injectable } from '@nestjs/common';
import { LtError, type InclusionProofRequest, type InclusionProofResponse } from '@lt/contracts';
import { checkRecord, encodeHash, proveRecord, treeHash } from '@lt/tlog';
import { LOGGER, type Logger } from '@lt/platform';
import { rowToEntry, type CheckpointRow } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { SignedCheckpoints } from '../shared/signed-checkpoints';

function seqParam(v: unknown, field: string, required: boolean): number | undefined {
  if (v === undefined || v === null || v === '') {
    if (required) throw new LtError('VALIDATION_FAILED', `${field} is required`, { field });
    return undefined;
  }
  if (!Number.isSafeInteger(v) || (v as number) < 0)
    throw new LtError('VALIDATION_FAILED', `${field} must be a non-negative integer, got ${JSON.stringify(v)}`, { field });
  return v as number;
}

/**
 * GET /v1/audit/proof/:seq?treeSize=. O(log n) stored hashes by primary key. Without treeSize the
 * proof is against the latest signed checkpoint (one is cut first if the entry is newer and this
 * replica is the writer). The proof is checked before it leaves: stored hashes that no longer
 * lead to the signed root are a tampering alarm, not a proof.
 */
@Injectable()
export class ProveInclusionUseCase {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly checkpoints: SignedCheckpoints,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async execute(req: InclusionProofRequest): Promise<InclusionProofResponse> {
    const { store, log, checkpoints } = this;
    const seq = seqParam(req?.seq, 'seq', true)!;
    const asked = seqParam(req?.treeSize, 'treeSize', false);
    let treeSize: number;
    let cp: CheckpointRow | null;
    if (asked === undefined) {
      // the latest checkpoint bounds the proof: no need to read the log size
      cp = await checkpoints.latest();
      if (!cp || cp.treeSize <= seq) cp = (await checkpoints.cut()) ?? cp;
      if (!cp || cp.treeSize <= seq) {
        const size = await store.treeSize();
        if (seq >= size) throw new LtError('NOT_FOUND', `no entry at seq ${seq}: the log has ${size} entries`, { seq, size });
        throw new LtError('NOT_FOUND', `entry ${seq} is not covered by a signed checkpoint yet (latest: ${cp?.treeSize ?? 0}); retry in a few seconds`, {
          seq,
        });
      }
      treeSize = cp.treeSize;
    } else {
      const size = await store.treeSize();
      if (seq >= size) throw new LtError('NOT_FOUND', `no entry at seq ${seq}: the log has ${size} entries`, { seq, size });
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
}
