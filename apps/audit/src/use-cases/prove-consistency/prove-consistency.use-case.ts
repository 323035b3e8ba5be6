import { Inject, Injectable } from '@nestjs/common';
import { LtError, type ConsistencyProofRequest, type ConsistencyProofResponse } from '@lt/contracts';
import { encodeHash, proveTree, treeHash } from '@lt/tlog';
import { AUDIT_STORE, type AuditStore } from '../../ports';

function size(v: unknown, field: string): number {
  if (!Number.isSafeInteger(v) || (v as number) < 1)
    throw new LtError('VALIDATION_FAILED', `${field} must be a positive integer tree size, got ${JSON.stringify(v)}`, { field });
  return v as number;
}

/** GET /v1/audit/consistency?from=&to=: proof that the tree of size `to` extends the tree of size `from`. */
@Injectable()
export class ProveConsistencyUseCase {
  constructor(@Inject(AUDIT_STORE) private readonly store: AuditStore) {}

  async execute(req: ConsistencyProofRequest): Promise<ConsistencyProofResponse> {
    const { store } = this;
    const from = size(req?.from, 'from');
    const to = size(req?.to, 'to');
    const current = await store.treeSize();
    if (from > to || to > current)
      throw new LtError('VALIDATION_FAILED', `need 1 <= from <= to <= ${current} (the log size), got from=${from} to=${to}`, { field: 'to' });
    const [proof, fromCp, toCp] = await Promise.all([proveTree(to, from, store.hashes), store.checkpointAt(from), store.checkpointAt(to)]);
    const fromRoot = fromCp?.rootHash ?? (await treeHash(from, store.hashes));
    const toRoot = toCp?.rootHash ?? (await treeHash(to, store.hashes));
    return {
      from,
      to,
      fromRoot: encodeHash(fromRoot),
      toRoot: encodeHash(toRoot),
      proof: proof.map((h) => encodeHash(h)),
      fromCheckpoint: fromCp?.note ?? null,
      toCheckpoint: toCp?.note ?? null,
    };
  }
}
