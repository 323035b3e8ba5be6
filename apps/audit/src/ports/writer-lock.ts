import type { LogEntry } from '@lt/audit-log';
import type { CheckpointRow } from '../domain/stored-entry';
import type { AuditStore } from './audit-store';

/** Injection token of the single-writer election (PostgreSQL advisory lock: adapters/postgres-writer-lock.ts). */
export const WRITER_LOCK = Symbol('WRITER_LOCK');

/** Elects the one writer of the log: a lock held for as long as the writer's own connection lives. */
export interface WriterLock {
  /** takes the lock if it is free, without waiting; null while another replica holds it */
  tryAcquire(): Promise<WriterSession | null>;
}

/** The writer's connection, holding the lock: reads the tree's edge, writes batches and checkpoints. */
export interface WriterSession extends Pick<AuditStore, 'treeSize' | 'latestCheckpoint' | 'hashes'> {
  /** creates the month partition of entries (DDL: outside any batch transaction) */
  ensureMonthPartition(month: string): Promise<void>;
  /** runs `fn` in one transaction: committed when it resolves, rolled back when it throws */
  transaction<T>(fn: (tx: AppendTransaction) => Promise<T>): Promise<T>;
  /** stores a signed checkpoint (once per tree size) */
  insertCheckpoint(cp: CheckpointRow): Promise<void>;
  /** false once the connection, and so the lock, is gone */
  isAlive(): Promise<boolean>;
  /** unlocks and gives the connection back */
  release(): Promise<void>;
  /** gives back a connection that broke (its lock went with it) */
  discard(): Promise<void>;
}

/** The writes of one batch, inside its transaction. */
export interface AppendTransaction {
  /** seq of each of these entry ids that is already logged */
  loggedSeqs(entryIds: readonly string[]): Promise<Map<string, number>>;
  /** the entries (id index, rows with their canonical bodies and leaf hashes) and their stored-hash records */
  insertEntries(batch: AppendedEntries): Promise<void>;
  /** [code, tier, seq] as stated by registry events; a later seq wins */
  upsertTiers(rows: Array<[code: string, tier: string, seq: number]>): Promise<void>;
  insertCheckpoint(cp: CheckpointRow): Promise<void>;
}

export interface AppendedEntries {
  entries: readonly LogEntry[];
  /** canonical JSON text of each entry's body (the stored column holds exactly the hashed bytes) */
  bodies: readonly string[];
  leaves: readonly Buffer[];
  /** the stored-hash record of each entry (leaf hash + the subtree hashes it completes) */
  hashRecords: readonly Buffer[];
}
