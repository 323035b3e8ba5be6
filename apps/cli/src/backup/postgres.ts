import { spawn } from 'node:child_process';
import { Client } from 'pg';
import { LtError } from '@lt/contracts';
import type { OutboxMarks } from './manifest';

/**
 * PostgreSQL side of backup and restore: pg_dump/pg_restore (custom format) as child processes,
 * and the few statements around them. The password travels in PGPASSWORD, never on a command
 * line (visible in `ps`) nor in a message.
 */

export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/:[^:@/]*@/, ':***@');
  }
}

export function databaseName(url: string): string {
  const name = decodeURIComponent(new URL(url).pathname.replace(/^\//, ''));
  if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(name))
    throw new LtError('VALIDATION_FAILED', `database name "${name}" must be letters, digits and underscores`, { field: 'databaseUrl' });
  return name;
}

/** The URL without its password, and the environment carrying it for libpq. */
function libpq(url: string): { dbname: string; env: NodeJS.ProcessEnv } {
  const u = new URL(url);
  const password = decodeURIComponent(u.password);
  u.password = '';
  const env: NodeJS.ProcessEnv = { ...process.env };
  if (password) env.PGPASSWORD = password;
  return { dbname: u.toString(), env };
}

function runTool(tool: string, args: string[], url: string): Promise<void> {
  const { env } = libpq(url);
  const password = decodeURIComponent(new URL(url).password);
  return new Promise((resolve, reject) => {
    let child;
    try {
      child = spawn(tool, args, { env, stdio: ['ignore', 'ignore', 'pipe'] });
    } catch (err) {
      return reject(new LtError('UNAVAILABLE', `cannot run ${tool}: ${(err as Error).message}`));
    }
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
    child.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        new LtError(
          'UNAVAILABLE',
          err.code === 'ENOENT' ? `${tool} is not installed (PostgreSQL client tools, same major version as the server or newer)` : `${tool}: ${err.message}`,
        ),
      ),
    );
    child.once('close', (code) => {
      if (code === 0) return resolve();
      const said = password ? stderr.split(password).join('***') : stderr;
      reject(new LtError('UNAVAILABLE', `${tool} failed on ${redactUrl(url)} (exit ${code}): ${said.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

/** `pg_dump -Fc` of the database of `url` into `file` (written by pg_dump; the caller sets its mode). */
export function dumpDatabase(url: string, file: string): Promise<void> {
  return runTool('pg_dump', ['-Fc', '--file', file, '--dbname', libpq(url).dbname], url);
}

/**
 * Loads a custom-format dump into the (empty) database of `url`. Owners and grants are left out:
 * the service roles may not exist on this cluster yet; `runMigrate` gives them afterwards.
 */
export function restoreDatabase(url: string, file: string): Promise<void> {
  return runTool('pg_restore', ['--no-owner', '--no-privileges', '--exit-on-error', '--single-transaction', '--dbname', libpq(url).dbname, file], url);
}

async function withClient<T>(url: string, fn: (c: Client) => Promise<T>): Promise<T> {
  const c = new Client({ connectionString: url, application_name: 'lienthong-backup' });
  try {
    await c.connect();
  } catch (err) {
    throw new LtError('UNAVAILABLE', `cannot reach PostgreSQL at ${redactUrl(url)}: ${(err as Error).message}`);
  }
  try {
    return await fn(c);
  } finally {
    await c.end().catch(() => undefined);
  }
}

function maintenanceUrl(url: string): string {
  const u = new URL(url);
  u.pathname = '/postgres';
  return u.toString();
}

export async function serverVersion(url: string): Promise<string> {
  return withClient(url, async (c) => ((await c.query('SHOW server_version')).rows[0] as { server_version: string }).server_version);
}

/** Where the outboxes stand now (see OutboxMarks); a table the schema lacks reads as null. */
export async function readOutboxMarks(url: string): Promise<OutboxMarks> {
  return withClient(url, async (c) => {
    const one = async (table: string, column: string): Promise<number | null> => {
      const exists = (await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [table])).rows[0] as { e: boolean };
      if (!exists.e) return null;
      const row = (await c.query(`SELECT ${column} AS v FROM ${table} WHERE id = 1`)).rows[0] as { v: string } | undefined;
      return row ? Number(row.v) : null;
    };
    const at = ((await c.query('SELECT now() AS at')).rows[0] as { at: Date }).at.toISOString();
    return {
      at,
      registryPublishedSeq: await one('registry_outbox_cursor', 'published_seq'),
      auditReceiptSentUpto: await one('audit_receipt_cursor', 'sent_upto'),
    };
  });
}

/**
 * Moves the outboxes back to `marks` (never forward): the registry re-mirrors its changes since
 * then into the directory bucket and the events stream, the audit re-sends those receipts, the
 * dossier service re-publishes its confirmations and notices. Each carries its fixed message id.
 */
export async function rewindOutboxes(url: string, marks: OutboxMarks): Promise<string[]> {
  return withClient(url, async (c) => {
    const done: string[] = [];
    const has = async (t: string) => ((await c.query('SELECT to_regclass($1) IS NOT NULL AS e', [t])).rows[0] as { e: boolean }).e;
    if (marks.registryPublishedSeq !== null && (await has('registry_outbox_cursor'))) {
      await c.query('UPDATE registry_outbox_cursor SET published_seq = LEAST(published_seq, $1), updated_at = now() WHERE id = 1', [
        marks.registryPublishedSeq,
      ]);
      done.push(`registry outbox from change ${marks.registryPublishedSeq}`);
    }
    if (marks.auditReceiptSentUpto !== null && (await has('audit_receipt_cursor'))) {
      await c.query('UPDATE audit_receipt_cursor SET sent_upto = LEAST(sent_upto, $1), updated_at = now() WHERE id = 1', [marks.auditReceiptSentUpto]);
      done.push(`audit receipts from entry ${marks.auditReceiptSentUpto}`);
    }
    for (const t of ['dossier_events', 'dossier_overdue_notices']) {
      if (!(await has(t))) continue;
      const r = await c.query(`UPDATE ${t} SET published_at = NULL WHERE published_at >= $1`, [marks.at]);
      done.push(`${t}: ${r.rowCount ?? 0} to publish again`);
    }
    return done;
  });
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** A submission the router recorded that the restored submit stream never held. */
export interface LostSubmission {
  envelopeId: string;
  sender: string;
  submitSeq: number;
  receivedAt: string;
}

/**
 * Submissions accepted while the backup ran, after the submit stream's snapshot: the dump (taken
 * later) may hold the router's record of them, but no restored stream holds them or their copies.
 * Their records are removed, so each can be sent again under the same envelope id (otherwise the
 * register would ignore it as a replay, and new submissions reuse those stream sequences); they
 * are returned for the operator to tell the senders. Those whose copies (or refusal) the restored
 * inbox holds (`delivered`) were routed: their records stay. The audit entries of their copies stay: the
 * delivery happened; a copy sent again has the same entry id and adds no entry.
 */
export async function forgetSubmissionsAfter(url: string, lastSubmitSeq: number, delivered: ReadonlySet<string>): Promise<LostSubmission[]> {
  return withClient(url, async (c) => {
    if (!((await c.query(`SELECT to_regclass('router_envelopes') IS NOT NULL AS e`)).rows[0] as { e: boolean }).e) return [];
    await c.query('BEGIN');
    try {
      const rows = (
        await c.query(
          'DELETE FROM router_envelopes WHERE submit_seq > $1 AND NOT (id = ANY($2::uuid[])) RETURNING id::text AS id, sender, submit_seq::text AS seq, received_at',
          [lastSubmitSeq, [...delivered].filter((id) => UUID.test(id))],
        )
      ).rows as Array<{ id: string; sender: string; seq: string; received_at: Date }>;
      if (rows.length) await c.query('DELETE FROM router_document_numbers WHERE envelope_id = ANY($1::uuid[])', [rows.map((r) => r.id)]);
      await c.query('COMMIT');
      return rows
        .map((r) => ({ envelopeId: r.id, sender: r.sender, submitSeq: Number(r.seq), receivedAt: r.received_at.toISOString() }))
        .sort((a, b) => a.submitSeq - b.submitSeq);
    } catch (err) {
      await c.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** Whether the database of `url` exists and how many tables it holds outside the system schemas. */
export async function databaseState(url: string): Promise<{ exists: boolean; tables: number }> {
  const name = databaseName(url);
  const exists = await withClient(maintenanceUrl(url), async (c) => (await c.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount! > 0);
  if (!exists) return { exists, tables: 0 };
  const tables = await withClient(url, async (c) =>
    Number(
      (
        (await c.query(`SELECT count(*) AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema') AND schemaname NOT LIKE 'pg_toast%'`))
          .rows[0] as { n: string }
      ).n,
    ),
  );
  return { exists, tables };
}

/** DROP DATABASE ... WITH (FORCE): only for `restore --force`. */
export async function dropDatabase(url: string): Promise<void> {
  const name = databaseName(url);
  await withClient(maintenanceUrl(url), (c) => c.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`));
}
