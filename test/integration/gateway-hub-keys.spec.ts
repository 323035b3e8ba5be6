import type { PublishedHubKey } from '@lt/contracts';
import { ensureHubKeys, rotateHubKey, type HubKeyFile } from '@lt/platform';
import { GatewayFixture } from '../support/gateway-fixture';

/**
 * `GET /v1/hub/keys` on a running gateway (real NATS and PostgreSQL), the gateway's token keys
 * (public halves of the token key only) and `lienthong hub rotate-key`. A folder without keys is
 * apps/gateway/src/infra/token-keys.spec.ts.
 */
jest.setTimeout(60_000);

let f: GatewayFixture;

async function hubKeys(base: string): Promise<{ status: number; keys: PublishedHubKey[] }> {
  const r = await f.get<{ keys: PublishedHubKey[] }>('/v1/hub/keys', null, base);
  return { status: r.status, keys: r.body.keys };
}

function token(key: HubKeyFile): string {
  return f.token('admin', { sub: 'hub-keys-test', key });
}

const cli = (...args: string[]) => f.cli(...args);

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'gateway-hub-keys-test', keys: 'none' });
});

afterAll(async () => {
  await f?.close();
});

describe('with the hub keys made', () => {
  let keys: ReturnType<typeof ensureHubKeys>;
  let base: string;
  beforeAll(async () => {
    keys = ensureHubKeys(f.dataDir);
    base = await f.startGateway();
  });

  it('lists three distinct active keys, one per purpose, public halves only, without a token', async () => {
    const r = await hubKeys(base);
    expect(r.status).toBe(200);
    expect(r.keys.map((k) => k.purpose)).toEqual(['token', 'envelope', 'checkpoint']);
    expect(new Set(r.keys.map((k) => k.kid)).size).toBe(3);
    expect(new Set(r.keys.map((k) => k.publicJwk.x)).size).toBe(3);
    for (const k of r.keys) {
      expect(k).toMatchObject({ kid: `hub#${keys[k.purpose].keyId}`, alg: 'EdDSA', status: 'active', notAfter: null, notBefore: keys[k.purpose].notBefore });
      expect(k.publicJwk).not.toHaveProperty('d');
    }
  });

  it('accepts bearer tokens of the token key only', async () => {
    const call = async (t: string) => (await fetch(`${base}/v1/agencies/000.00.00.H41/keys`, { headers: { authorization: `Bearer ${t}` } })).status;
    // 401 is about the token; any other answer means the token was accepted
    expect(await call(token(keys.token))).not.toBe(401);
    expect(await call(token(keys.envelope))).toBe(401);
    expect(await call(token(keys.checkpoint))).toBe(401);
  });

  it('rotate-key retires the old key, shows the new one at once and names what to restart', async () => {
    const r = await cli('--json', 'hub', 'rotate-key', '--purpose', 'checkpoint');
    const printed = JSON.parse(r.out) as { active: string; retired: string; published: boolean; restart: string[] };
    expect(printed).toMatchObject({ retired: keys.checkpoint.keyId, published: true, restart: ['audit'] });
    const listed = (await hubKeys(base)).keys;
    expect(listed.filter((k) => k.purpose === 'checkpoint').map((k) => [k.keyId, k.status])).toEqual([
      [printed.active, 'active'],
      [keys.checkpoint.keyId, 'retired'],
    ]);
    expect(listed.find((k) => k.keyId === keys.checkpoint.keyId)!.notAfter).toEqual(expect.any(String));
  });

  it('refuses tokens of a rotated token key once the gateway restarts', async () => {
    const { active } = rotateHubKey(f.dataDir, 'token');
    const fresh = await f.startGateway();
    const call = async (t: string) => (await fetch(`${fresh}/v1/agencies/000.00.00.H41/keys`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await call(token(keys.token))).toBe(401);
    expect(await call(token(active))).not.toBe(401);
  });
});
