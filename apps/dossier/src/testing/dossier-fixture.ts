/* Shared by the dossier service's integration tests: real PostgreSQL, real NATS, own namespace. */
import { randomBytes } from 'node:crypto';
import { jetstreamManager } from '@nats-io/jetstream';
import pino from 'pino';
import {
  codeToSubjectTokens,
  topology,
  uuidv7,
  type AgencyKvEntry,
  type AgencyStatus,
  type ApplyDossierResult,
  type DossierBody,
  type DossierStateCode,
  type Envelope,
  type Tier,
  type Topology,
} from '@lt/contracts';
import { getProcedure } from '@lt/dossier-domain';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { testAgencyEntry } from '@lt/directory';
import { importPrivateKey, importPublicKey, issueToken, type TokenRole } from '@lt/crypto';
import { CallerVerifier, connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { FixedClock, newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { createDossierService, type DossierService, type DossierUseCases } from '../index';

export const AGENCIES = {
  province: '000.00.00.H41',
  district: '000.00.05.H41',
  commune: '000.12.05.H41',
  otherCommune: '000.13.05.H41',
  /** closed, successor = district */
  closedDistrict: '000.00.06.H41',
  /** a national portal submitting on behalf of a commune */
  portal: '000.00.00.G22',
} as const;

/** Vietnam local wall time `YYYY-MM-DD HH:mm` as an instant. */
export function vn(local: string): Date {
  return new Date(`${local.replace(' ', 'T')}:00+07:00`);
}

/** The registry's view of the fixture's agencies, as it mirrors them into the KV bucket (no keys). */
export function agencyEntry(
  code: string,
  name: string,
  tier: Tier,
  parentCode: string | null,
  status: AgencyStatus = 'active',
  successorCode: string | null = null,
): AgencyKvEntry {
  return testAgencyEntry(code, { name, tier, parentCode, status, successorCode });
}

export const AGENCY_ENTRIES: readonly AgencyKvEntry[] = [
  agencyEntry(AGENCIES.province, 'UBND tỉnh Nghệ An', 'province', null),
  agencyEntry(AGENCIES.portal, 'Văn phòng Chính phủ', 'central', null),
  agencyEntry(AGENCIES.district, 'UBND huyện 05', 'district', AGENCIES.province),
  agencyEntry(AGENCIES.closedDistrict, 'UBND huyện 06 (đã sáp nhập)', 'district', AGENCIES.province, 'closed', AGENCIES.district),
  agencyEntry(AGENCIES.commune, 'UBND xã 12', 'commune', AGENCIES.district),
  agencyEntry(AGENCIES.otherCommune, 'UBND xã 13', 'commune', AGENCIES.district),
];

export function applicantFor(procedureCode: string): Record<string, string> {
  const p = getProcedure(procedureCode);
  return Object.fromEntries((p.requiredApplicantFields ?? p.applicantFields).map((f) => [f, `value of ${f}`]));
}

export interface StoredStreamMsg {
  subject: string;
  seq: number;
  headers: Record<string, string>;
  data: Uint8Array;
  json<T>(): T;
}

export class DossierFixture {
  readonly topo: Topology = topology(`t${randomBytes(4).toString('hex')}`);
  readonly clock = new FixedClock(vn('2026-03-02 08:00'));
  readonly hubKey: KeyFile = newEd25519KeyFile('hub-test');
  /** the callers of dossier.get|list|report: the hub key doubles as the token key (as test/integration/cli-dossier.spec.ts writes it for its gateway) */
  readonly callers = new CallerVerifier(() => new Map([[this.hubKey.keyId, importPublicKey(this.hubKey.publicJwk, this.hubKey.alg)]]));
  readonly log = pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  db!: TestDatabase;
  nc!: NatsConnection;
  service!: DossierService;
  private serviceDs?: DataSource;
  private readonly procedureOf = new Map<string, string>();

  get uc(): DossierUseCases {
    return this.service.useCases;
  }

  /** `serviceDataSource`: the service's own DataSource (e.g. logged in as its database role) instead of the admin's. */
  static async create(opts: { serviceDataSource?: (db: TestDatabase) => Promise<DataSource> } = {}): Promise<DossierFixture> {
    const f = new DossierFixture();
    f.db = await createTestDatabase();
    f.serviceDs = opts.serviceDataSource ? await opts.serviceDataSource(f.db) : undefined;
    f.nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', `dossier-int-${f.topo.ns}`);
    await ensureTopology(f.nc, f.topo, { storage: 'memory' });
    await f.publishAgencies();
    f.service = createDossierService({
      nc: f.nc,
      ds: f.serviceDs ?? f.db.ds,
      ns: f.topo.ns,
      log: f.log,
      hubKey: f.hubKey,
      callers: f.callers,
      clock: f.clock,
      scanIntervalMs: 0,
      outboxIntervalMs: 0,
    });
    // loads the directory from the bucket and serves dossier.*; no timers (intervals 0)
    await f.service.start();
    return f;
  }

  /** A bearer token the service accepts as the caller (real time: tokens expire by the wall clock, not the fixture's). */
  token(role: TokenRole, sub = 'dossier-test'): string {
    return issueToken({ sub, role, ttlSeconds: 600 }, importPrivateKey(this.hubKey.privateJwk, this.hubKey.alg), this.hubKey.keyId);
  }

  async close(): Promise<void> {
    await this.service.stop();
    await destroyTopology(this.nc, this.topo);
    await this.nc.drain();
    await this.serviceDs?.destroy();
    await this.db.drop();
  }

  /** The agencies as the registry mirrors them into the KV bucket the service's directory reads. */
  private async publishAgencies(): Promise<void> {
    const kv = await openAgencyKv(this.nc, this.topo);
    for (const e of AGENCY_ENTRIES) await kv.put(codeToSubjectTokens(e.agency.code), JSON.stringify(e));
  }

  envelope(from: string, to: string[], body: DossierBody, issuedAt: Date): Envelope<DossierBody> {
    return { id: uuidv7(issuedAt.getTime()), kind: 'dossier', from, to, issuedAt: issuedAt.toISOString(), body };
  }

  /** What the router sends on `dossier.apply` for this envelope. */
  request(env: Envelope<DossierBody>, receivedAt: Date, to?: string[]): unknown {
    return { envelope: env, envelopeId: env.id, from: env.from, to: to ?? (env.to as string[]), receivedAt: receivedAt.toISOString() };
  }

  async applyEnvelope(env: Envelope<DossierBody>, at: Date, to?: string[]): Promise<ApplyDossierResult> {
    const r = await this.uc.applyDossierMessage.execute(this.request(env, at, to));
    if (r.action === 'submit') this.procedureOf.set(r.dossierCode, (env.body as { procedureCode: string }).procedureCode);
    return r;
  }

  submitEnvelope(agency: string, procedureCode: string, at: Date, opts: { applicant?: Record<string, unknown>; by?: string } = {}): Envelope<DossierBody> {
    const body = { action: 'submit', procedureCode, receivedAt: at.toISOString(), applicant: opts.applicant ?? applicantFor(procedureCode) } as DossierBody;
    return this.envelope(opts.by ?? agency, [agency], body, at);
  }

  submit(agency: string, procedureCode: string, at: Date, opts: { applicant?: Record<string, unknown>; by?: string } = {}): Promise<ApplyDossierResult> {
    return this.applyEnvelope(this.submitEnvelope(agency, procedureCode, at, opts), at);
  }

  private proc(code: string): string {
    const p = this.procedureOf.get(code);
    if (!p) throw new Error(`fixture: dossier ${code} was not submitted through this fixture`);
    return p;
  }

  transitionEnvelope(by: string, code: string, toState: DossierStateCode, at: Date, extra: Record<string, unknown> = {}): Envelope<DossierBody> {
    const body = { action: 'transition', dossierCode: code, procedureCode: this.proc(code), toState, ...extra } as DossierBody;
    return this.envelope(by, [AGENCIES.province], body, at);
  }

  transition(by: string, code: string, toState: DossierStateCode, at: Date, extra: Record<string, unknown> = {}): Promise<ApplyDossierResult> {
    return this.applyEnvelope(this.transitionEnvelope(by, code, toState, at, extra), at);
  }

  transfer(
    by: string,
    code: string,
    toAgency: string,
    at: Date,
    step: { stepWorkingDays?: number; stepDueAt?: string } = { stepWorkingDays: 5 },
  ): Promise<ApplyDossierResult> {
    const body = { action: 'transfer', dossierCode: code, procedureCode: this.proc(code), toAgency, ...step } as DossierBody;
    return this.applyEnvelope(this.envelope(by, [toAgency], body, at), at);
  }

  giveBack(by: string, code: string, at: Date): Promise<ApplyDossierResult> {
    const body = { action: 'return', dossierCode: code, procedureCode: this.proc(code) } as DossierBody;
    return this.applyEnvelope(this.envelope(by, [AGENCIES.commune], body, at), at);
  }

  /** Every message stored in a stream (small streams only), optionally on subjects starting with a prefix. */
  async readStream(stream: string, subjectPrefix = ''): Promise<StoredStreamMsg[]> {
    const jsm = await jetstreamManager(this.nc);
    const info = await jsm.streams.info(stream);
    const out: StoredStreamMsg[] = [];
    for (let seq = info.state.first_seq; seq <= info.state.last_seq && info.state.messages > 0; seq++) {
      const m = await jsm.streams.getMessage(stream, { seq }).catch(() => null);
      if (!m || !m.subject.startsWith(subjectPrefix)) continue;
      const headers: Record<string, string> = {};
      for (const [k] of m.header ?? []) headers[k] = m.header.get(k);
      const data = m.data;
      out.push({ subject: m.subject, seq: m.seq, headers, data, json: <T>() => JSON.parse(new TextDecoder().decode(data)) as T });
    }
    return out;
  }

  async events(type?: string): Promise<Array<{ type: string; data: Record<string, unknown>; agencies: string[]; messageId?: string; id: string }>> {
    const msgs = await this.readStream(this.topo.streams.events, type ? this.topo.eventSubject(type) : '');
    return msgs.map((m) => m.json());
  }
}
