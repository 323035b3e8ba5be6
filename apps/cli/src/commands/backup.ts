import type { Command } from 'commander';
import { Presets, SingleBar } from 'cli-progress';
import { LtError } from '@lt/contracts';
import { DEFAULT_ROLE_PREFIX } from '@lt/database';
import { connectHub } from '@lt/messaging';
import { ConfigError, readVariable } from '@lt/platform';
import { runBackup, runRestore, type BackupResult, type Progress, type ProgressEvent, type RestoreResult } from '../backup/backup';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';

/**
 * `lienthong backup DIR` / `lienthong restore DIR` (run on the hub machine, with the operator's
 * NATS seed and the admin DATABASE_URL): see apps/cli/src/backup/backup.ts and the runbook in
 * docs/operations.md, "Backup and restore".
 */

function adminUrl(given: string | undefined): string {
  try {
    return given ?? readVariable(process.env, 'DATABASE_URL');
  } catch (err) {
    if (err instanceof ConfigError) throw new LtError('VALIDATION_FAILED', err.message, { field: 'DATABASE_URL' });
    throw err;
  }
}

const MIB = 1024 * 1024;
const mib = (n: number) => `${(n / MIB).toFixed(1)} MiB`;

/**
 * One line per part on stderr (a JSON line with --json), and a bar while a stream of 8 MiB or more
 * moves, on a terminal.
 */
function progressReporter(json: boolean): { report: Progress; stop(): void } {
  let bar: SingleBar | undefined;
  let barPart = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
    barPart = '';
  };
  const report = (e: ProgressEvent) => {
    if (e.step === 'stream-bytes') {
      if (json || !process.stderr.isTTY || (e.bytes ?? 0) < 8 * MIB) return;
      if (barPart !== e.part) {
        stop();
        barPart = e.part ?? '';
        bar = new SingleBar({ format: `${terminalSafe(barPart)} {value} MiB`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        bar.start(0, 0);
      }
      bar!.update(Math.floor((e.bytes ?? 0) / MIB));
      return;
    }
    stop();
    if (json) process.stderr.write(JSON.stringify({ progress: e }) + '\n');
    else {
      const facts = [e.bytes !== undefined ? mib(e.bytes) : '', e.messages !== undefined ? `${e.messages} messages` : ''].filter(Boolean).join(', ');
      const note = e.note ? (facts ? ` (${e.note})` : e.note) : '';
      process.stderr.write(terminalSafe(`${e.step}${e.part ? ` ${e.part}` : ''}: ${facts}${note}`) + '\n');
    }
  };
  return { report, stop };
}

function backupText(r: BackupResult): string {
  return [
    `backup of namespace ${r.namespace} in ${r.dir} (${mib(r.totalBytes)})`,
    ...r.streams.map((s) => `  stream ${s.name}: ${s.messages} messages up to sequence ${s.lastSeq}, ${s.consumers} consumers`),
    ...(r.absentStreams.length ? [`  not on this hub (skipped): ${r.absentStreams.join(', ')}`] : []),
    `  database ${r.database.name}: ${mib(r.database.bytes)} (pg_dump, taken after the streams)`,
    `  ${r.dataFiles} key and credential files`,
    `  manifest.json lists every file with its SHA-256; keep the folder private (it holds the hub's private keys)`,
  ].join('\n');
}

function restoreText(r: RestoreResult): string {
  const replaced = r.replaced.streams.length || r.replaced.databaseTables || r.replaced.files.length;
  return [
    `restored namespace ${r.namespace} from ${r.dir} (backup of ${r.backupStartedAt}); ${r.checkedFiles} files matched the manifest`,
    ...(replaced
      ? [`  replaced (--force): ${r.replaced.streams.length} streams, a database of ${r.replaced.databaseTables} tables, ${r.replaced.files.length} files`]
      : []),
    `  ${r.dataFiles} key and credential files into the data folder`,
    ...r.streams.map((s) => `  stream ${s.name}: ${s.messages} messages up to sequence ${s.lastSeq}, ${s.consumers} consumers`),
    `  database ${r.database.name}: restored; roles ${r.database.roles.join(', ')}${r.database.migrationsApplied.length ? `; migrations applied: ${r.database.migrationsApplied.join(', ')}` : ''}`,
    `  outboxes rewound to the backup's start: ${r.outboxes.join('; ') || 'none'}`,
    ...(r.lostDuringBackup.length
      ? [
          `  ${r.lostDuringBackup.length} submissions accepted during the backup are in no restored stream; their senders must send them again (same envelope id):`,
          ...r.lostDuringBackup.map((l) => `    ${l.envelopeId} from ${l.sender} (received ${l.receivedAt})`),
        ]
      : ['  no submission accepted during the backup was lost']),
    'next: start the services, then check `lienthong audit verify` and the inbox counts (docs/operations.md, "Backup and restore")',
  ].join('\n');
}

export function registerBackupCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('backup')
    .description(
      "back up the hub into a new folder: every stream and bucket of the namespace (with consumers), a PostgreSQL dump, the data folder's keys and credentials",
    )
    .argument('<dir>', 'a new or empty folder (created 0700)')
    .option('--database-url <url>', 'admin connection (default $DATABASE_URL)')
    .action(async (dir: string, o: { databaseUrl?: string }) => {
      const c = ctx();
      const p = progressReporter(c.opts.json === true);
      try {
        const r = await runBackup({
          dir,
          dataDir: c.dataDir,
          ns: c.ns,
          databaseUrl: adminUrl(o.databaseUrl),
          connect: () => connectHub(c.natsSettings, 'lienthong-cli-backup'),
          progress: p.report,
        });
        p.stop();
        c.print(r, backupText);
      } finally {
        p.stop();
      }
    });

  program
    .command('restore')
    .description('restore a backup folder onto an empty hub: keys and credentials, streams with consumers, then PostgreSQL')
    .argument('<dir>', 'a folder written by `lienthong backup`')
    .option('--database-url <url>', 'admin connection (default $DATABASE_URL)')
    .option('--role-prefix <prefix>', 'prefix of the service roles (as `lienthong migrate`)', DEFAULT_ROLE_PREFIX)
    .option('--force', 'replace the streams, the database and differing key files the target hub already has')
    .action(async (dir: string, o: { databaseUrl?: string; rolePrefix: string; force?: boolean }) => {
      const c = ctx();
      const p = progressReporter(c.opts.json === true);
      try {
        const r = await runRestore({
          dir,
          dataDir: c.dataDir,
          ns: c.ns,
          databaseUrl: adminUrl(o.databaseUrl),
          connect: () => connectHub(c.natsSettings, 'lienthong-cli-restore'),
          force: o.force === true,
          rolePrefix: o.rolePrefix,
          progress: p.report,
        });
        p.stop();
        c.print(r, restoreText);
      } finally {
        p.stop();
      }
    });
}
