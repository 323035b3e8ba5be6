import { randomBytes } from 'node:crypto';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { codeToSubjectTokens, topology, uuidv7, type InclusionProofResponse, type MessageTrace } from '@lt/contracts';
import { base64urlEncode, importPrivateKey, peekTokenClaims } from '@lt/crypto';
import { testAgencyEntry } from '@lt/directory';
import { JetStreamPublisher, destroyTopology, ensureTopology, openAgencyKv } from '@lt/messaging';
import { createLogger, loadOrCreateHubKey } from '@lt/platform';
import { createAuditService, type AuditService } from '../../apps/audit/src/index';
import { fakeJws, inboxHeaders, type CopySpec } from '../../apps/audit/src/testing/fixtures';
import { createGatewayApp } from '../../apps/gateway/src/app';
import { GatewayFixture, until as waitFor } from '../support/gateway-fixture';

/**
 * What an agency token may do on a running gateway: only what concerns its agency (traces,
 * reports, proofs), never after its revocation or its agency's closure, never without the
 * gateway's audience; and a proof request never makes the log sign a checkpoint.
 */
jest.setTimeout(60_000);

const A = '000.00.00.H41';
const B = '000.00.05.H41';
const C = '000.00.30.H41';
const CLOSED = '000.00.31.H41';

interface ErrorReply {
  error: { code: string; message: string; details?: Record<string, unknown> };
}

let f: GatewayFixture;
let audit: AuditService;
/** A -> B, answered 01 by B */
let docAB: string;
/** C -> B */
let docCB: string;
/** seq of A's copy to B, and of C's copy to B */
let seqAB: number;
let seqCB: number;

function token(role: 'auditor' | 'admin' | `agency:${string}`, aud?: string): string {
  return f.token(role, { sub: 'access-test', ...(aud ? { aud } : {}) });
}

const get = <T>(path: string, auth: string, base?: string) => f.get<T>(path, auth, base);
const post = <T>(path: string, auth: string, body: unknown) => f.post<T>(path, auth, body);

async function checkpointCount(): Promise<number> {
  const [{ n }] = await f.db.ds.query('SELECT count(*)::int AS n FROM audit_checkpoints');
  return n;
}

async function publishCopies(copies: CopySpec[]): Promise<void> {
  const publisher = new JetStreamPublisher(f.nc, f.topo);
  const before = await audit.treeSize();
  for (const spec of copies) {
    const data = fakeJws(spec);
    await publisher.publish(f.topo.inboxSubject(spec.to), data, `${spec.envelopeId}:${spec.to}`, inboxHeaders(spec, data));
  }
  await waitFor('the audit to log the copies', async () => (await audit.treeSize()) === before + copies.length);
}

async function seqOf(messageId: string, to: string): Promise<number> {
  const trace = await get<MessageTrace>(`/v1/messages/${messageId}/trace`, token('auditor'));
  return trace.body.recipients.find((r) => r.code === to)!.deliverySeq!;
}

const cli = (...args: string[]) => f.cli(...args);

async function putAgency(code: string, status: 'active' | 'closed', version: number): Promise<void> {
  const kv = await openAgencyKv(f.nc, f.topo);
  await kv.put(codeToSubjectTokens(code), JSON.stringify(testAgencyEntry(code, { status, version })));
}

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'agency-access-test' });
  audit = createAuditService({
    nc: f.nc,
    ds: f.db.ds,
    ns: f.topo.ns,
    log: createLogger('audit', 'silent'),
    checkpointKey: loadOrCreateHubKey(f.dataDir, 'checkpoint'),
    receiptKey: loadOrCreateHubKey(f.dataDir, 'envelope'),
    // checkpoints only when the test cuts one: what a request does must be all that could sign
    options: { checkpointEvery: 100_000, checkpointIntervalMs: 3_600_000, verifyIntervalMs: 0, receipts: false },
  });
  await audit.start();

  for (const code of [A, B, C]) await putAgency(code, 'active', 1);
  await putAgency(CLOSED, 'closed', 2);

  docAB = uuidv7();
  docCB = uuidv7();
  const now = Date.now();
  await publishCopies([
    { envelopeId: docAB, from: A, to: B, routedAt: new Date(now).toISOString(), issuedAt: new Date(now - 20).toISOString() },
    { envelopeId: uuidv7(), from: B, to: A, statusCode: '01', responseFor: docAB, routedAt: new Date(now + 1000).toISOString() },
    { envelopeId: docCB, from: C, to: B, routedAt: new Date(now).toISOString() },
  ]);
  await audit.cutCheckpoint();

  // two replicas: a revocation made through one must reach the other
  await f.startGateway();
  await f.startGateway();
  seqAB = await seqOf(docAB, B);
  seqCB = await seqOf(docCB, B);
});

afterAll(async () => {
  await audit?.stop();
  await f?.close();
});

describe('agency tokens on the gateway', () => {
  it('refuses a token without the gateway audience, or with another one', async () => {
    const tk = loadOrCreateHubKey(f.dataDir, 'token');
    const claims = { iss: 'lienthong', sub: 'x', role: 'auditor', iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600, jti: uuidv7() };
    const input = `${base64urlEncode(JSON.stringify({ alg: tk.alg, typ: 'JWT', kid: tk.keyId }))}.${base64urlEncode(JSON.stringify(claims))}`;
    const noAud = `${input}.${base64urlEncode(importPrivateKey(tk.privateJwk, tk.alg).sign(Buffer.from(input, 'latin1')))}`;
    for (const t of [noAud, token('auditor', 'lienthong-sdk')]) {
      const r = await get<ErrorReply>('/v1/audit/checkpoint', t);
      expect([r.status, r.body.error.code, r.body.error.details?.reason]).toEqual([401, 'UNAUTHENTICATED', 'wrong_audience']);
    }
    expect((await get('/v1/audit/checkpoint', token('auditor'))).status).toBe(200);
  });

  it("serves a message's trace to its sender (whole) and its recipient (own copy), 403 to anyone else and for unknown ids", async () => {
    const sender = await get<MessageTrace>(`/v1/messages/${docAB}/trace`, token(`agency:${A}`));
    expect(sender.status).toBe(200);
    expect(sender.body.recipients[0]).toMatchObject({ code: B, msTo01: 1000 });
    const recipient = await get<MessageTrace>(`/v1/messages/${docAB}/trace`, token(`agency:${B}`));
    expect(recipient.status).toBe(200);
    expect(recipient.body.recipients.map((r) => r.code)).toEqual([B]);

    const other = await get<ErrorReply>(`/v1/messages/${docAB}/trace`, token(`agency:${C}`));
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    // not yours and unknown: the same answer, so ids cannot be probed
    const unknown = await get<ErrorReply>(`/v1/messages/${uuidv7()}/trace`, token(`agency:${C}`));
    expect([unknown.status, unknown.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await get<ErrorReply>(`/v1/messages/${docCB}/trace`, token(`agency:${A}`))).status).toBe(403);
    // auditors still learn that a message is unknown
    expect((await get<ErrorReply>(`/v1/messages/${uuidv7()}/trace`, token('auditor'))).body.error.code).toBe('UNKNOWN_MESSAGE');
  });

  it("serves an agency its own report and refuses another agency's", async () => {
    const from = new Date(Date.now() - 3_600_000).toISOString();
    const own = await get<{ code: string; sent: { copies: number } }>(`/v1/reports/agencies/${A}?from=${from}`, token(`agency:${A}`));
    expect(own.status).toBe(200);
    expect(own.body.sent.copies).toBe(1);
    const other = await get<ErrorReply>(`/v1/reports/agencies/${B}?from=${from}`, token(`agency:${A}`));
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await get(`/v1/reports/agencies/${B}?from=${from}`, token('auditor'))).status).toBe(200);
  });

  it('serves a proof only of an entry naming the agency', async () => {
    for (const code of [A, B]) {
      const p = await get<InclusionProofResponse>(`/v1/audit/proof/${seqAB}`, token(`agency:${code}`));
      expect(p.status).toBe(200);
      expect(p.body.entry.agencies).toContain(code);
    }
    const other = await get<ErrorReply>(`/v1/audit/proof/${seqAB}`, token(`agency:${C}`));
    expect([other.status, other.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const withSize = await get<ErrorReply>(`/v1/audit/proof/${seqCB}?treeSize=${seqCB + 1}`, token(`agency:${A}`));
    expect([withSize.status, withSize.body.error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await get(`/v1/audit/proof/${seqCB}`, token('auditor'))).status).toBe(200);
  });

  it('answers proofs against the latest signed checkpoint and never signs one for a request', async () => {
    const fresh = uuidv7();
    await publishCopies([{ envelopeId: fresh, from: A, to: B }]);
    const newest = (await audit.treeSize()) - 1;
    const before = await checkpointCount();
    for (let i = 0; i < 2; i++) {
      const pending = await get<ErrorReply>(`/v1/audit/proof/${newest}`, token('auditor'));
      expect([pending.status, pending.body.error.code]).toEqual([409, 'NOT_YET_CHECKPOINTED']);
      expect(pending.body.error.details).toMatchObject({ seq: newest, checkpointTreeSize: newest, nextCheckpointDueAt: expect.any(String) });
      const covered = await get<InclusionProofResponse>(`/v1/audit/proof/${seqAB}`, token(`agency:${A}`));
      expect(covered.body.treeSize).toBe(newest);
      expect((await get('/v1/audit/checkpoint', token(`agency:${A}`))).status).toBe(200);
    }
    expect(await checkpointCount()).toBe(before);
    // once the writer signs the next one, the same request is answered
    await audit.cutCheckpoint();
    await waitFor('the new checkpoint to be served', async () => (await get(`/v1/audit/proof/${newest}`, token('auditor'))).status === 200);
  });

  it('refuses a revoked token on every gateway replica within seconds; only admins revoke', async () => {
    const victim = token(`agency:${A}`);
    const { jti } = peekTokenClaims(victim);
    for (const base of f.bases) expect((await get('/v1/audit/checkpoint', victim, base)).status).toBe(200);

    const byAgency = await post<ErrorReply>('/v1/tokens/revoke', token(`agency:${A}`), { jti });
    expect([byAgency.status, byAgency.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const bad = await post<ErrorReply>('/v1/tokens/revoke', token('admin'), { jti: 'a.b' });
    expect([bad.status, bad.body.error.code]).toEqual([422, 'VALIDATION_FAILED']);

    const revoked = await post<{ jti: string; by: string }>('/v1/tokens/revoke', token('admin'), { jti, reason: 'laptop stolen' });
    expect(revoked.status).toBe(201);
    expect(revoked.body).toMatchObject({ jti, by: 'access-test' });
    for (const base of f.bases) {
      await waitFor(`replica ${base} to refuse the revoked token`, async () => (await get('/v1/audit/checkpoint', victim, base)).status === 401);
      const r = await get<ErrorReply>('/v1/audit/checkpoint', victim, base);
      expect([r.body.error.code, r.body.error.details?.reason]).toEqual(['UNAUTHENTICATED', 'revoked']);
    }
    // another token of the same agency is unaffected
    expect((await get('/v1/audit/checkpoint', token(`agency:${A}`), f.bases[1])).status).toBe(200);
  });

  it('CLI: token issue prints the jti, token revoke <jti> revokes the token on the running gateways', async () => {
    const issued = await cli('--json', 'token', 'issue', '--role', 'auditor', '--ttl', '600');
    expect(issued.code).toBe(0);
    const { token: victim, jti, aud } = JSON.parse(issued.out) as { token: string; jti: string; aud: string };
    expect([jti, aud]).toEqual([peekTokenClaims(victim).jti, 'lienthong-gateway']);
    const human = await cli('token', 'issue', '--role', 'auditor');
    expect(human.out.trim()).toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
    expect(human.err).toContain(`jti ${peekTokenClaims(human.out.trim()).jti}`);

    expect((await get('/v1/audit/checkpoint', victim, f.bases[1])).status).toBe(200);
    const r = await cli('token', 'revoke', jti, '--reason', 'test');
    expect(r.code).toBe(0);
    expect(r.out).toContain(`revoked token ${jti}`);
    await waitFor('the second replica to refuse the token', async () => (await get('/v1/audit/checkpoint', victim, f.bases[1])).status === 401);
  });

  it('refuses the tokens of a closed agency, and of one closed while the gateways run', async () => {
    const closed = await get<ErrorReply>('/v1/audit/checkpoint', token(`agency:${CLOSED}`));
    expect([closed.status, closed.body.error.code, closed.body.error.details?.reason]).toEqual([403, 'FORBIDDEN', 'agency_closed']);

    const held = token(`agency:${C}`);
    for (const base of f.bases) expect((await get('/v1/audit/checkpoint', held, base)).status).toBe(200);
    await putAgency(C, 'closed', 2);
    for (const base of f.bases) {
      await waitFor(`replica ${base} to see the closure`, async () => (await get('/v1/audit/checkpoint', held, base)).status === 403);
      expect((await get<ErrorReply>('/v1/audit/checkpoint', held, base)).body.error.details?.reason).toBe('agency_closed');
    }
    expect((await get('/v1/audit/checkpoint', token(`agency:${A}`))).status).toBe(200);
  });
});

describe('a gateway started before the buckets exist', () => {
  it('refuses every token (503, fails closed) until it has loaded the revocation list and the directory, then serves', async () => {
    const late = topology(`t${randomBytes(4).toString('hex')}`);
    const env = process.env.LT_NAMESPACE;
    process.env.LT_NAMESPACE = late.ns;
    let app: NestExpressApplication | undefined;
    try {
      app = await createGatewayApp({ logger: false });
      await app.listen(0, '127.0.0.1');
      const base = `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
      const refused = await get<ErrorReply>('/v1/agencies', token('admin'), base);
      expect([refused.status, refused.body.error.code]).toEqual([503, 'UNAVAILABLE']);
      expect(['token revocation list', 'agency directory']).toContain(refused.body.error.details?.what);

      await ensureTopology(f.nc, late, { storage: 'memory' });
      // past the guard, the request reaches for a registry that this namespace does not run
      await waitFor('the gateway to load both lists', async () => {
        const r = await get<ErrorReply>('/v1/agencies', token('admin'), base);
        return r.body.error?.details?.what === undefined;
      });
    } finally {
      process.env.LT_NAMESPACE = env;
      await app?.close();
      await destroyTopology(f.nc, late).catch(() => undefined);
    }
  });
});
