import { createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { Client } from 'pg';

/**
 * Least privilege in PostgreSQL: each service logs in as its own role holding exactly the grants
 * below. The admin connection (the one that runs the migrations) owns every table, function and
 * partition; no service role owns anything, so none can ALTER, DROP, TRUNCATE or DISABLE TRIGGER
 * (those need ownership), and the append-only triggers of registry_changes and the audit log hold
 * against the services themselves.
 */
export const SERVICE_DB_ROLES = ['registry', 'router', 'audit', 'dossier', 'gateway'] as const;
export type ServiceDbRole = (typeof SERVICE_DB_ROLES)[number];

export type TablePrivilege = 'SELECT' | 'INSERT' | 'UPDATE' | 'DELETE';

export interface ServiceDbGrant {
  /** table -> privileges. No service gets DELETE, TRUNCATE, REFERENCES or TRIGGER. */
  tables: Readonly<Record<string, readonly TablePrivilege[]>>;
  /** sequences behind the serial columns the service inserts into (USAGE lets the default call nextval) */
  sequences: readonly string[];
  /** functions the service calls, with their argument types */
  functions: readonly string[];
}

/**
 * What each service's SQL needs, read from its adapters. SELECT comes with any UPDATE or
 * INSERT ... RETURNING / ON CONFLICT; UPDATE also covers SELECT ... FOR UPDATE and
 * ON CONFLICT DO UPDATE.
 */
export const SERVICE_DB_GRANTS: Readonly<Record<ServiceDbRole, ServiceDbGrant>> = {
  registry: {
    tables: {
      agencies: ['SELECT', 'INSERT', 'UPDATE'],
      agency_keys: ['SELECT', 'INSERT', 'UPDATE'],
      // append-only history: no UPDATE (the trigger refuses it too)
      registry_changes: ['SELECT', 'INSERT'],
      // the outbox cursor: locked with FOR UPDATE, then advanced
      registry_outbox_cursor: ['SELECT', 'UPDATE'],
    },
    sequences: ['registry_changes_seq_seq'],
    functions: [],
  },
  router: {
    tables: {
      router_envelopes: ['SELECT', 'INSERT'],
      router_document_numbers: ['SELECT', 'INSERT'],
    },
    sequences: [],
    functions: ['router_register_expect(boolean, text)'],
  },
  audit: {
    tables: {
      // the evidence: append and read, nothing else
      audit_entries: ['SELECT', 'INSERT'],
      audit_entry_ids: ['SELECT', 'INSERT'],
      audit_hashes: ['SELECT', 'INSERT'],
      audit_checkpoints: ['SELECT', 'INSERT'],
      // bookkeeping
      audit_receipt_cursor: ['SELECT', 'UPDATE'],
      audit_agency_tiers: ['SELECT', 'INSERT', 'UPDATE'],
    },
    sequences: [],
    // SECURITY DEFINER (migration 1732000000700): creates month partitions owned by the admin
    functions: ['audit_ensure_month_partition(date)'],
  },
  dossier: {
    tables: {
      dossiers: ['SELECT', 'INSERT', 'UPDATE'],
      dossier_documents: ['SELECT', 'INSERT', 'UPDATE'],
      dossier_code_counters: ['SELECT', 'INSERT', 'UPDATE'],
      dossier_pauses: ['SELECT', 'INSERT', 'UPDATE'],
      dossier_events: ['SELECT', 'INSERT', 'UPDATE'],
      dossier_refusals: ['SELECT', 'INSERT'],
      dossier_overdue_notices: ['SELECT', 'INSERT', 'UPDATE'],
    },
    sequences: [],
    functions: [],
  },
  // /health runs SELECT 1: it needs to connect and nothing more
  gateway: { tables: {}, sequences: [], functions: [] },
};

/** Tables only the admin connection touches. */
export const ADMIN_ONLY_TABLES: readonly string[] = ['lt_migrations'];

export const DEFAULT_ROLE_PREFIX = 'lt_';

export interface ProvisionOptions {
  passwords: Readonly<Record<ServiceDbRole, string>>;
  /** roles are cluster-wide: tests use a unique prefix; default `lt_` */
  rolePrefix?: string;
}

const IDENT = /^[a-z_][a-z0-9_]*$/;
const FUNCTION_SIGNATURE = /^([a-z_][a-z0-9_]*)\(([a-z ,]*)\)$/;

export function serviceRoleName(role: ServiceDbRole, rolePrefix = DEFAULT_ROLE_PREFIX): string {
  if (!IDENT.test(rolePrefix))
    throw new Error(`role prefix "${rolePrefix}" must be lower-case letters, digits and underscores, starting with a letter or underscore`);
  return `${rolePrefix}${role}`;
}

/** The admin URL with a service role's user name and password (host, port, database and options kept). */
export function serviceDatabaseUrl(baseUrl: string, role: ServiceDbRole, password: string, rolePrefix = DEFAULT_ROLE_PREFIX): string {
  const u = new URL(baseUrl);
  u.username = encodeURIComponent(serviceRoleName(role, rolePrefix));
  u.password = encodeURIComponent(password);
  return u.toString();
}

/**
 * The SCRAM-SHA-256 verifier PostgreSQL stores for a password (RFC 5802/7677 as PostgreSQL
 * writes it). Sending the verifier instead of the password keeps the password out of the
 * server's statement log.
 */
export function scramSha256Verifier(password: string, salt: Buffer = randomBytes(16), iterations = 4096): string {
  const salted = pbkdf2Sync(password, salt, iterations, 32, 'sha256');
  const clientKey = createHmac('sha256', salted).update('Client Key').digest();
  const storedKey = createHash('sha256').update(clientKey).digest();
  const serverKey = createHmac('sha256', salted).update('Server Key').digest();
  return `SCRAM-SHA-256$${iterations}:${salt.toString('base64')}$${storedKey.toString('base64')}:${serverKey.toString('base64')}`;
}

function checkPassword(role: ServiceDbRole, password: string | undefined): string {
  // printable ASCII only: SASLprep leaves it unchanged, so the verifier computed here is the one
  // a client's SCRAM exchange expects
  if (typeof password !== 'string' || password.length < 16 || !/^[\x21-\x7e]+$/.test(password)) {
    throw new Error(`password of database role "${role}" must be at least 16 printable ASCII characters without spaces`);
  }
  return password;
}

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;
const literal = (value: string) => `'${value.replace(/'/g, "''")}'`;

/**
 * Creates or updates the services' LOGIN roles in the cluster of `adminUrl` and sets their grants
 * in its database, in one transaction; idempotent, and it converges (a privilege no longer listed
 * is revoked). Run it after the migrations, on the admin connection (superuser, or owner of the
 * database and its objects with CREATEROLE). Also takes from PUBLIC the defaults that would let any
 * role connect, create temporary tables, use the schema or call the functions.
 */
export async function provisionServiceRoles(adminUrl: string, opts: ProvisionOptions): Promise<void> {
  const prefix = opts.rolePrefix ?? DEFAULT_ROLE_PREFIX;
  const roles = SERVICE_DB_ROLES.map((role) => ({ role, name: serviceRoleName(role, prefix), password: checkPassword(role, opts.passwords[role]) }));
  const client = new Client({ connectionString: adminUrl, application_name: 'lienthong-provision' });
  await client.connect();
  try {
    await client.query('BEGIN');
    const {
      rows: [where],
    } = await client.query<{ db: string; schema: string | null }>('SELECT current_database() AS db, current_schema() AS schema');
    if (!where?.schema) throw new Error('the admin connection has no current schema: run the migrations first');
    const db = ident(where.db);
    const schema = ident(where.schema);
    await assertObjectsExist(client, where.schema);

    await client.query(`REVOKE ALL ON DATABASE ${db} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM PUBLIC`);
    await client.query(`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${schema} FROM PUBLIC`);

    for (const { role, name, password } of roles) {
      const r = ident(name);
      const exists = await client.query('SELECT 1 FROM pg_roles WHERE rolname = $1', [name]);
      if (exists.rowCount === 0) await client.query(`CREATE ROLE ${r} LOGIN`);
      await client.query(
        `ALTER ROLE ${r} WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS PASSWORD ${literal(scramSha256Verifier(password))}`,
      );
      // memberships would bring other roles' privileges (pg_write_all_data, a table owner...)
      const { rows: memberOf } = await client.query<{ parent: string }>(
        'SELECT p.rolname AS parent FROM pg_auth_members m JOIN pg_roles p ON p.oid = m.roleid JOIN pg_roles c ON c.oid = m.member WHERE c.rolname = $1',
        [name],
      );
      for (const { parent } of memberOf) await client.query(`REVOKE ${ident(parent)} FROM ${r}`);
      await assertOwnsNothing(client, name);

      // from nothing to exactly the listed grants
      await client.query(`REVOKE ALL ON DATABASE ${db} FROM ${r}`);
      await client.query(`REVOKE ALL ON SCHEMA ${schema} FROM ${r}`);
      await client.query(`REVOKE ALL ON ALL TABLES IN SCHEMA ${schema} FROM ${r}`);
      await client.query(`REVOKE ALL ON ALL SEQUENCES IN SCHEMA ${schema} FROM ${r}`);
      await client.query(`REVOKE ALL ON ALL FUNCTIONS IN SCHEMA ${schema} FROM ${r}`);
      await client.query(`GRANT CONNECT ON DATABASE ${db} TO ${r}`);
      await client.query(`GRANT USAGE ON SCHEMA ${schema} TO ${r}`);
      const grant = SERVICE_DB_GRANTS[role];
      for (const [table, privileges] of Object.entries(grant.tables)) {
        await client.query(`GRANT ${privileges.join(', ')} ON TABLE ${schema}.${ident(table)} TO ${r}`);
      }
      for (const sequence of grant.sequences) await client.query(`GRANT USAGE ON SEQUENCE ${schema}.${ident(sequence)} TO ${r}`);
      for (const fn of grant.functions) await client.query(`GRANT EXECUTE ON FUNCTION ${schema}.${qualifiedSignature(fn)} TO ${r}`);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    await client.end();
  }
}

function qualifiedSignature(fn: string): string {
  const m = FUNCTION_SIGNATURE.exec(fn);
  if (!m) throw new Error(`function "${fn}" must be written name(type, type)`);
  return `${ident(m[1]!)}(${m[2]})`;
}

/** Every object of SERVICE_DB_GRANTS must exist: a typo or a missing migration fails here, not in a service. */
async function assertObjectsExist(client: Client, schema: string): Promise<void> {
  const missing: string[] = [];
  for (const grant of Object.values(SERVICE_DB_GRANTS)) {
    for (const name of [...Object.keys(grant.tables), ...grant.sequences]) {
      if (!IDENT.test(name)) throw new Error(`"${name}" is not a plain lower-case identifier`);
      const { rows } = await client.query('SELECT to_regclass($1) IS NOT NULL AS ok', [`${ident(schema)}.${ident(name)}`]);
      if (!rows[0].ok) missing.push(name);
    }
    for (const fn of grant.functions) {
      const { rows } = await client.query('SELECT to_regprocedure($1) IS NOT NULL AS ok', [`${ident(schema)}.${qualifiedSignature(fn)}`]);
      if (!rows[0].ok) missing.push(fn);
    }
  }
  if (missing.length) throw new Error(`cannot grant on ${missing.join(', ')}: not in schema "${schema}" (run the migrations first)`);
}

/** An owner could disable triggers or truncate: a service role must own nothing in this database. */
async function assertOwnsNothing(client: Client, name: string): Promise<void> {
  const { rows } = await client.query<{ object: string }>(
    `SELECT c.relname AS object FROM pg_class c JOIN pg_roles r ON r.oid = c.relowner WHERE r.rolname = $1
     UNION ALL SELECT p.proname FROM pg_proc p JOIN pg_roles r ON r.oid = p.proowner WHERE r.rolname = $1
     UNION ALL SELECT n.nspname FROM pg_namespace n JOIN pg_roles r ON r.oid = n.nspowner WHERE r.rolname = $1`,
    [name],
  );
  if (rows.length) {
    throw new Error(`database role "${name}" owns ${rows.map((r) => r.object).join(', ')}: reassign them to the admin (REASSIGN OWNED BY ${name} TO <admin>)`);
  }
}

/** SERVICE_DB_GRANTS as a Markdown table (docs/security-database.md holds it; a unit test keeps the two equal). */
export function serviceGrantsMarkdown(rolePrefix = DEFAULT_ROLE_PREFIX): string {
  const rows = ['| role | table | privileges |', '|---|---|---|'];
  for (const role of SERVICE_DB_ROLES) {
    const name = `\`${serviceRoleName(role, rolePrefix)}\``;
    const grant = SERVICE_DB_GRANTS[role];
    for (const [table, privileges] of Object.entries(grant.tables)) rows.push(`| ${name} | \`${table}\` | ${privileges.join(', ')} |`);
    for (const sequence of grant.sequences) rows.push(`| ${name} | sequence \`${sequence}\` | USAGE |`);
    for (const fn of grant.functions) rows.push(`| ${name} | function \`${fn}\` | EXECUTE |`);
    if (Object.keys(grant.tables).length + grant.sequences.length + grant.functions.length === 0) rows.push(`| ${name} | (none) | CONNECT only |`);
  }
  return rows.join('\n');
}
