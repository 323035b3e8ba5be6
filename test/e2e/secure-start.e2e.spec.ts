import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { topology } from '@lt/contracts';
import { importPrivateKey, issueToken } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { agencyConnectionOptions, inboxDurableName, outcomeConsumerNames, readSeedFile } from '@lt/messaging';
import { loadHubKey } from '@lt/platform';
import { freePort, ROOT } from '../support/hub-harness';

/**
 * The hub exactly as `npm start` brings it up (dist/scripts/start.js, no NATS_URL): its own
 * nats-server with nkey users, the demo directory, every service. Each attack below is refused by
 * the server (a permissions violation or a refused connection), and the legitimate path works.
 */
const A = '000.00.00.H41'; // province
const B = '000.00.30.H41'; // district
const COMMUNE = '000.01.30.H41';
const topo = topology('lt');

function violation(err: unknown): string | undefined {
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const m = /Permissions Violation for (Publish|Subscription) to "([^"]+)"/.exec(e.message ?? '');
    if (m) return `${m[1]!.toLowerCase()} ${m[2]}`;
  }
  return undefined;
}

async function refusal(p: Promise<unknown>): Promise<string> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (err === undefined) throw new Error('the server allowed it');
  return violation(err) ?? String((err as Error).message);
}

/**
 * Tries to connect until the server refuses the credentials (the reload takes effect within
 * seconds); a connection cut while the server reloads (EPIPE, reset) is tried again.
 */
async function refusedWithin(ms: number, attempt: () => Promise<NatsConnection>): Promise<string> {
  const until = Date.now() + ms;
  let last = 'still admitted';
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 300));
    const err = await attempt().then(
      async (nc) => void (await nc.close()),
      (e: unknown) => e as Error,
    );
    if (!err) continue;
    last = String(err.message);
    if (/Authorization Violation/i.test(last)) return last;
  }
  return last;
}

describe('a hub started the way `npm start` starts it', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'lt-secure-start-'));
  let db: TestDatabase;
  let hub: ChildProcess;
  let natsPort = 0;
  let gatewayPort = 0;
  const output: string[] = [];
  const opened: NatsConnection[] = [];

  const url = () => `nats://127.0.0.1:${natsPort}`;
  const asAgency = async (code: string): Promise<NatsConnection> => {
    const nc = await connect({ servers: url(), ...agencyConnectionOptions(code, readSeedFile(join(dataDir, 'nats-seeds', `${code}.nk`)).seed), reconnect: false });
    opened.push(nc);
    return nc;
  };
  const env = () => {
    const e: Record<string, string | undefined> = { ...process.env, LT_DATA_DIR: dataDir, GATEWAY_PORT: String(gatewayPort), LT_NATS_PORT: String(natsPort) };
    delete e.NATS_URL; // the CLI finds the hub's server through <data>/nats/client.json, as after npm start
    delete e.LT_TOKEN;
    return e;
  };
  const cli = (...args: string[]) => {
    const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'apps', 'cli', 'src', 'main.js'), ...args], { env: env(), encoding: 'utf8', timeout: 60_000 });
    return { code: r.status, out: r.stdout, err: r.stderr };
  };
  const adminToken = () => {
    const k = loadHubKey(dataDir, 'token');
    return issueToken({ sub: 'e2e-admin', role: 'admin', ttlSeconds: 300 }, importPrivateKey(k.privateJwk, k.alg), k.keyId);
  };

  beforeAll(async () => {
    db = await createTestDatabase();
    natsPort = await freePort();
    gatewayPort = await freePort();
    hub = spawn(process.execPath, [join(ROOT, 'dist', 'scripts', 'start.js')], {
      env: { ...env(), DATABASE_URL: db.url, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`npm start not ready in 90 s:\n${output.slice(-30).join('')}`)), 90_000);
      for (const s of [hub.stdout!, hub.stderr!]) {
        s.on('data', (d: Buffer) => {
          output.push(d.toString());
          if (output.join('').includes('Ctrl-C stops everything')) {
            clearTimeout(timer);
            ready();
          }
        });
      }
      hub.once('exit', (code) => {
        clearTimeout(timer);
        fail(new Error(`npm start exited with ${code}:\n${output.slice(-30).join('')}`));
      });
    });
  }, 120_000);

  afterAll(async () => {
    for (const nc of opened) await nc.close().catch(() => undefined);
    if (hub && hub.exitCode === null) {
      const gone = new Promise((r) => hub.once('exit', r));
      hub.kill('SIGTERM');
      await gone;
    }
    await db?.drop().catch(() => undefined);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('says it runs its own NATS with nkey users, and admits no anonymous client', async () => {
    expect(output.join('')).toContain(`NATS nats://127.0.0.1:${natsPort} (started; nkey users`);
    expect(readFileSync(join(dataDir, 'nats', 'hub.conf'), 'utf8')).not.toMatch(/no_auth_user|authorization\s*\{/);
    await expect(connect({ servers: url(), reconnect: false })).rejects.toThrow(/Authorization Violation/i);
  });

  it('sends, receives and answers a dossier as the demo agencies, through the CLI with their own credentials', () => {
    const creds = cli('nats', 'creds', A, '--json');
    expect(creds.code).toBe(0);
    expect(JSON.parse(creds.out)).toEqual({ url: url(), seedFile: join(dataDir, 'nats-seeds', `${A}.nk`), inboxPrefix: '_INBOX.H41.00.00.000' });

    const sent = cli('send', '--as', A, '--to', B, '--subject', 'Thử nghiệm bảo mật', '--json');
    expect(sent.err).toBe('');
    const { id } = JSON.parse(sent.out) as { id: string };
    const inbox = cli('inbox', '--as', B, '--json', '--follow', '--max', '1');
    expect(inbox.code).toBe(0);
    expect(inbox.out).toContain(id);

    const applicant = { fullName: 'Nguyễn Văn A', dateOfBirth: '1990-01-01', idNumber: '001090000001', residence: 'Vinh', purpose: 'kết hôn' };
    const dossier = cli('dossier', 'submit', '--as', COMMUNE, '--procedure', 'DEMO-HT-XNTTHN', '--applicant', JSON.stringify(applicant), '--json');
    expect(dossier.err).toBe('');
    expect(JSON.parse(dossier.out)).toMatchObject({ outcome: { dossierCode: expect.stringMatching(/^000\.01\.30\.H41-/) } });
  });

  it("refuses an agency submitting as another, reading another's inbox, or listening to the hub's subjects", async () => {
    const a = await asAgency(A);
    const js = jetstream(a);
    expect(await refusal(js.publish(topo.submitSubject(B), '{}'))).toBe(`publish ${topo.submitSubject(B)}`);
    const jsm = await jetstreamManager(a);
    expect(await refusal(jsm.consumers.info(topo.streams.inbox, inboxDurableName(B)))).toBe(`publish $JS.API.CONSUMER.INFO.LT_INBOX.${inboxDurableName(B)}`);
    expect(await refusal(jsm.consumers.add(topo.streams.inbox, { name: outcomeConsumerNames(B)[0]!, filter_subject: topo.inboxSubject(B), ack_policy: AckPolicy.None }))).toContain(
      `publish $JS.API.CONSUMER.CREATE.LT_INBOX.${outcomeConsumerNames(B)[0]}`,
    );
    const sub = a.subscribe('lt.>');
    const closed = await refusal(
      (async () => {
        for await (const _ of sub) void _;
      })(),
    );
    expect(closed).toBe('subscription lt.>');
  });

  it("refuses an agency writing the directory, calling the registry, or publishing the hub's own subjects", async () => {
    const a = await asAgency(A);
    const kv = await new Kvm(jetstream(a)).open(topo.kvAgencies);
    expect(await refusal(kv.put('H41.00.30.000', '{"agency":{"code":"000.00.30.H41"}}'))).toBe('publish $KV.lt-agencies.H41.00.30.000');
    const forged = JSON.stringify({ code: A, keyId: 'evil', alg: 'EdDSA', publicJwk: {}, actor: { sub: 'x', role: 'admin' } });
    expect(await refusal(a.request(topo.rpcSubject('registry', 'key.add'), forged, { timeout: 3_000 }))).toBe(`publish ${topo.rpcSubject('registry', 'key.add')}`);
    expect(await refusal(a.request(topo.rpcSubject('dossier', 'apply'), '{}', { timeout: 3_000 }))).toBe(`publish ${topo.rpcSubject('dossier', 'apply')}`);
    for (const subject of [topo.inboxSubject(B), `${topo.ns}.evt.registry`]) {
      expect(await refusal(jetstream(a).publish(subject, '{}'))).toBe(`publish ${subject}`);
    }
    // nothing of it reached the directory: A's keys are the demo key only
    const keys = await fetch(`http://127.0.0.1:${gatewayPort}/v1/agencies/${A}/keys`, { headers: { authorization: `Bearer ${adminToken()}` } });
    expect(((await keys.json()) as Array<{ keyId: string }>).map((k) => k.keyId)).toEqual([expect.stringMatching(/^demo-/)]);
  });

  it('rotates an agency credential without a restart: the old seed is refused, the new one admitted', async () => {
    const code = '000.02.30.H41';
    const oldSeed = readSeedFile(join(dataDir, 'nats-seeds', `${code}.nk`)).seed;
    const rotated = cli('nats', 'rotate', code, '--json');
    expect(rotated.err).toBe('');
    expect(JSON.parse(rotated.out)).toMatchObject({ code, seedFile: join(dataDir, 'nats-seeds', `${code}.nk`) });
    const connectWith = (seed: string) => connect({ servers: url(), ...agencyConnectionOptions(code, seed), reconnect: false });
    expect(await refusedWithin(15_000, () => connectWith(oldSeed))).toMatch(/Authorization Violation/i);
    const fresh = await asAgency(code);
    expect(fresh.isClosed()).toBe(false);
  });

  it('cuts off a closed agency within seconds: its user leaves the server at the next reload', async () => {
    const commune = '000.03.30.H41';
    const before = await asAgency(commune);
    expect(before.isClosed()).toBe(false);
    const res = await fetch(`http://127.0.0.1:${gatewayPort}/v1/agencies/${commune}/close`, {
      method: 'POST',
      headers: { authorization: `Bearer ${adminToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ successorCode: '000.02.30.H41', reason: 'sáp nhập' }),
    });
    expect(res.status).toBeLessThan(300);
    expect(await refusedWithin(15_000, () => asAgency(commune))).toMatch(/Authorization Violation/i);
  });
});
