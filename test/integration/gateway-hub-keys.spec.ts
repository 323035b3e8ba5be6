import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { topology, type PublishedHubKey, type Topology } from '@lt/contracts';
import { importPrivateKey, issueToken } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, type NatsConnection } from '@lt/messaging';
import { ensureHubKeys, rotateHubKey, type HubKeyFile } from '@lt/platform';
import { runCli } from '../../apps/cli/src/testing/run-cli';
import { createGatewayApp } from '../../apps/gateway/src/app';

/**
 * `GET /v1/hub/keys` on a running gateway (real NATS and PostgreSQL), the gateway's token keys
 * (public halves of the token key only) and `lienthong hub rotate-key`. A folder without keys is
 * apps/gateway/src/infra/token-keys.spec.ts.
 */
jest.setTimeout(60_000);

let db: TestDatabase;
let nc: NatsConnection;
let topo: Topology;
let dataDir: string;
const apps: NestExpressApplication[] = [];

async function startGateway(): Promise<string> {
  const app = await createGatewayApp({ logger: false });
  await app.listen(0, '127.0.0.1');
  apps.push(app);
  return `http://127.0.0.1:${(app.getHttpServer().address() as { port: number }).port}`;
}

async function hubKeys(base: string): Promise<{ status: number; keys: PublishedHubKey[] }> {
  const res = await fetch(`${base}/v1/hub/keys`);
  return { status: res.status, keys: ((await res.json()) as { keys: PublishedHubKey[] }).keys };
}

function token(key: HubKeyFile): string {
  return issueToken({ sub: 'hub-keys-test', role: 'admin', ttlSeconds: 600 }, importPrivateKey(key.privateJwk, key.alg), key.keyId);
}

const cli = (...args: string[]) => runCli(['--data-dir', dataDir, ...args]);

beforeAll(async () => {
  db = await createTestDatabase();
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'gateway-hub-keys-test');
  topo = topology(`t${randomBytes(4).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  dataDir = mkdtempSync(join(tmpdir(), 'lt-gw-hubkeys-'));
  Object.assign(process.env, {
    LT_NAMESPACE: topo.ns,
    LT_DATA_DIR: dataDir,
    DATABASE_URL: db.url,
    NATS_URL: process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222',
  });
});

afterAll(async () => {
  for (const app of apps) await app.close().catch(() => undefined);
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc.drain();
  await db.drop();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('with the hub keys made', () => {
  let keys: ReturnType<typeof ensureHubKeys>;
  let base: string;
  beforeAll(async () => {
    keys = ensureHubKeys(dataDir);
    base = await startGateway();
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
    const { active } = rotateHubKey(dataDir, 'token');
    const fresh = await startGateway();
    const call = async (t: string) => (await fetch(`${fresh}/v1/agencies/000.00.00.H41/keys`, { headers: { authorization: `Bearer ${t}` } })).status;
    expect(await call(token(keys.token))).toBe(401);
    expect(await call(token(active))).not.toBe(401);
  });
});
