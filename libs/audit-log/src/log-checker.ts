import { appendLeafHashes, frontierRoot, leafHash, openCheckpoint, type NoteVerifier, type TreeFrontier } from '@lt/tlog';
import type { VerifyProblem } from '@lt/contracts';
import { groupByRecord } from './hash-layout';

/** One position of the log as the verifier sees it. */
export interface CheckedRecord {
  /** the seq the stored entry claims (null: no entry at this position) */
  seq: number | null;
  /** the entry's canonical JSON bytes, exactly what its leaf hash covers */
  bytes: Buffer | null;
  /** what to call the entry in a message, e.g. its type and id */
  label?: string;
  /** how many entries claim this position (more than one: a forged row) */
  copies?: number;
  /** leaf hash recorded when the entry was appended (audit_hashes, or the bundle's leafHash) */
  storedLeaf: Buffer | null;
  /** the entries table's own leaf_hash column (service-side only) */
  rowLeaf?: Buffer | null;
  /** the whole audit_hashes row: leaf + subtree hashes this record completed (service-side only) */
  storedHashes?: Buffer | null;
}

export interface SignedRoot {
  treeSize: number;
  rootHash: Buffer;
}

/** A checkpoint signed by none of the keys held is also what a lost or unlisted retired checkpoint key looks like. */
function unknownKeyHint(err: unknown, keys: number): string {
  if (!(err instanceof Error) || !/no signature by a trusted key/.test(err.message)) return '';
  return ` (signed by none of the ${keys} checkpoint key(s) given; if a checkpoint key was rotated or the data folder lost keys/hub/retired, pass or restore the retired key's public half before concluding tampering)`;
}

/** Opens each signed checkpoint note; the first one that does not verify is a problem. */
export function openCheckpoints(
  notes: Array<{ treeSize: number; note: string }>,
  origin: string,
  verifiers: NoteVerifier | readonly NoteVerifier[],
): { roots: SignedRoot[]; problem: VerifyProblem | null } {
  // any of the log's keys, active or retired: each signature line names its key by hash
  const trusted = Array.isArray(verifiers) ? (verifiers as readonly NoteVerifier[]) : [verifiers as NoteVerifier];
  const roots: SignedRoot[] = [];
  for (const { treeSize, note } of notes) {
    try {
      const { checkpoint } = openCheckpoint(note, { origin, verifiers: trusted });
      if (checkpoint.treeSize !== treeSize) {
        return {
          roots,
          problem: {
            seq: Math.max(0, treeSize - 1),
            reason: 'checkpoint_signature',
            checkpointSize: treeSize,
            message: `checkpoint stored for tree size ${treeSize} signs tree size ${checkpoint.treeSize}`,
          },
        };
      }
      roots.push({ treeSize, rootHash: checkpoint.rootHash });
    } catch (err) {
      return {
        roots,
        problem: {
          seq: Math.max(0, treeSize - 1),
          reason: 'checkpoint_signature',
          checkpointSize: treeSize,
          message: `checkpoint of tree size ${treeSize} does not verify with the log key: ${(err as Error).message}${unknownKeyHint(err, trusted.length)}`,
        },
      };
    }
  }
  return { roots, problem: null };
}

/**
 * Recomputes the log from its entries, position by position: each entry's leaf hash from its
 * content, the stored hashes it wrote, and the root at every signed checkpoint. Used by the
 * service (rows from PostgreSQL) and by `audit verify` (lines of a bundle), chunk by chunk, so
 * memory stays flat. Reports the FIRST problem, naming its position.
 */
export class LogChecker {
  private frontier: TreeFrontier;
  private readonly roots: Map<number, Buffer>;
  private lastCheckpoint: number;
  checkpointsChecked = 0;

  constructor(start: TreeFrontier, roots: SignedRoot[]) {
    this.frontier = start;
    this.lastCheckpoint = start.size;
    this.roots = new Map(roots.map((r) => [r.treeSize, r.rootHash]));
  }

  /** Records checked so far (= the next expected position). */
  get size(): number {
    return this.frontier.size;
  }

  /** Root of the tree over everything checked so far. */
  root(): Buffer {
    return frontierRoot(this.frontier);
  }

  /** Checks the start frontier itself when a checkpoint was signed at that size. */
  checkStart(): VerifyProblem | null {
    const signed = this.roots.get(this.frontier.size);
    if (signed && !this.root().equals(signed)) {
      return {
        seq: this.frontier.size,
        reason: 'checkpoint_mismatch',
        checkpointSize: this.frontier.size,
        message: `the tree before position ${this.frontier.size} does not match its signed checkpoint`,
      };
    }
    if (signed) this.checkpointsChecked++;
    return null;
  }

  /** Checks the next records (positions size, size + 1, ...). */
  check(records: readonly CheckedRecord[]): VerifyProblem | null {
    let i = 0;
    while (i < records.length) {
      // a segment ends at the next checkpoint size, where the root is compared
      const segStart = this.frontier.size;
      let segEnd = segStart + (records.length - i);
      for (let s = segStart + 1; s <= segEnd; s++) {
        if (this.roots.has(s)) {
          segEnd = s;
          break;
        }
      }
      const leaves: Buffer[] = [];
      for (let seq = segStart; seq < segEnd; seq++, i++) {
        const r = records[i];
        const problem = this.leafProblem(seq, r, leaves);
        if (problem) return problem;
      }
      const appended = appendLeafHashes(this.frontier, leaves);
      if (records[i - leaves.length]?.storedHashes !== undefined) {
        const rows = groupByRecord(segStart, appended.hashes);
        for (let k = 0; k < rows.length; k++) {
          const stored = records[i - leaves.length + k].storedHashes;
          if (!stored || !stored.equals(rows[k])) {
            return {
              seq: segStart + k,
              reason: 'stored_hash_altered',
              message: `stored Merkle hashes of position ${segStart + k} differ from those recomputed from the entries (audit_hashes row altered)`,
            };
          }
        }
      }
      this.frontier = appended.frontier;
      const signed = this.roots.get(segEnd);
      if (signed) {
        this.checkpointsChecked++;
        if (!this.root().equals(signed)) {
          return {
            seq: this.lastCheckpoint,
            reason: 'checkpoint_mismatch',
            checkpointSize: segEnd,
            message: `entries ${this.lastCheckpoint}..${segEnd - 1} do not produce the root signed in the checkpoint of tree size ${segEnd}: an entry and its stored leaf hash were both changed`,
          };
        }
        this.lastCheckpoint = segEnd;
      }
    }
    return null;
  }

  /** Recomputes one leaf and pushes it onto leaves, or says what is wrong at this position. */
  private leafProblem(seq: number, r: CheckedRecord | undefined, leaves: Buffer[]): VerifyProblem | null {
    if (!r || r.seq === null || !r.bytes) return { seq, reason: 'entry_missing', message: `entry ${seq} is missing (deleted)` };
    if (r.seq !== seq) return { seq, reason: 'sequence_out_of_order', message: `expected entry ${seq}, found entry ${r.seq}` };
    if ((r.copies ?? 1) > 1) return { seq, reason: 'entry_duplicated', message: `${r.copies} entries claim position ${seq} (forged row)` };
    if (!r.storedLeaf) return { seq, reason: 'stored_hash_missing', message: `stored leaf hash of entry ${seq} is missing` };
    const leaf = leafHash(r.bytes);
    if (!leaf.equals(r.storedLeaf)) {
      return {
        seq,
        reason: 'entry_altered',
        message: `entry ${seq}${r.label ? ` (${r.label})` : ''} was changed after it was logged: its content no longer hashes to its stored leaf hash`,
      };
    }
    if (r.rowLeaf && !r.rowLeaf.equals(r.storedLeaf)) {
      return { seq, reason: 'leaf_column_altered', message: `leaf_hash column of entry ${seq} differs from the stored Merkle leaf` };
    }
    leaves.push(leaf);
    return null;
  }
}
