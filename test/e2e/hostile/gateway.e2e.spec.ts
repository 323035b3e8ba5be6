import { createHmac } from 'node:crypto';
import { base64urlEncode, generateSigningKey, importPrivateKey, issueToken, type SigningKey } from '@lt/crypto';
import { uuidv7, type Page } from '@lt/contracts';
import { AGENCY, DIRECTORY_CSV, GATEWAY_CASES, type GatewayCase, type TokenSpec } from './corpus';
import { errorCodeOf, HostileHub, rawHttp } from './support';

/**
 * The gateway against the hostile corpus: bad tokens, hostile bodies, paths and query parameters,
 * each answered with its HTTP status and stable `{error: {code}}`; one hub (registry and gateway
 * processes, no router needed) for the whole file. Afterwards /health is still OK, nothing crashed,
 * and the only agencies created are the ones the corpus meant to create.
 */
describe('gateway: hostile HTTP requests (registry + gateway processes)', () => {
  const hub = new HostileHub();
  let hubKey: SigningKey;
  let agenciesBefore = 0;

  beforeAll(async () => {
    await hub.setup();
    await hub.start('registry');
    await hub.start('gateway');
    hubKey = importPrivateKey(hub.tokenKey.privateJwk, hub.tokenKey.alg);
    const imported = await hub.http('POST', '/v1/agencies/import', { body: DIRECTORY_CSV, contentType: 'text/csv' });
    expect(imported.status).toBe(201);
    const g = await generateSigningKey('EdDSA', 'k1');
    expect((await hub.http('POST', `/v1/agencies/${AGENCY.other}/keys`, { body: { keyId: 'k1', alg: 'EdDSA', publicJwk: g.publicJwk } })).status).toBe(201);
    agenciesBefore = await hub.agencyCount();
  }, 60_000);
  afterAll(() => hub.teardown());

  const b64json = (v: unknown) => base64urlEncode(JSON.stringify(v));
  const claims = (over: Record<string, unknown> = {}) => {
    const iat = Math.floor(Date.now() / 1000);
    return { iss: 'lienthong', sub: 'hostile', role: 'admin', iat, exp: iat + 600, jti: uuidv7(), ...over };
  };

  async function authorization(t: TokenSpec | undefined): Promise<string | undefined> {
    const kid = hub.tokenKey.keyId;
    const hour = 3_600_000;
    if (t === undefined || t === 'admin') return `Bearer ${hub.token('admin', 'hostile')}`;
    if (t === 'auditor') return `Bearer ${hub.token('auditor', 'hostile')}`;
    if (t === 'none') return undefined;
    if (t === 'expired') return `Bearer ${issueToken({ sub: 'hostile', role: 'admin', ttlSeconds: 60 }, hubKey, kid, Date.now() - hour)}`;
    if (t === 'not-yet-valid') return `Bearer ${issueToken({ sub: 'hostile', role: 'admin', ttlSeconds: 7200 }, hubKey, kid, Date.now() + hour)}`;
    if (t === 'other-key') {
      const g = await generateSigningKey('EdDSA');
      return `Bearer ${issueToken({ sub: 'hostile', role: 'admin' }, importPrivateKey(g.privateJwk, 'EdDSA'), kid)}`;
    }
    if (t === 'unknown-kid') return `Bearer ${issueToken({ sub: 'hostile', role: 'admin' }, hubKey, 'no-such-hub-key')}`;
    if (t === 'alg-none') return `Bearer ${b64json({ alg: 'none', typ: 'JWT', kid })}.${b64json(claims())}.`;
    if (t === 'hs256') {
      const input = `${b64json({ alg: 'HS256', typ: 'JWT', kid })}.${b64json(claims())}`;
      return `Bearer ${input}.${base64urlEncode(createHmac('sha256', String(hub.tokenKey.publicJwk.x)).update(input).digest())}`;
    }
    if (t === 'wrong-issuer') {
      const input = `${b64json({ alg: 'EdDSA', typ: 'JWT', kid })}.${b64json(claims({ iss: 'evil' }))}`;
      return `Bearer ${input}.${base64urlEncode(hubKey.sign(Buffer.from(input, 'latin1')))}`;
    }
    if ('role' in t) return `Bearer ${hub.token(t.role as never, 'hostile')}`;
    if ('raw' in t) return `Bearer ${t.raw}`;
    return t.header;
  }

  function bodyOf(c: GatewayCase): { body?: string; contentType?: string } {
    const b = c.input.body;
    if (!b) return {};
    if ('json' in b) return { body: JSON.stringify(b.json), contentType: c.input.contentType ?? 'application/json' };
    if ('text' in b) return { body: b.text, contentType: c.input.contentType ?? 'text/plain' };
    if ('deepJson' in b) {
      const nested = `${'['.repeat(b.deepJson)}${']'.repeat(b.deepJson)}`;
      return { body: `{"code":"000.00.00.H58","name":"sâu","tier":"province","contact":${nested}}`, contentType: 'application/json' };
    }
    const head = '{"code":"000.00.00.H57","tier":"province","name":"';
    return { body: `${head}${'x'.repeat(b.jsonOfBytes - head.length - 2)}"}`, contentType: 'application/json' };
  }

  it('runs the whole gateway corpus (at least 40 cases)', () => {
    expect(GATEWAY_CASES.length).toBeGreaterThanOrEqual(40);
    expect(new Set(GATEWAY_CASES.map((c) => c.id)).size).toBe(GATEWAY_CASES.length);
  });

  it.each(GATEWAY_CASES.map((c) => [c.id, c] as const))('%s', async (_id, c) => {
    const headers: Record<string, string> = {};
    const auth = await authorization(c.input.token);
    if (auth !== undefined) headers.authorization = auth;
    const { body, contentType } = bodyOf(c);
    if (contentType) headers['content-type'] = contentType;
    const r = await rawHttp(hub.gatewayUrl, c.input.method, c.input.path, headers, body);
    const got = { status: r.status, code: r.status >= 400 ? (errorCodeOf(r) ?? null) : null };
    // the answer's message goes into the failure: it is what a maintainer needs to fix a service
    if (got.status !== c.expected.status || got.code !== c.expected.code) {
      throw new Error(`expected ${JSON.stringify({ status: c.expected.status, code: c.expected.code })}, got ${JSON.stringify(got)}: ${r.text.slice(0, 400)}`);
    }
    if (c.expected.items !== undefined) expect((r.json as Page<unknown>).items).toHaveLength(c.expected.items);
    if (c.expected.storedName !== undefined) {
      const code = (JSON.parse(body!) as { code: string }).code;
      const stored = await hub.http<{ name: string }>('GET', `/v1/agencies/${code}`);
      expect(stored.body.name).toBe(c.expected.storedName);
    }
  });

  it('still answers /health, and no service crashed', async () => {
    const r = await hub.http<{ status: string }>('GET', '/health', { token: null });
    // only the registry and the gateway run here: /health is degraded by the services that do not
    expect(r.body).toMatchObject({ nats: { ok: true }, postgres: { ok: true }, services: { registry: { live: true, ready: true }, gateway: { live: true, ready: true } } });
    expect(hub.deadServices()).toEqual([]);
  });

  it('created exactly the agencies the corpus meant to create (injection strings are data, never SQL)', async () => {
    const creates = GATEWAY_CASES.filter((c) => c.expected.status === 201).length;
    expect(await hub.agencyCount()).toBe(agenciesBefore + creates);
  });

  it('was not polluted: an agency token still may not write', async () => {
    const r = await hub.http<{ error: { code: string } }>('POST', '/v1/agencies', {
      token: hub.token(`agency:${AGENCY.sender}`),
      body: { code: '000.00.00.H59', name: 'x', tier: 'province' },
    });
    expect([r.status, r.body.error.code]).toEqual([403, 'FORBIDDEN']);
  });
});
