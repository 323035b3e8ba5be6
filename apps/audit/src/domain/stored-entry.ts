import { canonicalEntryText, type EntrySource, type LogEntry } from '@lt/audit-log';

/** An entry as the log stores it: the columns of audit_entries. */
export interface EntryRow {
  seq: string;
  entry_id: string;
  source: EntrySource;
  type: string;
  message_id: string | null;
  agencies: string[];
  at: Date;
  /** canonical JSON text */
  body: string;
  leaf_hash: Buffer;
}

/** A signed checkpoint of the log. */
export interface CheckpointRow {
  treeSize: number;
  rootHash: Buffer;
  note: string;
  createdAt: string;
}

/** A row read back into the exact fields the leaf hash covers. */
export function rowToEntry(r: EntryRow): LogEntry {
  return {
    seq: Number(r.seq),
    source: r.source,
    id: r.entry_id,
    type: r.type,
    messageId: r.message_id,
    agencies: r.agencies,
    at: r.at.toISOString(),
    body: JSON.parse(r.body),
  };
}

/** The exact bytes the leaf hash covers, rebuilt from a row without parsing its body. */
export function rowCanonicalText(r: EntryRow): string {
  return canonicalEntryText(
    { seq: Number(r.seq), source: r.source, id: r.entry_id, type: r.type, messageId: r.message_id, agencies: r.agencies, at: r.at.toISOString() },
    r.body,
  );
}
