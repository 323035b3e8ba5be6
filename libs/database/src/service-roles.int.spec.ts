import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { ensureDatabase } from './data-source';
import {
  ADMIN_ONLY_TABLES,
  SERVICE_DB_GRANTS,
  SERVICE_DB_ROLES,
  provisionServiceRoles,
  scramSha256Verifier,
  serviceDatabaseUrl,
  serviceRoleName,
  type ServiceDbRole,
} from './service-roles';
import { createTestDatabase, type TestDatabase } from './test-database';

/*
 * The roles against the real PostgreSQL of the tests (127.0.0.1:5432 trusts every local
 * connection, so passwords are not checked here: test/integration/postgres-scram.spec.ts checks
 * them on a cluster of its own). What is checked here is what each role may do once logged in.
 */

const PREFIX = `lt_t${randomBytes(4).toString('hex')}_`;
const newPasswords = (): Record<ServiceDbRole, string> =>
  Object.fromEntries(SERVICE_DB_ROLES.map((r) => [r, randomBytes(24).toString('base64url')])) as Record<ServiceDbRole, string>;
const PRIVILEGES = ['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER'] as const;

let db: TestDatabase;
let admin: Client;
let passwords = newPasswords();
const clients = new Map<ServiceDbRole, Client>();
const extraRoles: string[] = [];

async function as(role: ServiceDbRole): Promise<Client> {
  let c = clients.get(role);
  if (!c) {
    c = new Client({ connectionString: serviceDatabaseUrl(db.url, role, passwords[role], PREFIX) });
    await c.connect();
    clients.set(role, c);
  }
  return c;
}

/** The statement must fail with SQLSTATE 42501 (insufficient privilege); returns the message. */
async function refused(c: Client, sql: string, params: unknown[] = []): Promise<string> {
  try {
    await c.query(sql, params);
  } catch (err) {
    expect((err as { code?: string }).code).toBe('42501');
    return (err as Error).message;
  }
  throw new Error(`expected "${sql}" to be refused`);
}

/** role -> table -> privileges PostgreSQL says the role holds, for every table (not partition) of the schema. */
async function privilegeMatrix(): Promise<Record<string, Record<string, string[]>>> {
  const { rows } = await admin.query<{ relname: string }>(
    `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
     WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
  );
  const out: Record<string, Record<string, string[]>> = {};
  for (const role of SERVICE_DB_ROLES) {
    out[role] = {};
    for (const { relname } of rows) {
      const held: string[] = [];
      for (const p of PRIVILEGES) {
        const r = await admin.query('SELECT has_table_privilege($1, $2, $3) AS ok', [serviceRoleName(role, PREFIX), relname, p]);
        if (r.rows[0].ok) held.push(p);
      }
      out[role][relname] = held;
    }
  }
  return out;
}

function expectedMatrix(tables: string[]): Record<string, Record<string, string[]>> {
  const out: Record<string, Record<string, string[]>> = {};
  for (const role of SERVICE_DB_ROLES) {
    out[role] = Object.fromEntries(tables.map((t) => [t, PRIVILEGES.filter((p) => (SERVICE_DB_GRANTS[role].tables[t] ?? []).includes(p as never))]));
  }
  return out;
}

beforeAll(async () => {
  db = await createTestDatabase();
  admin = new Client({ connectionString: db.url });
  await admin.connect();
  await provisionServiceRoles(db.url, { passwords, rolePrefix: PREFIX });
});

afterAll(async () => {
  for (const c of clients.values()) await c.end().catch(() => undefined);
  await admin?.end();
  await db?.drop();
  const root = new Client({ connectionString: new URL('/postgres', db.url).toString() });
  await root.connect();
  try {
    for (const name of [...SERVICE_DB_ROLES.map((r) => serviceRoleName(r, PREFIX)), ...extraRoles]) await root.query(`DROP ROLE IF EXISTS "${name}"`);
  } finally {
    await root.end();
  }
});

describe('SERVICE_DB_GRANTS', () => {
  it('covers every table of the migrations exactly once (a new table must be given to one service or to the admin)', async () => {
    const { rows } = await admin.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p') AND NOT c.relispartition ORDER BY 1`,
    );
    const owners = new Map<string, string[]>();
    for (const role of SERVICE_DB_ROLES) for (const t of Object.keys(SERVICE_DB_GRANTS[role].tables)) owners.set(t, [...(owners.get(t) ?? []), role]);
    for (const t of ADMIN_ONLY_TABLES) owners.set(t, [...(owners.get(t) ?? []), 'admin']);
    expect(rows.length).toBeGreaterThanOrEqual(20);
    for (const { relname } of rows) expect([relname, owners.get(relname)?.length ?? 0]).toEqual([relname, 1]);
    expect([...owners.keys()].sort()).toEqual(rows.map((r) => r.relname).sort());
  });

  it('is exactly what PostgreSQL says each role holds, on every table', async () => {
    const matrix = await privilegeMatrix();
    expect(matrix).toEqual(expectedMatrix(Object.keys(matrix.registry!)));
  });
});

describe('the audit role', () => {
  it('appends to and reads the log, and creates month partitions through the definer function', async () => {
    const audit = await as('audit');
    const at = new Date('2031-07-15T00:00:00Z');
    await audit.query(`SELECT audit_ensure_month_partition('2031-07-01')`);
    await audit.query(`INSERT INTO audit_entry_ids (entry_id, seq, message_id, at) VALUES ('e-0', 0, NULL, $1)`, [at]);
    await audit.query(
      `INSERT INTO audit_entries (seq, entry_id, source, type, message_id, agencies, at, body, leaf_hash) VALUES (0, 'e-0', 'event', 't', NULL, '{}', $1, '{}', $2)`,
      [at, Buffer.alloc(32)],
    );
    await audit.query(`INSERT INTO audit_hashes (seq, hashes, at) VALUES (0, $1, $2)`, [Buffer.alloc(32), at]);
    await audit.query(`INSERT INTO audit_checkpoints (tree_size, root_hash, note, created_at) VALUES (1, $1, 'n', now())`, [Buffer.alloc(32)]);
    const { rows } = await audit.query(`SELECT entry_id FROM audit_entries WHERE at = $1`, [at]);
    expect(rows).toEqual([{ entry_id: 'e-0' }]);
    // the partition belongs to the admin, not to the role that asked for it
    const owner = await admin.query(`SELECT pg_get_userbyid(relowner) AS owner FROM pg_class WHERE relname = 'audit_entries_y2031m07'`);
    expect(owner.rows).toEqual([{ owner: 'postgres' }]);
    await audit.query(`UPDATE audit_receipt_cursor SET sent_upto = 1 WHERE id = 1`);
  });

  it.each(['audit_entries', 'audit_entry_ids', 'audit_hashes', 'audit_checkpoints'])(
    'cannot update, delete, truncate or disable the triggers of %s',
    async (table) => {
      const audit = await as('audit');
      const column = table === 'audit_checkpoints' ? 'note' : 'seq';
      expect(await refused(audit, `UPDATE ${table} SET ${column} = ${column}`)).toMatch(`permission denied for table ${table}`);
      expect(await refused(audit, `DELETE FROM ${table}`)).toMatch(`permission denied for table ${table}`);
      expect(await refused(audit, `TRUNCATE ${table}`)).toMatch(`permission denied for table ${table}`);
      expect(await refused(audit, `ALTER TABLE ${table} DISABLE TRIGGER ALL`)).toMatch(`must be owner of table ${table}`);
      expect(await refused(audit, `ALTER TABLE ${table} DISABLE TRIGGER ${table}_append_only`)).toMatch(`must be owner of table ${table}`);
    },
  );

  it('cannot reach the month partitions directly, nor drop the triggers or the function', async () => {
    const audit = await as('audit');
    await audit.query(`SELECT audit_ensure_month_partition('2031-08-01')`);
    expect(await refused(audit, `TRUNCATE audit_entries_y2031m08`)).toMatch('permission denied for table audit_entries_y2031m08');
    expect(await refused(audit, `DELETE FROM audit_entries_default`)).toMatch('permission denied for table audit_entries_default');
    expect(await refused(audit, `ALTER TABLE audit_entries_y2031m08 DISABLE TRIGGER ALL`)).toMatch('must be owner of table audit_entries_y2031m08');
    expect(await refused(audit, `DROP TRIGGER audit_entries_append_only ON audit_entries`)).toMatch('must be owner of relation audit_entries');
    expect(await refused(audit, `ALTER FUNCTION audit_refuse_change() RENAME TO x`)).toMatch('must be owner of function audit_refuse_change');
    expect(await refused(audit, `SET session_replication_role = replica`)).toMatch('session_replication_role');
  });

  it('cannot create tables, temporary tables included', async () => {
    const audit = await as('audit');
    expect(await refused(audit, `CREATE TABLE audit_shadow (x int)`)).toMatch('permission denied for schema');
    expect(await refused(audit, `CREATE TEMP TABLE scratch (x int)`)).toMatch('permission denied to create temporary tables');
  });
});

describe('the other roles', () => {
  it.each(['agencies', 'agency_keys', 'registry_changes', 'registry_outbox_cursor'])('the router cannot read or write the registry table %s', async (table) => {
    const router = await as('router');
    expect(await refused(router, `SELECT * FROM ${table}`)).toMatch(`permission denied for table ${table}`);
    expect(await refused(router, `INSERT INTO ${table} DEFAULT VALUES`)).toMatch(`permission denied for table ${table}`);
    expect(
      await refused(
        router,
        `UPDATE ${table} SET ${table === 'registry_outbox_cursor' ? 'id' : table === 'agency_keys' ? 'key_id' : table === 'registry_changes' ? 'seq' : 'code'} = NULL`,
      ),
    ).toMatch(`permission denied for table ${table}`);
  });

  it('the router calls its fast-path function; the audit role cannot', async () => {
    const router = await as('router');
    expect((await router.query(`SELECT router_register_expect(true, 'x') AS ok`)).rows).toEqual([{ ok: true }]);
    expect(await refused(await as('audit'), `SELECT router_register_expect(true, 'x')`)).toMatch('permission denied for function router_register_expect');
    expect(await refused(router, `SELECT audit_ensure_month_partition('2031-09-01')`)).toMatch('permission denied for function audit_ensure_month_partition');
  });

  it('the gateway connects and runs SELECT 1, and reads no table at all', async () => {
    const gateway = await as('gateway');
    expect((await gateway.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    const { rows } = await admin.query<{ relname: string }>(
      `SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = current_schema() AND c.relkind IN ('r', 'p')`,
    );
    for (const { relname } of rows) expect(await refused(gateway, `SELECT 1 FROM ${relname} LIMIT 1`)).toMatch(`permission denied for table ${relname}`);
  });

  it('the registry cannot rewrite its own history', async () => {
    const registry = await as('registry');
    expect(await refused(registry, `UPDATE registry_changes SET actor = 'x'`)).toMatch('permission denied for table registry_changes');
    expect(await refused(registry, `DELETE FROM agencies`)).toMatch('permission denied for table agencies');
  });

  it('a role given no grants cannot even connect (CONNECT was taken from PUBLIC)', async () => {
    const name = `${PREFIX}stranger`;
    extraRoles.push(name);
    await admin.query(`CREATE ROLE "${name}" LOGIN`);
    const u = new URL(db.url);
    u.username = name;
    const stranger = new Client({ connectionString: u.toString() });
    await expect(stranger.connect()).rejects.toThrow(`permission denied for database "${db.name}"`);
  });
});

describe('provisionServiceRoles', () => {
  it('stores the SCRAM verifier of the given password, computed exactly as PostgreSQL computes it', async () => {
    const name = `${PREFIX}scram_probe`;
    extraRoles.push(name);
    const password = randomBytes(24).toString('base64url');
    await admin.query(`SET password_encryption = 'scram-sha-256'`);
    await admin.query(`CREATE ROLE "${name}" PASSWORD '${password}'`);
    const stored = async (role: string) => (await admin.query(`SELECT rolpassword FROM pg_authid WHERE rolname = $1`, [role])).rows[0].rolpassword as string;
    const recompute = (verifier: string, pw: string) => {
      const [, iterations, salt] = /^SCRAM-SHA-256\$(\d+):([^$]+)\$/.exec(verifier)!;
      return scramSha256Verifier(pw, Buffer.from(salt!, 'base64'), Number(iterations));
    };
    const byServer = await stored(name);
    expect(recompute(byServer, password)).toBe(byServer);
    expect(recompute(byServer, `${password}x`)).not.toBe(byServer);
    for (const role of SERVICE_DB_ROLES) {
      const v = await stored(serviceRoleName(role, PREFIX));
      expect(recompute(v, passwords[role])).toBe(v);
    }
  });

  it('is idempotent, takes new passwords, and takes back anything granted outside it', async () => {
    const before = await privilegeMatrix();
    const router = serviceRoleName('router', PREFIX);
    await admin.query(`GRANT DELETE ON agencies TO "${router}"`);
    await admin.query(`GRANT pg_read_all_data TO "${router}"`);
    await admin.query(`ALTER ROLE "${router}" CREATEDB`);
    expect((await admin.query(`SELECT has_table_privilege($1, 'audit_entries', 'SELECT') AS ok`, [router])).rows[0].ok).toBe(true);

    passwords = newPasswords();
    await provisionServiceRoles(db.url, { passwords, rolePrefix: PREFIX });
    await provisionServiceRoles(db.url, { passwords, rolePrefix: PREFIX });
    expect(await privilegeMatrix()).toEqual(before);
    const attrs = await admin.query(`SELECT rolcreatedb, rolsuper, rolcanlogin FROM pg_roles WHERE rolname = $1`, [router]);
    expect(attrs.rows).toEqual([{ rolcreatedb: false, rolsuper: false, rolcanlogin: true }]);
    const members = await admin.query(`SELECT count(*)::int AS n FROM pg_auth_members m JOIN pg_roles r ON r.oid = m.member WHERE r.rolname = $1`, [router]);
    expect(members.rows).toEqual([{ n: 0 }]);
  });

  it('refuses to go on while a service role owns a table (an owner could disable its triggers)', async () => {
    const router = serviceRoleName('router', PREFIX);
    await admin.query(`ALTER TABLE router_envelopes OWNER TO "${router}"`);
    try {
      await expect(provisionServiceRoles(db.url, { passwords, rolePrefix: PREFIX })).rejects.toThrow(`database role "${router}" owns router_envelopes`);
    } finally {
      await admin.query(`ALTER TABLE router_envelopes OWNER TO postgres`);
    }
  });

  it('names the objects a database without the migrations lacks', async () => {
    const u = new URL(db.url);
    u.pathname = `/${db.name}_empty`;
    await ensureDatabase(u.toString());
    try {
      await expect(provisionServiceRoles(u.toString(), { passwords, rolePrefix: PREFIX })).rejects.toThrow(
        /cannot grant on agencies, agency_keys, .*audit_ensure_month_partition\(date\)/,
      );
    } finally {
      const root = new Client({ connectionString: new URL('/postgres', db.url).toString() });
      await root.connect();
      await root.query(`DROP DATABASE IF EXISTS "${db.name}_empty" WITH (FORCE)`);
      await root.end();
    }
  });

  it('refuses a weak or unusable password before touching the server', async () => {
    await expect(
      provisionServiceRoles('postgres://nobody@127.0.0.1:1/none', { passwords: { ...passwords, audit: 'short' }, rolePrefix: PREFIX }),
    ).rejects.toThrow('password of database role "audit" must be at least 16 printable ASCII characters');
    await expect(
      provisionServiceRoles('postgres://nobody@127.0.0.1:1/none', { passwords: { ...passwords, gateway: 'has a space in it, sixteen+' }, rolePrefix: PREFIX }),
    ).rejects.toThrow('password of database role "gateway"');
  });

  it('serviceDatabaseUrl keeps host, port, database and options, and swaps in the role', () => {
    const url = serviceDatabaseUrl('postgres://postgres:secret@db.example:6543/lienthong?sslmode=require', 'audit', 'p/w:@x');
    const u = new URL(url);
    expect([u.username, decodeURIComponent(u.password), u.host, u.pathname, u.search]).toEqual([
      'lt_audit',
      'p/w:@x',
      'db.example:6543',
      '/lienthong',
      '?sslmode=require',
    ]);
  });
});
