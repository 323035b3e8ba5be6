import type { HashReader } from '@lt/tlog';
import type { CheckpointRow, EntryRow } from '../domain/stored-entry';

/** Injection token of the log's read side (PostgreSQL: adapters/postgres-audit.store.ts). */
export const AUDIT_STORE = Symbol('AUDIT_STORE');

/**
 * Read side of the log: every query the use cases need, by index (never a scan of the whole log),
 * and the receipt sender's cursor. Writes go through the writer's lock (writer-lock.ts).
 */
export interface AuditStore {
  /** stored hashes of the Merkle tree, by stored-hash index */
  readonly hashes: HashReader;
  /** number of records in the tree */
  treeSize(): Promise<number>;
  latestCheckpoint(): Promise<CheckpointRow | null>;
  checkpointAt(treeSize: number): Promise<CheckpointRow | null>;
  /** smallest checkpoint with tree size >= size */
  checkpointAtOrAfter(size: number): Promise<CheckpointRow | null>;
  /** smallest checkpoint with tree size > size (the checkpoint that first covers entry `size`) */
  firstCheckpointAbove(size: number): Promise<CheckpointRow | null>;
  /** largest checkpoint with tree size <= size */
  checkpointAtOrBefore(size: number): Promise<CheckpointRow | null>;
  /** last checkpoint signed at or before a time / first one signed at or after it */
  checkpointByTime(at: Date, direction: 'before' | 'after'): Promise<CheckpointRow | null>;
  /** checkpoints with lo <= tree size <= hi, ascending */
  checkpointsBetween(lo: number, hi: number): Promise<CheckpointRow[]>;
  /** entries at known positions (seq and time), by seq */
  entryRowsAt(keys: ReadonlyArray<{ seq: number; at: Date }>): Promise<EntryRow[]>;
  /** the entry at a position (its time, when not given, comes from its stored hashes) */
  entryRow(seq: number, at?: Date): Promise<EntryRow | null>;
  /** entry rows with lo <= seq < hi, by seq (a deleted row leaves a gap, a forged one a repeat), optionally only some types */
  entryRows(lo: number, hi: number, types?: readonly string[]): Promise<EntryRow[]>;
  /** the first entry row at or after seq, if any (past the end of the tree: a forged row) */
  firstEntrySeqFrom(seq: number): Promise<number | null>;
  /** stored hash rows with lo <= seq < hi, by seq */
  hashRows(lo: number, hi: number): Promise<Array<{ seq: number; hashes: Buffer }>>;
  /** stored leaf hash of one record, and the time of its entry */
  storedLeaf(seq: number): Promise<{ leaf: Buffer; at: Date } | null>;
  /** every entry about these messages (optionally only those at or after notBefore) */
  entryRowsForMessages(messageIds: readonly string[], notBefore?: Date): Promise<EntryRow[]>;
  /** delivery, status and refusal entries naming an agency with from <= at < to, by seq */
  agencyEntries(code: string, from: Date, to: Date): Promise<EntryRow[]>;
  /** each agency's tier as the registry events last stated it */
  tiersOf(codes: string[]): Promise<Map<string, string>>;
  /** receipts went out for every entry below this position */
  receiptCursor(): Promise<number>;
  /** moves the receipt cursor forward to `upto` (never back) */
  advanceReceiptCursor(upto: number): Promise<void>;
}
