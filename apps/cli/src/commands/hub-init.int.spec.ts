import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { topology } from '@lt/contracts';
import { connectNats, destroyTopology, openAgencyKv, readPublishedHubKeys, type NatsConnection } from '@lt/messaging';
import { hubKeyPaths } from '@lt/platform';
import { runCli } from '../testing/run-cli';

/*
 * `lienthong hub init` against the tests' NATS (127.0.0.1:4222, one server, anonymous): what a
 * compose or systemd deployment runs once before the services, which may only read the streams.
 */
const NATS = process.env.TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const ns = `hubinit${randomBytes(3).toString('hex')}`;
const topo = topology(ns);
let dataDir: string;
let nc: NatsConnection;
const saved = { NATS_URL: process.env.NATS_URL, LT_NAMESPACE: process.env.LT_NAMESPACE, LT_STREAM_REPLICAS: process.env.LT_STREAM_REPLICAS };

beforeAll(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'lt-hub-init-'));
  process.env.NATS_URL = NATS;
  process.env.LT_NAMESPACE = ns;
  delete process.env.LT_STREAM_REPLICAS;
  nc = await connectNats(NATS, 'hub-init-spec');
});

afterAll(async () => {
  await destroyTopology(nc, topo).catch(() => undefined);
  await nc.drain();
  rmSync(dataDir, { recursive: true, force: true });
  for (const [k, v] of Object.entries(saved))
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
});

const streamNames = async (): Promise<string[]> => {
  const jsm = await jetstreamManager(nc);
  const names: string[] = [];
  for await (const si of jsm.streams.list())
    if (si.config.name.startsWith(ns.toUpperCase()) || si.config.name.startsWith(`KV_${ns}`)) names.push(si.config.name);
  return names.sort();
};

describe('lienthong hub init', () => {
  it('refuses 3 replicas on a server outside a cluster before creating anything', async () => {
    const r = await runCli(['--data-dir', dataDir, 'hub', 'init', '--replicas', '3', '--wait', '0']);
    expect(r.code).toBe(1);
    expect(r.err).toMatch(/UNAVAILABLE: LT_STREAM_REPLICAS is 3 but the NATS server .* is not part of a cluster/);
    expect(await streamNames()).toEqual([]);
    expect(existsSync(hubKeyPaths.dir(dataDir))).toBe(false);
  });

  it('refuses a replica count the schema does not allow, naming the variable', async () => {
    const r = await runCli(['--data-dir', dataDir, 'hub', 'init', '--replicas', '2']);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/LT_STREAM_REPLICAS.*one of 1, 3, 5/);
  });

  it('creates the streams and buckets, the hub keys and publishes them; a second run changes nothing', async () => {
    const first = await runCli(['--json', '--data-dir', dataDir, 'hub', 'init']);
    expect(first.code).toBe(0);
    const out = JSON.parse(first.out) as { namespace: string; replicas: number; streams: string[]; hubKeys: Record<string, string>; published: number };
    expect(out.namespace).toBe(ns);
    expect(out.replicas).toBe(1);
    expect(await streamNames()).toEqual([...Object.values(topo.streams), `KV_${topo.kvAgencies}`, `KV_${topo.kvTokenRevocations}`].sort());
    expect(Object.keys(out.hubKeys).sort()).toEqual(['checkpoint', 'envelope', 'token']);
    for (const purpose of ['token', 'envelope', 'checkpoint'] as const) expect(existsSync(hubKeyPaths.active(dataDir, purpose))).toBe(true);
    const published = await readPublishedHubKeys(await openAgencyKv(nc, topo));
    expect(published.keys.map((k) => k.keyId).sort()).toEqual(Object.values(out.hubKeys).sort());

    const second = await runCli(['--json', '--data-dir', dataDir, 'hub', 'init']);
    expect(second.code).toBe(0);
    expect((JSON.parse(second.out) as { hubKeys: Record<string, string> }).hubKeys).toEqual(out.hubKeys);
  });

  it('says how long it waited when NATS does not answer', async () => {
    process.env.NATS_URL = 'nats://127.0.0.1:1';
    try {
      const r = await runCli(['--data-dir', dataDir, 'hub', 'init', '--wait', '1']);
      expect(r.code).toBe(1);
      expect(r.err).toMatch(/UNAVAILABLE: cannot reach NATS at nats:\/\/127\.0\.0\.1:1 .*waited 1 s/);
    } finally {
      process.env.NATS_URL = NATS;
    }
  });
});
