import { chmodSync, createReadStream, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { HEADERS, LtError, topology } from '@lt/contracts';
import { ensureDatabase } from '@lt/database';
import { namespaceStreams, restoreStream, snapshotStream, type StreamSnapshotMeta } from '@lt/messaging';
import { runMigrate } from '../commands/migrate';
import { conflictingDataFiles, copyPrivate, ensurePrivateDir, listDataFiles } from './data-files';
import {
  MANIFEST_FILE,
  MANIFEST_FORMAT,
  MANIFEST_VERSION,
  partOf,
  readManifest,
  verifyParts,
  type BackupManifest,
  type ManifestPart,
  type ManifestStream,
} from './manifest';
import {
  databaseName,
  databaseState,
  dropDatabase,
  dumpDatabase,
  forgetSubmissionsAfter,
  readOutboxMarks,
  restoreDatabase,
  rewindOutboxes,
  serverVersion,
  type LostSubmission,
} from './postgres';

/**
 * `lienthong backup DIR` and `lienthong restore DIR`. Order of a backup, and why (docs/operations.md,
 * "Backup and restore"):
 *
 * 1. read where the PostgreSQL outboxes stand (registry, audit receipts, dossier): restore moves
 *    them back there, so whatever they publish while the snapshots run is published again;
 * 2. snapshot every stream and bucket of the namespace, with its consumers, in namespaceStreams
 *    order (the submit stream before what the router writes);
 * 3. dump PostgreSQL, AFTER the streams: it is never older than them, so a submission still in
 *    the restored submit stream is recognised by the router's register (same stream sequence, a
 *    redelivery: copies re-published under their message ids) and the audit's entry-id table
 *    absorbs the entries its restored consumers deliver again;
 * 4. copy the data folder's key and credential files;
 * 5. write manifest.json: every file's size and SHA-256.
 */

export type ProgressEvent = { step: string; part?: string; bytes?: number; messages?: number; note?: string };
export type Progress = (e: ProgressEvent) => void;

export interface BackupOptions {
  dir: string;
  dataDir: string;
  ns: string;
  databaseUrl: string;
  connect: () => Promise<NatsConnection>;
  progress?: Progress;
}

export interface BackupResult {
  dir: string;
  namespace: string;
  streams: Array<{ name: string; messages: number; bytes: number; lastSeq: number; consumers: number }>;
  absentStreams: string[];
  database: { name: string; bytes: number };
  dataFiles: number;
  totalBytes: number;
  startedAt: string;
  finishedAt: string;
}

const STREAMS_DIR = 'streams';
const DATA_DIR = 'data';
const DUMP_FILE = 'database.dump';

function isNotFound(err: unknown): boolean {
  const e = err as { api_error?: { err_code?: number }; message?: string };
  return e?.api_error?.err_code === 10059 || /not found/i.test(e?.message ?? '');
}

async function streamExists(jsm: JetStreamManager, name: string): Promise<boolean> {
  try {
    await jsm.streams.info(name);
    return true;
  } catch (err) {
    if (isNotFound(err)) return false;
    throw err;
  }
}

let version: string | undefined;
/** The version in the repository's package.json (above this file, in the sources or in dist). */
function hubVersion(): string {
  if (version) return version;
  for (let dir = __dirname; dirname(dir) !== dir; dir = dirname(dir)) {
    const file = join(dir, 'package.json');
    if (!existsSync(file)) continue;
    const pkg = JSON.parse(readFileSync(file, 'utf8')) as { version?: string; name?: string };
    if (pkg.version && pkg.name) return (version = pkg.version);
  }
  return (version = 'unknown');
}

/**
 * Envelope ids the inbox copies stored since `since` carry (as the copy's envelope or the one it
 * answers): headers only, from a start time, so only the backup's own window is read.
 */
async function inboxEnvelopeIdsSince(nc: NatsConnection, stream: string, since: Date): Promise<Set<string>> {
  const ids = new Set<string>();
  const consumer = await jetstream(nc).consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartTime,
    opt_start_time: since.toISOString(),
    headers_only: true,
  });
  let pending = (await consumer.info()).num_pending;
  while (pending > 0) {
    let got = 0;
    for await (const m of await consumer.fetch({ max_messages: Math.min(pending, 1_000), expires: 2_000 })) {
      for (const h of [HEADERS.envelopeId, HEADERS.responseFor]) {
        const v = m.headers?.get(h);
        if (v) ids.add(v);
      }
      got++;
    }
    if (got === 0) break;
    pending -= got;
  }
  return ids;
}

async function connectOrExplain(connect: () => Promise<NatsConnection>): Promise<NatsConnection> {
  try {
    return await connect();
  } catch (err) {
    throw new LtError('UNAVAILABLE', `cannot reach NATS: ${(err as Error).message}`);
  }
}

export async function runBackup(o: BackupOptions): Promise<BackupResult> {
  const dir = resolve(o.dir);
  const progress = o.progress ?? (() => undefined);
  if (existsSync(dir) && readdirSync(dir).length > 0) {
    throw new LtError('VALIDATION_FAILED', `${dir} is not empty: a backup goes into a new or empty folder`, { field: 'dir' });
  }
  const topo = topology(o.ns);
  const dbName = databaseName(o.databaseUrl);
  // before anything is written: PostgreSQL must answer, and this is the moment restore rewinds to
  const marks = await readOutboxMarks(o.databaseUrl);
  const pgVersion = await serverVersion(o.databaseUrl);
  const nc = await connectOrExplain(o.connect);
  const created = !existsSync(dir);
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(dir, 0o700);
  const startedAt = new Date().toISOString();
  try {
    const jsm = await jetstreamManager(nc);
    ensurePrivateDir(dir, join(dir, STREAMS_DIR));
    const streams: ManifestStream[] = [];
    const absent: string[] = [];
    const parts: ManifestPart[] = [];
    for (const name of namespaceStreams(topo)) {
      if (!(await streamExists(jsm, name))) {
        absent.push(name);
        progress({ step: 'stream', part: name, note: 'absent (never created on this hub): skipped' });
        continue;
      }
      const data = `${STREAMS_DIR}/${name}.snapshot`;
      const metaPath = `${STREAMS_DIR}/${name}.json`;
      const fh = await open(join(dir, data), 'wx', 0o600);
      let meta: StreamSnapshotMeta;
      try {
        meta = await snapshotStream(
          nc,
          name,
          async (chunk) => {
            await fh.write(chunk);
          },
          { onProgress: (bytes) => progress({ step: 'stream-bytes', part: name, bytes }) },
        );
      } catch (err) {
        throw new LtError(err instanceof LtError ? err.code : 'UNAVAILABLE', `snapshot of stream ${name} failed: ${(err as Error).message}`, { stream: name });
      } finally {
        await fh.close();
      }
      writeFileSync(join(dir, metaPath), JSON.stringify(meta, null, 2) + '\n', { mode: 0o600 });
      const dataPart = await partOf(dir, data, 'stream');
      parts.push(dataPart, await partOf(dir, metaPath, 'stream-meta'));
      const s = meta.state;
      streams.push({
        name,
        data,
        meta: metaPath,
        messages: s.messages,
        bytes: s.bytes,
        firstSeq: s.first_seq,
        lastSeq: s.last_seq,
        consumers: s.consumer_count,
      });
      progress({
        step: 'stream',
        part: name,
        bytes: dataPart.bytes,
        messages: s.messages,
        note: `sequences ${s.first_seq}..${s.last_seq}, ${s.consumer_count} consumers`,
      });
    }

    // AFTER the streams: PostgreSQL is never older than them
    const dumpPath = join(dir, DUMP_FILE);
    await dumpDatabase(o.databaseUrl, dumpPath);
    chmodSync(dumpPath, 0o600);
    const dumpPart = await partOf(dir, DUMP_FILE, 'database');
    parts.push(dumpPart);
    progress({ step: 'database', part: dbName, bytes: dumpPart.bytes, note: 'pg_dump -Fc' });

    const dataFiles = listDataFiles(o.dataDir);
    const dataRoot = join(dir, DATA_DIR);
    ensurePrivateDir(dir, dataRoot);
    for (const rel of dataFiles) {
      copyPrivate(o.dataDir, dataRoot, rel);
      parts.push(await partOf(dir, `${DATA_DIR}/${rel}`, 'file'));
    }
    progress({ step: 'files', part: o.dataDir, note: `${dataFiles.length} key and credential files` });

    const finishedAt = new Date().toISOString();
    const manifest: BackupManifest = {
      format: MANIFEST_FORMAT,
      version: MANIFEST_VERSION,
      hubVersion: hubVersion(),
      namespace: o.ns,
      startedAt,
      finishedAt,
      outboxes: marks,
      streams,
      database: { name: dbName, file: DUMP_FILE, serverVersion: pgVersion },
      dataFiles,
      parts,
    };
    writeFileSync(join(dir, MANIFEST_FILE), JSON.stringify(manifest, null, 2) + '\n', { mode: 0o600 });
    return {
      dir,
      namespace: o.ns,
      streams: streams.map((s) => ({ name: s.name, messages: s.messages, bytes: s.bytes, lastSeq: s.lastSeq, consumers: s.consumers })),
      absentStreams: absent,
      database: { name: dbName, bytes: dumpPart.bytes },
      dataFiles: dataFiles.length,
      totalBytes: parts.reduce((n, p) => n + p.bytes, 0),
      startedAt,
      finishedAt,
    };
  } catch (err) {
    // a half-written folder without its manifest is refused by restore anyway; do not leave one we made
    if (created) rmSync(dir, { recursive: true, force: true });
    throw err;
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

export interface RestoreOptions {
  dir: string;
  dataDir: string;
  ns: string;
  databaseUrl: string;
  connect: () => Promise<NatsConnection>;
  /** replace streams, database and differing key files that exist */
  force?: boolean;
  rolePrefix?: string;
  progress?: Progress;
}

export interface RestoreResult {
  dir: string;
  namespace: string;
  backupStartedAt: string;
  checkedFiles: number;
  replaced: { streams: string[]; databaseTables: number; files: string[] };
  dataFiles: number;
  streams: Array<{ name: string; messages: number; lastSeq: number; consumers: number }>;
  database: { name: string; migrationsApplied: string[]; roles: string[] };
  outboxes: string[];
  /** accepted while the backup ran, after the submit stream's snapshot: to be sent again (same envelope id) */
  lostDuringBackup: LostSubmission[];
}

export async function runRestore(o: RestoreOptions): Promise<RestoreResult> {
  const dir = resolve(o.dir);
  const progress = o.progress ?? (() => undefined);
  // 1. nothing is touched before every file matched its manifest entry
  const m = readManifest(dir);
  await verifyParts(dir, m);
  progress({ step: 'verify', part: dir, note: `${m.parts.length} files match the manifest` });
  if (m.namespace !== o.ns) {
    throw new LtError(
      'VALIDATION_FAILED',
      `the backup is of namespace ${m.namespace}, this hub's is ${o.ns}: set LT_NAMESPACE=${m.namespace} (stream names cannot change in a restore)`,
      {
        field: 'namespace',
      },
    );
  }
  const dataRoot = join(dir, DATA_DIR);
  const dbName = databaseName(o.databaseUrl);

  // 2. the target must be empty, or --force
  const nc = await connectOrExplain(o.connect);
  try {
    const jsm = await jetstreamManager(nc);
    const existing: string[] = [];
    for (const s of m.streams) if (await streamExists(jsm, s.name)) existing.push(s.name);
    const db = await databaseState(o.databaseUrl);
    const files = conflictingDataFiles(dataRoot, o.dataDir, m.dataFiles);
    if ((existing.length || db.tables > 0 || files.length) && !o.force) {
      const what = [
        existing.length ? `streams ${existing.join(', ')} exist` : '',
        db.tables > 0 ? `database ${dbName} has ${db.tables} tables` : '',
        files.length ? `${files.length} key or credential files differ (${files.slice(0, 3).join(', ')}${files.length > 3 ? ', ...' : ''})` : '',
      ].filter(Boolean);
      throw new LtError(
        'RESTORE_TARGET_NOT_EMPTY',
        `the target hub is not empty: ${what.join('; ')}. Restore onto an empty hub, or pass --force to replace them`,
        {
          streams: existing,
          databaseTables: db.tables,
          files,
        },
      );
    }
    for (const name of existing) {
      await jsm.streams.delete(name);
      progress({ step: 'replace', part: name, note: 'stream deleted (--force)' });
    }
    if (db.exists && db.tables > 0) {
      await dropDatabase(o.databaseUrl);
      progress({ step: 'replace', part: dbName, note: 'database dropped (--force)' });
    }

    // 3. keys and credentials: the database roles' passwords among them, used in step 5
    mkdirSync(o.dataDir, { recursive: true, mode: 0o700 });
    for (const rel of m.dataFiles) copyPrivate(dataRoot, o.dataDir, rel);
    progress({ step: 'files', part: o.dataDir, note: `${m.dataFiles.length} key and credential files` });

    // 4. streams, with their consumers
    const streams: RestoreResult['streams'] = [];
    for (const s of m.streams) {
      const meta = JSON.parse(readFileSync(join(dir, ...s.meta.split('/')), 'utf8')) as StreamSnapshotMeta;
      let state;
      try {
        state = await restoreStream(nc, meta, createReadStream(join(dir, ...s.data.split('/')), { highWaterMark: 64 * 1024 }), {
          onProgress: (bytes) => progress({ step: 'stream-bytes', part: s.name, bytes }),
        });
      } catch (err) {
        throw new LtError(err instanceof LtError ? err.code : 'UNAVAILABLE', `restore of stream ${s.name} failed: ${(err as Error).message}`, {
          stream: s.name,
        });
      }
      streams.push({ name: s.name, messages: state.messages, lastSeq: state.last_seq, consumers: state.consumer_count });
      progress({
        step: 'stream',
        part: s.name,
        messages: state.messages,
        note: `sequences ${state.first_seq}..${state.last_seq}, ${state.consumer_count} consumers`,
      });
    }

    // 5. PostgreSQL: the dump, then the service roles (as `lienthong migrate`), then the outboxes
    await ensureDatabase(o.databaseUrl);
    await restoreDatabase(o.databaseUrl, join(dir, m.database.file));
    const migrated = await runMigrate(o.dataDir, o.databaseUrl, o.rolePrefix);
    progress({
      step: 'database',
      part: dbName,
      note: `pg_restore of ${m.database.name}, ${migrated.applied.length} migrations applied, roles ${migrated.roles.join(', ')}`,
    });
    const outboxes = await rewindOutboxes(o.databaseUrl, m.outboxes);
    progress({ step: 'outboxes', note: outboxes.join('; ') || 'none' });
    const topo = topology(m.namespace);
    const submit = streams.find((s) => s.name === topo.streams.submit);
    let lost: LostSubmission[] = [];
    if (submit) {
      // routed after the submit snapshot but with copies in the restored inbox: delivered, kept (5 min for clock drift)
      const delivered = streams.some((s) => s.name === topo.streams.inbox)
        ? await inboxEnvelopeIdsSince(nc, topo.streams.inbox, new Date(Date.parse(m.outboxes.at) - 5 * 60_000))
        : new Set<string>();
      lost = await forgetSubmissionsAfter(o.databaseUrl, submit.lastSeq, delivered);
    }
    if (lost.length)
      progress({ step: 'lost', note: `${lost.length} submissions accepted during the backup are in no restored stream: their senders must send them again` });

    return {
      dir,
      namespace: m.namespace,
      backupStartedAt: m.startedAt,
      checkedFiles: m.parts.length,
      replaced: { streams: existing, databaseTables: db.tables, files },
      dataFiles: m.dataFiles.length,
      streams,
      database: { name: dbName, migrationsApplied: migrated.applied, roles: migrated.roles },
      outboxes,
      lostDuringBackup: lost,
    };
  } finally {
    await nc.drain().catch(() => undefined);
  }
}
