import { insertMany } from '@lt/database';
import type { Agency, AgencyKey, SigningAlg } from '@lt/contracts';
import type { DataSource, EntityManager } from 'typeorm';
import { CONTACT_FIELDS, type AgencyWithKeys, type RecordedChange, type RegistryChange, type RegistryChangeType } from '../domain/agency';
import type { AgencyRepository, ListFilter, RegistryTx, SubtreeRow } from '../ports';

type Db = Pick<DataSource | EntityManager, 'query'>;
type Row = Record<string, unknown>;

/** Serialises registry writers, so history sequence numbers commit in order and the outbox cursor never skips one. */
const WRITER_LOCK = 0x4c5452454721; // "LTREG!"

const AGENCY_COLUMNS = [
  'code',
  'name',
  'tier',
  'parent_code',
  'status',
  'successor_code',
  'closed_reason',
  'valid_from',
  'valid_to',
  'organization_in_charge',
  'address',
  'email',
  'telephone',
  'fax',
  'website',
  'version',
  'created_at',
  'updated_at',
] as const;
const AGENCY_SELECT = AGENCY_COLUMNS.map((c) => `a.${c}`).join(', ');
const CONTACT_COLUMNS = ['organization_in_charge', 'address', 'email', 'telephone', 'fax', 'website'] as const;

const KEY_SELECT = 'agency_code, key_id, alg, public_jwk, not_before, not_after, revoked_at, revoked_reason';
const CHANGE_SELECT = 'seq, at, change_type, agency_code, key_id, actor, actor_role, snapshot, event_id';

const iso = (v: unknown): string => (v instanceof Date ? v.toISOString() : new Date(String(v)).toISOString());
const isoOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : iso(v));
const strOrNull = (v: unknown): string | null => (v === null || v === undefined ? null : String(v));

export function rowToAgency(r: Row): Agency {
  const contact: Agency['contact'] = {};
  CONTACT_FIELDS.forEach((f, i) => (contact[f] = strOrNull(r[CONTACT_COLUMNS[i]!])));
  return {
    code: String(r.code),
    name: String(r.name),
    tier: r.tier as Agency['tier'],
    parentCode: strOrNull(r.parent_code),
    status: r.status as Agency['status'],
    successorCode: strOrNull(r.successor_code),
    closedReason: strOrNull(r.closed_reason),
    validFrom: iso(r.valid_from),
    validTo: isoOrNull(r.valid_to),
    contact,
    version: Number(r.version),
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  };
}

function agencyToRow(a: Agency): unknown[] {
  return [
    a.code,
    a.name,
    a.tier,
    a.parentCode,
    a.status,
    a.successorCode,
    a.closedReason,
    a.validFrom,
    a.validTo,
    ...CONTACT_FIELDS.map((f) => a.contact[f] ?? null),
    a.version,
    a.createdAt,
    a.updatedAt,
  ];
}

function rowToKey(r: Row): AgencyKey {
  const agencyCode = String(r.agency_code);
  const keyId = String(r.key_id);
  return {
    agencyCode,
    keyId,
    kid: `${agencyCode}#${keyId}`,
    alg: r.alg as SigningAlg,
    publicJwk: r.public_jwk as Record<string, unknown>,
    notBefore: iso(r.not_before),
    notAfter: isoOrNull(r.not_after),
    revokedAt: isoOrNull(r.revoked_at),
    revokedReason: strOrNull(r.revoked_reason),
  };
}

function rowToChange(r: Row): RecordedChange {
  return {
    seq: Number(r.seq),
    eventId: String(r.event_id),
    type: r.change_type as RegistryChangeType,
    at: iso(r.at),
    agencyCode: String(r.agency_code),
    keyId: strOrNull(r.key_id),
    actor: { sub: String(r.actor), role: strOrNull(r.actor_role) ?? '' },
    snapshot: r.snapshot as AgencyWithKeys,
  };
}

function groupKeys(rows: Row[]): Map<string, AgencyKey[]> {
  const out = new Map<string, AgencyKey[]>();
  for (const r of rows) {
    const k = rowToKey(r);
    const list = out.get(k.agencyCode);
    if (list) list.push(k);
    else out.set(k.agencyCode, [k]);
  }
  return out;
}

/** `%`, `_` and `\` are literal in a search term. */
function likePattern(q: string): string {
  return `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
}

class PostgresRegistryTx implements RegistryTx {
  constructor(private readonly db: Db) {}

  async findAgencies(codes: readonly string[]): Promise<Map<string, Agency>> {
    const out = new Map<string, Agency>();
    if (codes.length === 0) return out;
    const rows: Row[] = await this.db.query(`SELECT ${AGENCY_SELECT} FROM agencies a WHERE a.code = ANY($1::varchar[])`, [[...new Set(codes)]]);
    for (const r of rows) out.set(String(r.code), rowToAgency(r));
    return out;
  }

  async findKeys(codes: readonly string[]): Promise<Map<string, AgencyKey[]>> {
    if (codes.length === 0) return new Map();
    const rows: Row[] = await this.db.query(`SELECT ${KEY_SELECT} FROM agency_keys WHERE agency_code = ANY($1::varchar[]) ORDER BY agency_code, created_at, key_id`, [
      [...new Set(codes)],
    ]);
    return groupKeys(rows);
  }

  async childrenOf(codes: readonly string[]): Promise<Agency[]> {
    if (codes.length === 0) return [];
    const rows: Row[] = await this.db.query(`SELECT ${AGENCY_SELECT} FROM agencies a WHERE a.parent_code = ANY($1::varchar[]) ORDER BY a.code`, [[...new Set(codes)]]);
    return rows.map(rowToAgency);
  }

  async insertAgencies(rows: readonly Agency[]): Promise<void> {
    if (rows.length === 0) return;
    await insertMany(this.db, 'agencies', [...AGENCY_COLUMNS], rows.map(agencyToRow));
  }

  async updateAgencies(rows: readonly Agency[]): Promise<void> {
    if (rows.length === 0) return;
    // one statement for any number of rows: the new values travel as one JSON array
    const payload = rows.map((a) => {
      const r: Record<string, unknown> = {};
      agencyToRow(a).forEach((v, i) => (r[AGENCY_COLUMNS[i]!] = v));
      return r;
    });
    const sets = AGENCY_COLUMNS.filter((c) => c !== 'code' && c !== 'created_at')
      .map((c) => `${c} = v.${c}`)
      .join(', ');
    const types = AGENCY_COLUMNS.map((c) => `${c} ${c === 'version' ? 'integer' : /^(valid_|created_at|updated_at)/.test(c) ? 'timestamptz' : 'text'}`).join(', ');
    await this.db.query(`UPDATE agencies a SET ${sets} FROM jsonb_to_recordset($1::jsonb) AS v(${types}) WHERE a.code = v.code`, [JSON.stringify(payload)]);
  }

  async insertKey(k: AgencyKey): Promise<void> {
    await this.db.query(
      `INSERT INTO agency_keys (agency_code, key_id, alg, public_jwk, not_before, not_after, revoked_at, revoked_reason) VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [k.agencyCode, k.keyId, k.alg, JSON.stringify(k.publicJwk), k.notBefore, k.notAfter, k.revokedAt, k.revokedReason],
    );
  }

  async revokeKey(agencyCode: string, keyId: string, revokedAt: string, reason: string): Promise<void> {
    await this.db.query(`UPDATE agency_keys SET revoked_at = $3, revoked_reason = $4 WHERE agency_code = $1 AND key_id = $2`, [agencyCode, keyId, revokedAt, reason]);
  }

  async appendChanges(changes: readonly RegistryChange[]): Promise<void> {
    if (changes.length === 0) return;
    await insertMany(
      this.db,
      'registry_changes',
      ['at', 'change_type', 'agency_code', 'key_id', 'actor', 'actor_role', 'snapshot', 'event_id'],
      changes.map((c) => [c.at, c.type, c.agencyCode, c.keyId, c.actor.sub, c.actor.role, JSON.stringify(c.snapshot), c.eventId]),
    );
  }
}

/** The directory in PostgreSQL, through hand-written SQL on the DataSource's pool. */
export class PostgresAgencyRepository implements AgencyRepository {
  constructor(private readonly ds: DataSource) {}

  transaction<T>(fn: (tx: RegistryTx) => Promise<T>): Promise<T> {
    return this.ds.transaction(async (em) => {
      await em.query('SELECT pg_advisory_xact_lock($1)', [WRITER_LOCK]);
      return fn(new PostgresRegistryTx(em));
    });
  }

  async findAgency(code: string): Promise<AgencyWithKeys | null> {
    const rows: Row[] = await this.ds.query(`SELECT ${AGENCY_SELECT} FROM agencies a WHERE a.code = $1`, [code]);
    if (rows.length === 0) return null;
    return { ...rowToAgency(rows[0]!), keys: await this.findKeys(code) };
  }

  async findKeys(code: string): Promise<AgencyKey[]> {
    const rows: Row[] = await this.ds.query(`SELECT ${KEY_SELECT} FROM agency_keys WHERE agency_code = $1 ORDER BY created_at, key_id`, [code]);
    return rows.map(rowToKey);
  }

  async list(f: ListFilter): Promise<Agency[]> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: (p: string) => string, value: unknown) => {
      params.push(value);
      where.push(sql(`$${params.length}`));
    };
    if (f.parent !== undefined) add((p) => `a.parent_code = ${p}`, f.parent);
    if (f.tier !== undefined) add((p) => `a.tier = ${p}`, f.tier);
    if (f.status !== undefined) add((p) => `a.status = ${p}`, f.status);
    if (f.q !== undefined) add((p) => `(a.code ILIKE ${p} OR a.name ILIKE ${p})`, likePattern(f.q));
    if (f.after !== undefined) add((p) => `a.code > ${p}`, f.after);
    params.push(f.limit);
    const sql = `SELECT ${AGENCY_SELECT} FROM agencies a ${where.length ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY a.code LIMIT $${params.length}`;
    const rows: Row[] = await this.ds.query(sql, params);
    return rows.map(rowToAgency);
  }

  async subtree(code: string, depth: number): Promise<SubtreeRow[]> {
    const rows: Row[] = await this.ds.query(
      `WITH RECURSIVE t AS (
         SELECT ${AGENCY_SELECT}, 1 AS depth FROM agencies a WHERE a.parent_code = $1
         UNION ALL
         SELECT ${AGENCY_SELECT}, t.depth + 1 FROM agencies a JOIN t ON a.parent_code = t.code WHERE t.depth < $2
       ) SELECT * FROM t ORDER BY depth, code`,
      [code, depth],
    );
    return rows.map((r) => ({ ...rowToAgency(r), depth: Number(r.depth) }));
  }

  async history(code: string, opts: { afterSeq?: number; limit: number }): Promise<RecordedChange[]> {
    const rows: Row[] = await this.ds.query(`SELECT ${CHANGE_SELECT} FROM registry_changes WHERE agency_code = $1 AND seq > $2 ORDER BY seq LIMIT $3`, [
      code,
      opts.afterSeq ?? 0,
      opts.limit,
    ]);
    return rows.map(rowToChange);
  }

  async historyAt(code: string, at: string): Promise<RecordedChange | null> {
    const rows: Row[] = await this.ds.query(
      `SELECT ${CHANGE_SELECT} FROM registry_changes WHERE agency_code = $1 AND at <= $2 ORDER BY at DESC, seq DESC LIMIT 1`,
      [code, at],
    );
    return rows.length ? rowToChange(rows[0]!) : null;
  }

  async countAgencies(): Promise<number> {
    const rows: Array<{ n: string }> = await this.ds.query('SELECT count(*) AS n FROM agencies');
    return Number(rows[0]!.n);
  }

  async rewindOutbox(): Promise<void> {
    await this.ds.query('UPDATE registry_outbox_cursor SET published_seq = 0, updated_at = now() WHERE id = 1');
  }

  drainOutbox(limit: number, publish: (changes: RecordedChange[]) => Promise<void>): Promise<number> {
    return this.ds.transaction(async (em) => {
      // the row lock makes replicas take turns; a waiting one then sees the advanced cursor
      const cursor: Row[] = await em.query('SELECT published_seq FROM registry_outbox_cursor WHERE id = 1 FOR UPDATE');
      const after = Number(cursor[0]?.published_seq ?? 0);
      const rows: Row[] = await em.query(`SELECT ${CHANGE_SELECT} FROM registry_changes WHERE seq > $1 ORDER BY seq LIMIT $2`, [after, limit]);
      if (rows.length === 0) return 0;
      const changes = rows.map(rowToChange);
      await publish(changes);
      await em.query('UPDATE registry_outbox_cursor SET published_seq = $1, updated_at = now() WHERE id = 1', [changes[changes.length - 1]!.seq]);
      return changes.length;
    });
  }
}
