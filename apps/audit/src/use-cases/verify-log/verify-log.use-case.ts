import { Inject, Injectable } from '@nestjs/common';
import { LtError, type VerifyProblem, type VerifyReport, type VerifyRequest } from '@lt/contracts';
import { EMPTY_FRONTIER, readFrontier } from '@lt/tlog';
import { LogChecker, openCheckpoints, slotOf, type CheckedRecord } from '@lt/audit-log';
import type { LogKeys } from '../../checkpoint/log-keys';
import { LOG_KEYS } from '../../audit.tokens';
import { rowCanonicalText, type EntryRow } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { optionalSeq, UNSET_IN_BODY } from '../shared/seq-params';

const CHUNK = 10_000;

/**
 * Server-side tamper check: reads entries and stored hashes in seq order, chunk by chunk, and
 * recomputes every leaf, every stored subtree hash and every signed root. The first problem is
 * reported with its position. A range starting after 0 trusts the stored right edge at its start,
 * which the first checkpoint in the range then confirms.
 */
@Injectable()
export class VerifyLogUseCase {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    @Inject(LOG_KEYS) private readonly keys: LogKeys,
  ) {}

  async execute(req: VerifyRequest = {}): Promise<VerifyReport> {
    const { store, keys } = this;
    const started = performance.now();
    const size = await store.treeSize();
    const fromSeq = Math.min(optionalSeq(req.fromSeq, 'fromSeq', UNSET_IN_BODY) ?? 0, size);
    const toSeq = Math.min(optionalSeq(req.toSeq, 'toSeq', UNSET_IN_BODY) ?? size, size);
    if (fromSeq > toSeq) throw new LtError('VALIDATION_FAILED', `fromSeq ${fromSeq} is after toSeq ${toSeq}`, { field: 'fromSeq' });
    const report = (firstProblem: VerifyProblem | null, checked: number, checkpoints: number): VerifyReport => ({
      ok: firstProblem === null,
      fromSeq,
      toSeq,
      entriesChecked: checked,
      checkpointsChecked: checkpoints,
      firstProblem,
      durationMs: Math.round(performance.now() - started),
    });

    const cps = await store.checkpointsBetween(fromSeq, toSeq);
    const opened = openCheckpoints(
      cps.map((c) => ({ treeSize: c.treeSize, note: c.note })),
      keys.origin,
      keys.verifiers,
    );
    if (opened.problem) return report(opened.problem, 0, opened.roots.length);
    // the stored root column must agree with the signed note too
    for (const c of cps) {
      const signed = opened.roots.find((r) => r.treeSize === c.treeSize)!;
      if (!signed.rootHash.equals(c.rootHash)) {
        return report(
          {
            seq: c.treeSize - 1,
            reason: 'checkpoint_mismatch',
            checkpointSize: c.treeSize,
            message: `root_hash column of checkpoint ${c.treeSize} differs from its signed note`,
          },
          0,
          0,
        );
      }
    }
    const start = fromSeq === 0 ? EMPTY_FRONTIER : await readFrontier(fromSeq, store.hashes);
    const checker = new LogChecker(start, opened.roots);
    const startProblem = checker.checkStart();
    if (startProblem) return report(startProblem, 0, checker.checkpointsChecked);

    for (let lo = fromSeq; lo < toSeq; lo += CHUNK) {
      const hi = Math.min(lo + CHUNK, toSeq);
      const [rows, hashRows] = await Promise.all([store.entryRows(lo, hi), store.hashRows(lo, hi)]);
      const records = toRecords(lo, hi, rows, hashRows);
      const problem = checker.check(records);
      if (problem) return report(problem, problem.seq - fromSeq, checker.checkpointsChecked);
    }
    // a row forged past the end of the tree
    const seq = await store.firstEntrySeqFrom(size);
    if (toSeq === size && seq !== null) {
      return report(
        { seq, reason: 'entry_duplicated', message: `entry ${seq} lies beyond the end of the tree (${size} entries): forged row` },
        toSeq - fromSeq,
        checker.checkpointsChecked,
      );
    }
    return report(null, toSeq - fromSeq, checker.checkpointsChecked);
  }
}

function toRecords(lo: number, hi: number, rows: EntryRow[], hashRows: Array<{ seq: number; hashes: Buffer }>): CheckedRecord[] {
  const records: CheckedRecord[] = Array.from({ length: hi - lo }, () => ({
    seq: null,
    bytes: null,
    copies: 0,
    storedLeaf: null,
    rowLeaf: null,
    storedHashes: null,
  }));
  for (const r of rows) {
    const seq = Number(r.seq);
    const rec = records[seq - lo];
    if (!rec) continue;
    rec.copies = (rec.copies ?? 0) + 1;
    if (!rec.bytes) {
      rec.seq = seq;
      rec.bytes = Buffer.from(rowCanonicalText(r), 'utf8');
      rec.label = `${r.type} ${r.entry_id}`;
      rec.rowLeaf = r.leaf_hash;
    }
  }
  for (const h of hashRows) {
    const rec = records[h.seq - lo];
    if (!rec) continue;
    rec.storedHashes = h.hashes;
    rec.storedLeaf = Buffer.from(slotOf(h.hashes, 0));
  }
  return records;
}
