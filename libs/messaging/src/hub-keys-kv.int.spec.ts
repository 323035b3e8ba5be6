import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KV } from '@nats-io/kv';
import { HUB_KEYS_KV_KEY, LtError, topology, type PublishedHubKey, type PublishedHubKeysDocument, type Topology } from '@lt/contracts';
import { base64urlDecode, HubSigner } from '@lt/crypto';
import { AgencyDirectory, KvDirectoryFollower } from '@lt/directory';
import { createLogger, ensureHubKeys, loadHubPublicKeys, loadOrCreateHubKey, newEd25519KeyFile, rotateHubKey } from '@lt/platform';
import { connectNats, type NatsConnection } from './connection';
import { checkPublishedHubKeys, publishHubKeys } from './hub-keys-kv';
import { destroyTopology, ensureTopology, openAgencyKv } from './streams';

/*
 * The published hub keys on a real KV bucket (127.0.0.1:4222, a namespace of its own): what an
 * agency's directory verifies hub-signed envelopes with after a wiped data folder or a rotation.
 */
const log = createLogger('hub-keys-test', 'silent');
jest.setTimeout(30_000);

let nc: NatsConnection;
let topo: Topology;
let kv: KV;
let dataDir: string;

beforeEach(async () => {
  topo = topology(`t${randomBytes(4).toString('hex')}`);
  await ensureTopology(nc, topo, { storage: 'memory' });
  kv = await openAgencyKv(nc, topo);
  dataDir = mkdtempSync(join(tmpdir(), 'lt-hubkeys-kv-'));
});

afterEach(async () => {
  await destroyTopology(nc, topo).catch(() => undefined);
  rmSync(dataDir, { recursive: true, force: true });
});

beforeAll(async () => {
  nc = await connectNats(process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222', 'hub-keys-test');
});

afterAll(async () => {
  await nc?.drain().catch(() => undefined);
});

async function published(): Promise<PublishedHubKey[]> {
  return (await kv.get(HUB_KEYS_KV_KEY))!.json<PublishedHubKeysDocument>().keys;
}

/** An agency's view: the directory fed by the bucket, as the SDK and the router hold it. */
async function agencyDirectory(): Promise<{ dir: AgencyDirectory; stop: () => Promise<void> }> {
  const follower = new KvDirectoryFollower(nc, topo, log);
  const dir = new AgencyDirectory();
  await follower.follow(dir);
  return { dir, stop: () => follower.stop() };
}

function verifiesThrough(dir: AgencyDirectory, signed: ReturnType<HubSigner['sign']>): boolean {
  const kid = JSON.parse(base64urlDecode(signed.jws.protected).toString()).kid as string;
  const key = dir.hubKey(kid)?.key;
  if (!key) return false;
  return key.verify(Buffer.from(`${signed.jws.protected}.${signed.jws.payload}`), base64urlDecode(signed.jws.signature));
}

it('publishes the three keys once; a second publish writes nothing', async () => {
  ensureHubKeys(dataDir);
  const first = await publishHubKeys(kv, loadHubPublicKeys(dataDir));
  expect(first).toMatchObject({ written: true, retired: [], missingLocally: [] });
  expect((await published()).map((k) => [k.purpose, k.status])).toEqual([
    ['token', 'active'],
    ['envelope', 'active'],
    ['checkpoint', 'active'],
  ]);
  const revision = (await kv.get(HUB_KEYS_KV_KEY))!.revision;
  expect(await publishHubKeys(kv, loadHubPublicKeys(dataDir))).toMatchObject({ written: false, added: [] });
  expect((await kv.get(HUB_KEYS_KV_KEY))!.revision).toBe(revision);
});

it('refuses a kid published with a different public key, naming the fix', async () => {
  const local = loadOrCreateHubKey(dataDir, 'envelope');
  const mine = loadHubPublicKeys(dataDir, 'envelope');
  const impostor = { ...mine[0]!, publicJwk: newEd25519KeyFile('x').publicJwk };
  await kv.put(HUB_KEYS_KV_KEY, JSON.stringify({ keys: [impostor] }));
  const expectFix = (err: unknown) => {
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).code).toBe('DUPLICATE');
    expect((err as LtError).message).toContain(`hub key hub#${local.keyId} (envelope) is published in KV ${HUB_KEYS_KV_KEY} with a different public key`);
    expect((err as LtError).message).toMatch(/restore the published key files .* or move the local key away and run `lienthong hub rotate-key --purpose <purpose>`/);
  };
  expectFix(await checkPublishedHubKeys(kv, mine).catch((e: unknown) => e));
  expectFix(await publishHubKeys(kv, mine).catch((e: unknown) => e));
  // nothing was overwritten
  expect(await published()).toEqual([impostor]);
});

it('after a wiped data folder: new kids are published, the old ones stay as retired, and both kinds of envelope verify', async () => {
  const before = ensureHubKeys(dataDir);
  await publishHubKeys(kv, loadHubPublicKeys(dataDir));
  const oldSigned = new HubSigner(before.envelope).sign({ id: 'old', kind: 'receipt' });

  // the data folder is wiped; NATS keeps the bucket
  rmSync(join(dataDir, 'keys'), { recursive: true, force: true });
  const after = ensureHubKeys(dataDir);
  expect(after.envelope.keyId).not.toBe(before.envelope.keyId);
  const local = loadHubPublicKeys(dataDir);
  expect((await checkPublishedHubKeys(kv, local)).missingLocally.map((k) => k.keyId).sort()).toEqual(
    [before.token.keyId, before.envelope.keyId, before.checkpoint.keyId].sort(),
  );

  const r = await publishHubKeys(kv, local);
  expect(r.written).toBe(true);
  expect(r.added.sort()).toEqual([after.token, after.envelope, after.checkpoint].map((k) => `hub#${k.keyId}`).sort());
  expect(r.retired.sort()).toEqual([before.token, before.envelope, before.checkpoint].map((k) => `hub#${k.keyId}`).sort());
  const keys = await published();
  expect(keys.filter((k) => k.status === 'active').map((k) => k.keyId)).toEqual([after.token.keyId, after.envelope.keyId, after.checkpoint.keyId]);
  expect(keys.find((k) => k.keyId === before.envelope.keyId)).toMatchObject({ status: 'retired', notAfter: expect.any(String) });

  const { dir, stop } = await agencyDirectory();
  try {
    expect(verifiesThrough(dir, new HubSigner(after.envelope).sign({ id: 'new', kind: 'status' }))).toBe(true);
    expect(verifiesThrough(dir, oldSigned)).toBe(true);
    // a token or checkpoint key never vouches for a hub-signed envelope
    expect(verifiesThrough(dir, new HubSigner(after.token).sign({ id: 'forged', kind: 'status' }))).toBe(false);
  } finally {
    await stop();
  }
});

it('a rotation keeps old receipts verifiable through the published set', async () => {
  const old = loadOrCreateHubKey(dataDir, 'envelope');
  await publishHubKeys(kv, loadHubPublicKeys(dataDir));
  const receipt = new HubSigner(old).sign({ id: 'r1', kind: 'receipt' });

  const { active } = rotateHubKey(dataDir, 'envelope');
  const r = await publishHubKeys(kv, loadHubPublicKeys(dataDir));
  expect(r).toMatchObject({ written: true, missingLocally: [], added: [`hub#${active.keyId}`] });
  expect((await published()).map((k) => [k.keyId, k.status])).toEqual([
    [active.keyId, 'active'],
    [old.keyId, 'retired'],
  ]);
  const { dir, stop } = await agencyDirectory();
  try {
    expect(verifiesThrough(dir, receipt)).toBe(true);
    expect(verifiesThrough(dir, new HubSigner(active).sign({ id: 'r2', kind: 'receipt' }))).toBe(true);
  } finally {
    await stop();
  }
});

it('keeps a key published before the split (no purpose) as a retired legacy envelope key', async () => {
  const legacy = newEd25519KeyFile('hub-20240101');
  const legacySigned = new HubSigner(legacy).sign({ id: 'legacy', kind: 'receipt' });
  await kv.put(HUB_KEYS_KV_KEY, JSON.stringify({ keys: [{ kid: 'hub#hub-20240101', alg: 'EdDSA', publicJwk: legacy.publicJwk }] }));
  ensureHubKeys(dataDir);
  const r = await publishHubKeys(kv, loadHubPublicKeys(dataDir));
  expect(r.retired).toEqual(['hub#hub-20240101']);
  expect((await published()).find((k) => k.kid === 'hub#hub-20240101')).toMatchObject({ purpose: 'envelope', status: 'retired', legacy: true });
  const { dir, stop } = await agencyDirectory();
  try {
    expect(verifiesThrough(dir, legacySigned)).toBe(true);
  } finally {
    await stop();
  }
});
