import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { codeToSubjectTokens, type Agency, type AgencyKey, type AgencyKvEntry, type AgencyTreeNode, type ImportResult, type Page } from '@lt/contracts';
import { generateSigningKey } from '@lt/crypto';
import { openAgencyKv } from '@lt/messaging';
import { HubHarness, ROOT, waitFor } from '../support/hub-harness';

/**
 * Issue 1/5 acceptance through the real gateway and registry processes: the demo directory,
 * malformed codes, every registry rule's stable error code, and what tokens may do.
 */
describe('registry over HTTP (gateway + registry processes, real NATS and PostgreSQL)', () => {
  const hub = new HubHarness();
  type ErrorReply = { error: { code: string; message: string; details?: Record<string, unknown> } };

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
  });
  afterAll(() => hub.teardown());

  it('answers /health without a token: NATS, PostgreSQL and each service by its processes', async () => {
    const r = await hub.http<{ status: string; nats: { ok: boolean }; postgres: { ok: boolean } }>('GET', '/health', { token: null });
    // only the registry and the gateway run here: the other services have no process, hence degraded
    expect(r.status).toBe(503);
    expect(r.body).toMatchObject({
      status: 'degraded',
      nats: { ok: true },
      postgres: { ok: true },
      services: { registry: { live: true, ready: true }, gateway: { live: true, ready: true }, router: { live: false, ready: false, instances: [] } },
    });
  });

  it('imports the demo directory all-or-nothing, mirrors it into KV, and a re-import changes nothing', async () => {
    const csv = readFileSync(join(ROOT, 'deploy/demo/agencies-demo.csv'), 'utf8');
    const first = await hub.http<ImportResult>('POST', '/v1/agencies/import?mode=all-or-nothing', { body: csv, contentType: 'text/csv' });
    expect(first.status).toBe(201);
    expect(first.body).toMatchObject({ total: 30, created: 30, failed: 0, rolledBack: false });
    const again = await hub.http<ImportResult>('POST', '/v1/agencies/import?mode=all-or-nothing', { body: csv, contentType: 'text/csv' });
    expect(again.body).toMatchObject({ created: 0, unchanged: 30, failed: 0 });

    const kv = await openAgencyKv(hub.nc, hub.topo);
    const entry = await waitFor('KV entry of a commune', async () => (await kv.get(codeToSubjectTokens('001.01.32.H41')))?.json<AgencyKvEntry>());
    expect(entry.agency).toMatchObject({ code: '001.01.32.H41', tier: 'commune', parentCode: '000.01.32.H41', status: 'active' });
  });

  it('draws the tree of a province across its tiers', async () => {
    const r = await hub.http<AgencyTreeNode>('GET', '/v1/agencies/000.00.00.H41/children?depth=4');
    expect(r.status).toBe(200);
    const vinh = r.body.children.find((c) => c.code === '000.00.30.H41');
    expect(vinh).toMatchObject({ tier: 'district' });
    expect(vinh!.children.map((c) => c.code)).toEqual(['000.01.30.H41', '000.02.30.H41', '000.03.30.H41']);
    const dienChau = r.body.children.find((c) => c.code === '000.00.32.H41')!;
    const dienKy = dienChau.children.find((c) => c.code === '000.01.32.H41')!;
    expect(dienKy.children.map((c) => c.code)).toEqual(['001.01.32.H41']);
  });

  it('paginates lists with a cursor and filters by tier', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const q: string = `/v1/agencies?limit=7${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`;
      const page = await hub.http<Page<Agency>>('GET', q);
      expect(page.status).toBe(200);
      expect(page.body.items.length).toBeLessThanOrEqual(7);
      seen.push(...page.body.items.map((a) => a.code));
      cursor = page.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(30);
    const communes = await hub.http<Page<Agency>>('GET', '/v1/agencies?tier=commune&limit=100');
    expect(communes.body.items.every((a) => a.tier === 'commune')).toBe(true);
    expect(communes.body.items).toHaveLength(12);
  });

  const malformed: Array<[string, string]> = [
    ['', 'empty'],
    [' 000.00.05.H41', 'whitespace'],
    ['000.00.05.H41 ', 'whitespace'],
    ['000.00.05.h41', 'lowercase'],
    ['000.00.05.Z41', 'unknown_group'],
    ['000.00.05.HH1', 'not_digit'],
    ['000.00.05.H4', 'length'],
    ['000.00.05.H411', 'length'],
    ['000.00.5.H41', 'length'],
    ['00.00.05.H41', 'length'],
    ['000.0A.05.H41', 'not_digit'],
    ['00a.00.05.H41', 'not_digit'],
    ['000.12.00.H41', 'missing_parent'],
    ['001.00.05.H41', 'missing_parent'],
    ['001.12.00.H41', 'missing_parent'],
    ['000.00.05', 'segment_count'],
    ['000.00.00.05.H41', 'segment_count'],
    ['000-00-05-H41', 'segment_count'],
    ['000.00.05.Н41', 'non_ascii'], // Cyrillic EN
    ['٠٠٠.00.05.H41', 'non_ascii'], // Arabic-Indic digits
    ['０００.00.05.H41', 'non_ascii'], // fullwidth digits
    ['000.00.05.H41\u200b', 'non_ascii'], // zero-width space
    ['000..05.H41', 'length'],
  ];

  it.each(malformed)('refuses malformed code %j with INVALID_AGENCY_CODE (%s)', async (code, reason) => {
    const r = await hub.http<ErrorReply>('POST', '/v1/agencies', { body: { code, name: 'X', tier: 'province' } });
    expect(r.status).toBe(422);
    expect(r.body.error.code).toBe('INVALID_AGENCY_CODE');
    expect(r.body.error.details?.reason).toBe(reason);
    expect(r.body.error.message).toContain('invalid agency code');
  });

  it('refuses an unknown parent, a wrong tier and a duplicate with their codes', async () => {
    const unknownParent = await hub.http<ErrorReply>('POST', '/v1/agencies', { body: { code: '000.00.07.H49', name: 'Sở Y tế', tier: 'province', parentCode: '000.00.00.H14' } });
    expect([unknownParent.status, unknownParent.body.error.code]).toEqual([422, 'UNKNOWN_PARENT']);
    const wrongTier = await hub.http<ErrorReply>('POST', '/v1/agencies', { body: { code: '000.04.20.H49', name: 'Phường X', tier: 'district', parentCode: '000.00.20.H49' } });
    expect([wrongTier.status, wrongTier.body.error.code]).toEqual([422, 'TIER_MISMATCH']);
    const dup = await hub.http<ErrorReply>('POST', '/v1/agencies', { body: { code: '000.00.00.H41', name: 'again', tier: 'province' } });
    expect([dup.status, dup.body.error.code]).toEqual([409, 'DUPLICATE']);
  });

  it('closes with a successor, refuses a successor cycle and a close that would orphan children', async () => {
    const a = await hub.http<Agency>('POST', '/v1/agencies', { body: { code: '000.00.00.H14', name: 'UBND tỉnh Cao Bằng', tier: 'province' } });
    expect(a.status).toBe(201);
    await hub.http('POST', '/v1/agencies', { body: { code: '000.00.00.K57', name: 'HĐND Huế', tier: 'province' } });
    const orphan = await hub.http<ErrorReply>('POST', '/v1/agencies/000.00.31.H41/close', { body: { reason: 'merger' } });
    expect([orphan.status, orphan.body.error.code]).toEqual([409, 'HAS_ACTIVE_CHILDREN']);
    const closed = await hub.http<Agency>('POST', '/v1/agencies/000.00.00.H14/close', { body: { reason: 'merged', successorCode: '000.00.00.K57' } });
    expect(closed.status).toBe(201);
    expect(closed.body).toMatchObject({ status: 'closed', successorCode: '000.00.00.K57' });
    const cycle = await hub.http<ErrorReply>('POST', '/v1/agencies/000.00.00.K57/close', { body: { reason: 'loop', successorCode: '000.00.00.H14' } });
    expect(cycle.body.error.code).toMatch(/SUCCESSOR_CYCLE|AGENCY_CLOSED/);
    expect(cycle.status).toBeGreaterThanOrEqual(400);
  });

  it('needs a token (401) and an admin role to write (403 for auditors and agencies); any role reads', async () => {
    const none = await hub.http<ErrorReply>('POST', '/v1/agencies', { token: null, body: { code: '000.00.09.H49', name: 'x', tier: 'province', parentCode: '000.00.00.H49' } });
    expect([none.status, none.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const forged = await hub.http<ErrorReply>('GET', '/v1/agencies', { token: hub.token('admin').slice(0, -4) + 'AAAA' });
    expect([forged.status, forged.body.error.code]).toEqual([401, 'UNAUTHENTICATED']);
    const auditor = await hub.http<ErrorReply>('POST', '/v1/agencies', { token: hub.token('auditor'), body: { code: '000.00.09.H49', name: 'x', tier: 'province', parentCode: '000.00.00.H49' } });
    expect([auditor.status, auditor.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const agency = await hub.http<ErrorReply>('POST', '/v1/agencies/000.00.00.H49/close', { token: hub.token('agency:000.00.00.H49'), body: { reason: 'x' } });
    expect([agency.status, agency.body.error.code]).toEqual([403, 'FORBIDDEN']);
    const read = await hub.http<Agency>('GET', '/v1/agencies/000.00.00.H49', { token: hub.token('auditor') });
    expect(read.status).toBe(200);
    expect(read.body.name).toBe('Ủy ban nhân dân tỉnh Quảng Ninh');
  });

  it('refuses every registry write route to auditor and agency tokens (403) and applies none of them', async () => {
    // the agency's own token is the tempting case: revoking or adding its own keys, renaming or closing itself
    const code = '000.00.00.H49';
    const key = await generateSigningKey('EdDSA', 'e2e-roles');
    expect((await hub.http('POST', `/v1/agencies/${code}/keys`, { body: { keyId: 'e2e-roles', alg: 'EdDSA', publicJwk: key.publicJwk } })).status).toBe(201);
    const before = await hub.http<Agency>('GET', `/v1/agencies/${code}`);
    const keysBefore = await hub.http<AgencyKey[]>('GET', `/v1/agencies/${code}/keys`);
    const other = await generateSigningKey('EdDSA', 'e2e-roles-2');
    const writes: Array<[method: string, path: string, opts: { body: unknown; contentType?: string }]> = [
      ['POST', '/v1/agencies', { body: { code: '000.00.08.H49', name: 'x', tier: 'district', parentCode: code } }],
      ['POST', '/v1/agencies/import?mode=partial', { body: `code,name,tier,parent_code\n000.00.08.H49,x,district,${code}\n`, contentType: 'text/csv' }],
      ['PATCH', `/v1/agencies/${code}`, { body: { name: 'renamed without an admin token' } }],
      ['POST', `/v1/agencies/${code}/close`, { body: { reason: 'closed without an admin token' } }],
      ['POST', `/v1/agencies/${code}/keys`, { body: { keyId: 'e2e-roles-2', alg: 'EdDSA', publicJwk: other.publicJwk } }],
      ['POST', `/v1/agencies/${code}/keys/e2e-roles/revoke`, { body: { reason: 'revoked without an admin token' } }],
    ];
    const answers: string[] = [];
    for (const token of [hub.token('auditor'), hub.token(`agency:${code}`)]) {
      for (const [method, path, opts] of writes) {
        const r = await hub.http<ErrorReply>(method, path, { token, ...opts });
        answers.push(`${method} ${path} ${r.status} ${r.body?.error?.code}`);
      }
    }
    expect(answers).toEqual([...writes, ...writes].map(([method, path]) => `${method} ${path} 403 FORBIDDEN`));
    expect(await hub.http<Agency>('GET', `/v1/agencies/${code}`)).toEqual(before);
    expect(await hub.http<AgencyKey[]>('GET', `/v1/agencies/${code}/keys`)).toEqual(keysBefore);
    expect(keysBefore.body.find((k) => k.keyId === 'e2e-roles')).toMatchObject({ revokedAt: null });
    expect((await hub.http('GET', '/v1/agencies/000.00.08.H49')).status).toBe(404);
  });

  it('reports per-line errors for a partial import and applies nothing all-or-nothing', async () => {
    const csv = 'code,name,tier,parent_code\n000.00.40.H49,Huyện A,district,000.00.00.H49\n000.12.00.H49,Bad,commune,\n000.01.40.H49,"Xã B, có dấu phẩy",commune,000.00.40.H49\n000.02.40.H49,Xã C,commune,000.00.99.H49\n';
    const strict = await hub.http<ImportResult>('POST', '/v1/agencies/import?mode=all-or-nothing', { body: csv, contentType: 'text/csv' });
    expect(strict.body).toMatchObject({ rolledBack: true, created: 0, failed: 2 });
    expect(strict.body.errors.map((e) => [e.line, e.code])).toEqual([
      [3, 'INVALID_AGENCY_CODE'],
      [5, 'UNKNOWN_PARENT'],
    ]);
    expect((await hub.http('GET', '/v1/agencies/000.00.40.H49')).status).toBe(404);
    const partial = await hub.http<ImportResult>('POST', '/v1/agencies/import', { body: csv, contentType: 'text/csv' });
    expect(partial.body).toMatchObject({ rolledBack: false, created: 2, failed: 2 });
    const b = await hub.http<Agency>('GET', '/v1/agencies/000.01.40.H49');
    expect(b.body.name).toBe('Xã B, có dấu phẩy');
  });

  it('refuses bad request bodies with stable codes', async () => {
    const badJson = await hub.http<ErrorReply>('POST', '/v1/agencies', { body: '{"code": ', contentType: 'application/json' });
    expect([badJson.status, badJson.body.error.code]).toEqual([400, 'MALFORMED_JSON']);
    const notCsv = await hub.http<ErrorReply>('POST', '/v1/agencies/import', { body: '{}', contentType: 'application/json' });
    expect(notCsv.body.error.code).toBe('BAD_REQUEST');
    const unknown = await hub.http<ErrorReply>('GET', '/v1/agencies/000.00.77.H49');
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'UNKNOWN_AGENCY']);
  });
});
