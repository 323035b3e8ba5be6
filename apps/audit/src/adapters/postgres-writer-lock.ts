import type { DataSource, QueryRunner } from 'typeorm';
import { insertMany } from '@lt/database';
import type { CheckpointRow } from '../domain/stored-entry';
import type { AppendTransaction, AppendedEntries, WriterLock, WriterSession } from '../ports/writer-lock';
import { PostgresAuditStore } from './postgres-audit.store';

/** Advisory lock key of the single writer (0x4c5441554449540, 'LTAUDIT' in ASCII); per database. */
export const WRITER_LOCK_KEY = '343755804962493760';

/** The writer election as a session advisory lock on a connection taken from the pool for the writer's lifetime. */
export class PostgresWriterLock implements WriterLock {
  constructor(private readonly ds: DataSource) {}

  async tryAcquire(): Promise<WriterSession | null> {
    const qr = this.ds.createQueryRunner();
    await qr.connect();
    let locked = false;
    try {
      [{ locked }] = await qr.query(`SELECT pg_try_advisory_lock(${WRITER_LOCK_KEY}::bigint) AS locked`);
    } catch (err) {
      await qr.release().catch(() => undefined);
      throw err;
    }
    if (!locked) {
      await qr.release();
      return null;
    }
    return new PostgresWriterSession(qr);
  }
}

function insertCheckpoint(qr: QueryRunner, cp: CheckpointRow): Promise<unknown> {
  return qr.query('INSERT INTO audit_checkpoints (tree_size, root_hash, note, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (tree_size) DO NOTHING', [
    cp.treeSize,
    cp.rootHash,
    cp.note,
    cp.createdAt,
  ]);
}

/** Every write of the log, on the one connection holding the lock. */
class PostgresWriterSession implements WriterSession {
  private readonly reads: PostgresAuditStore;
  private readonly tx: AppendTransaction;

  constructor(private readonly qr: QueryRunner) {
    this.reads = new PostgresAuditStore(qr);
    this.tx = {
      loggedSeqs: async (ids) => {
        const rows: Array<{ entry_id: string; seq: string }> = await qr.query('SELECT entry_id, seq FROM audit_entry_ids WHERE entry_id = ANY($1::text[])', [
          ids,
        ]);
        return new Map(rows.map((r) => [r.entry_id, Number(r.seq)]));
      },
      insertEntries: (batch) => insertEntries(qr, batch),
      upsertTiers: async (rows) => {
        await insertMany(
          qr,
          'audit_agency_tiers',
          ['code', 'tier', 'updated_seq'],
          rows,
          'ON CONFLICT (code) DO UPDATE SET tier = EXCLUDED.tier, updated_seq = EXCLUDED.updated_seq WHERE audit_agency_tiers.updated_seq < EXCLUDED.updated_seq',
        );
      },
      insertCheckpoint: async (cp) => {
        await insertCheckpoint(qr, cp);
      },
    };
  }

  get hashes(): PostgresAuditStore['hashes'] {
    return this.reads.hashes;
  }

  treeSize(): Promise<number> {
    return this.reads.treeSize();
  }

  latestCheckpoint(): Promise<CheckpointRow | null> {
    return this.reads.latestCheckpoint();
  }

  async ensureMonthPartition(month: string): Promise<void> {
    await this.qr.query('SELECT audit_ensure_month_partition($1::date)', [`${month}-01`]);
  }

  async transaction<T>(fn: (tx: AppendTransaction) => Promise<T>): Promise<T> {
    await this.qr.startTransaction();
    try {
      const out = await fn(this.tx);
      await this.qr.commitTransaction();
      return out;
    } catch (err) {
      if (this.qr.isTransactionActive) await this.qr.rollbackTransaction().catch(() => undefined);
      throw err;
    }
  }

  async insertCheckpoint(cp: CheckpointRow): Promise<void> {
    await insertCheckpoint(this.qr, cp);
  }

  isAlive(): Promise<boolean> {
    return this.qr.query('SELECT 1').then(
      () => true,
      () => false,
    );
  }

  async release(): Promise<void> {
    // a session lock outlives release() on a pooled connection: unlock first
    await this.qr.query(`SELECT pg_advisory_unlock(${WRITER_LOCK_KEY}::bigint)`).catch(() => undefined);
    await this.qr.release().catch(() => undefined);
  }

  async discard(): Promise<void> {
    await this.qr.release().catch(() => undefined);
  }
}

/** Id index, entries and stored hashes: one multi-row INSERT (per chunk) each. */
async function insertEntries(qr: QueryRunner, { entries, bodies, leaves, hashRecords }: AppendedEntries): Promise<void> {
  await insertMany(
    qr,
    'audit_entry_ids',
    ['entry_id', 'seq', 'message_id', 'at'],
    entries.map((e) => [e.id, e.seq, e.messageId, e.at]),
  );
  await insertMany(
    qr,
    'audit_entries',
    ['seq', 'entry_id', 'source', 'type', 'message_id', 'agencies', 'at', 'body', 'leaf_hash'],
    entries.map((e, i) => [e.seq, e.id, e.source, e.type, e.messageId, e.agencies, e.at, bodies[i], leaves[i]]),
  );
  await insertMany(
    qr,
    'audit_hashes',
    ['seq', 'hashes', 'at'],
    hashRecords.map((h, i) => [entries[i].seq, h, entries[i].at]),
  );
}
