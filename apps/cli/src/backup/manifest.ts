import { createHash } from 'node:crypto';
import { createReadStream, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';

/**
 * `manifest.json` of a backup folder: what each file is, its size and SHA-256, and what restore
 * needs besides the bytes (stream configs live in their own meta files, listed here too).
 */
export const MANIFEST_FILE = 'manifest.json';
export const MANIFEST_FORMAT = 'lienthong-backup';
export const MANIFEST_VERSION = 1;

export interface ManifestPart {
  /** path inside the backup folder, `/`-separated */
  path: string;
  kind: 'stream' | 'stream-meta' | 'database' | 'file';
  bytes: number;
  sha256: string;
}

export interface ManifestStream {
  name: string;
  /** the snapshot bytes (s2-compressed tar, the server's format) and the {config, state} it restores with */
  data: string;
  meta: string;
  messages: number;
  bytes: number;
  firstSeq: number;
  lastSeq: number;
  consumers: number;
}

/**
 * Where the PostgreSQL outboxes stood when the snapshots began (read from the database before the
 * first snapshot): restore moves them back there, so what they published after that moment, and
 * the streams' snapshots may lack, is published again (with the same message ids).
 */
export interface OutboxMarks {
  /** the database's clock when the snapshots began */
  at: string;
  /** registry_outbox_cursor.published_seq (null: no such table) */
  registryPublishedSeq: number | null;
  /** audit_receipt_cursor.sent_upto (null: no such table) */
  auditReceiptSentUpto: number | null;
}

export interface BackupManifest {
  format: typeof MANIFEST_FORMAT;
  version: typeof MANIFEST_VERSION;
  /** the lienthong version that wrote it */
  hubVersion: string;
  namespace: string;
  startedAt: string;
  finishedAt: string;
  outboxes: OutboxMarks;
  streams: ManifestStream[];
  database: { name: string; file: string; serverVersion: string };
  /** data folder files, relative to the data folder (also their path under `data/`) */
  dataFiles: string[];
  parts: ManifestPart[];
}

export async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

export async function partOf(dir: string, path: string, kind: ManifestPart['kind']): Promise<ManifestPart> {
  const full = join(dir, ...path.split('/'));
  return { path, kind, bytes: statSync(full).size, sha256: await sha256File(full) };
}

export function readManifest(dir: string): BackupManifest {
  const path = join(dir, MANIFEST_FILE);
  if (!existsSync(path)) throw new LtError('BACKUP_CORRUPT', `${path} is missing: not a backup folder`, { file: MANIFEST_FILE });
  let m: BackupManifest;
  try {
    m = JSON.parse(readFileSync(path, 'utf8')) as BackupManifest;
  } catch (err) {
    throw new LtError('BACKUP_CORRUPT', `${path} is not JSON: ${(err as Error).message}`, { file: MANIFEST_FILE });
  }
  if (
    m?.format !== MANIFEST_FORMAT ||
    !Array.isArray(m.parts) ||
    !Array.isArray(m.streams) ||
    !Array.isArray(m.dataFiles) ||
    !m.database ||
    typeof m.namespace !== 'string'
  ) {
    throw new LtError('BACKUP_CORRUPT', `${path} is not a lienthong backup manifest`, { file: MANIFEST_FILE });
  }
  if (m.version !== MANIFEST_VERSION) {
    throw new LtError('BACKUP_CORRUPT', `${path} has format version ${String(m.version)}; this lienthong reads version ${MANIFEST_VERSION}`, {
      file: MANIFEST_FILE,
    });
  }
  for (const p of m.parts) {
    // a manifest names files inside its folder only
    if (typeof p.path !== 'string' || p.path.split('/').some((s) => s === '..' || s === '') || p.path.startsWith('/')) {
      throw new LtError('BACKUP_CORRUPT', `${path} names a file outside the backup folder: ${JSON.stringify(p.path)}`, { file: MANIFEST_FILE });
    }
  }
  // every file restore reads must be a checked part
  const listed = new Set(m.parts.map((p) => p.path));
  const named = [...m.dataFiles.map((f) => `data/${f}`), ...m.streams.flatMap((s) => [s.data, s.meta]), m.database.file];
  for (const f of named) {
    if (!listed.has(f))
      throw new LtError('BACKUP_CORRUPT', `${path} names ${JSON.stringify(f)}, which is not among its checked files`, { file: MANIFEST_FILE });
  }
  return m;
}

/** Every part is there with its size and SHA-256; the first that is not is named. Nothing is restored before this passed. */
export async function verifyParts(dir: string, m: BackupManifest, onPart?: (p: ManifestPart) => void): Promise<void> {
  for (const p of m.parts) {
    const full = join(dir, ...p.path.split('/'));
    if (!existsSync(full)) throw new LtError('BACKUP_CORRUPT', `${p.path} is missing from the backup folder`, { file: p.path });
    const bytes = statSync(full).size;
    const sha256 = bytes === p.bytes ? await sha256File(full) : '';
    if (bytes !== p.bytes || sha256 !== p.sha256) {
      throw new LtError(
        'BACKUP_CORRUPT',
        `${p.path} changed since the backup was written (${bytes} bytes, manifest says ${p.bytes}${sha256 && sha256 !== p.sha256 ? '; SHA-256 differs' : ''})`,
        {
          file: p.path,
        },
      );
    }
    onPart?.(p);
  }
}
