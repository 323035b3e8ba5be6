/**
 * The real thing: the router as its own process (apps/router/src/main.ts, built with swc),
 * SIGKILLed twice while 2,000 documents flow, then a third process finishes the job. Every
 * recipient must hold every document exactly once.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { codeToSubjectTokens, HEADERS, topology, type Envelope } from '@lt/contracts';
import { signEnvelope } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { connectNats, destroyTopology, ensureTopology, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { documentEnvelope, testAgency } from './testing/fixtures';
import { NATS_URL } from './testing/harness';

const ROOT = resolve(__dirname, '..', '..', '..');
const TOTAL = 2_000;

jest.setTimeout(180_000);

describe('router process killed mid-stream (SIGKILL)', () => {
  const topo = topology(`t${randomBytes(5).toString('hex')}`);
  const work = mkdtempSync(join(tmpdir(), 'router-kill-'));
  let nc: NatsConnection;
  let db: TestDatabase;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    execFileSync('npx', ['swc', 'apps/router', 'libs', '-d', join(work, 'build'), '-q'], { cwd: ROOT, stdio: 'pipe' });
    nc = await connectNats(NATS_URL, 'router-kill-int');
    await ensureTopology(nc, topo, { storage: 'file' });
    db = await createTestDatabase();
  });

  afterAll(async () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await destroyTopology(nc, topo);
    await nc.drain();
    await db.drop();
    rmSync(work, { recursive: true, force: true });
  });

  function startRouterProcess(): Promise<ChildProcess> {
    const child = spawn(process.execPath, [join(work, 'build', 'apps', 'router', 'src', 'main.js')], {
      cwd: ROOT,
      env: {
        ...process.env,
        NODE_PATH: join(ROOT, 'node_modules'),
        NATS_URL,
        DATABASE_URL: db.url,
        LT_NAMESPACE: topo.ns,
        LT_DATA_DIR: join(work, 'data'),
        LT_ROUTER_ACK_WAIT_MS: '2000',
        LT_ROUTER_MAX_BATCH: '100',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    let out = '';
    return new Promise((resolveReady, reject) => {
      const onData = (chunk: Buffer) => {
        out += chunk.toString();
        if (out.includes('"msg":"ready"')) resolveReady(child);
      };
      child.stdout!.on('data', onData);
      child.stderr!.on('data', onData);
      child.once('exit', (code) => reject(new Error(`router process exited with ${code} before ready:\n${out.slice(-2000)}`)));
    });
  }

  async function inboxCounts(): Promise<Map<string, number>> {
    const jsm = await jetstreamManager(nc);
    const counts = new Map<string, number>();
    if ((await jsm.streams.info(topo.streams.inbox)).state.messages === 0) return counts;
    const consumer = await jetstream(nc).consumers.get(topo.streams.inbox, { headers_only: true });
    const pending = (await consumer.info()).num_pending;
    let read = 0;
    while (read < pending) {
      const batch = await consumer.fetch({ max_messages: pending - read, expires: 2_000 });
      let got = 0;
      for await (const m of batch) {
        const key = `${m.headers!.get(HEADERS.envelopeId)}:${m.headers!.get(HEADERS.to)}`;
        counts.set(key, (counts.get(key) ?? 0) + 1);
        got++;
      }
      read += got;
      if (got === 0) break;
    }
    return counts;
  }

  async function waitFor(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
    const until = Date.now() + timeoutMs;
    while (!(await check())) {
      if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  it('delivers every document exactly once across two kills', async () => {
    const agencies = ['000.00.00.H41', '000.00.00.H49', '000.00.00.G12', '000.00.18.G12'].map((code) => testAgency({ code }));
    const kv = await openAgencyKv(nc, topo);
    await Promise.all(agencies.map((a) => kv.put(codeToSubjectTokens(a.code), JSON.stringify(a.entry))));
    const expected = new Set<string>();
    const submissions = Array.from({ length: TOTAL }, (_, i) => {
      const sender = agencies[i % agencies.length]!;
      const to = agencies
        .filter((a) => a !== sender)
        .slice(0, 1 + (i % 2))
        .map((a) => a.code);
      const env: Envelope = documentEnvelope(sender.code, to, { body: { code: { codeNumber: String(i), codeNotation: 'KILL' }, subject: `document ${i}` } });
      for (const r of to) expected.add(`${env.id}:${r}`);
      return { from: sender.code, id: env.id, bytes: Buffer.from(JSON.stringify(signEnvelope(env, sender.signingKey, sender.kid))) };
    });

    const first = await startRouterProcess();
    const js = jetstream(nc);
    const publishing = (async () => {
      for (let i = 0; i < submissions.length; i += 200) {
        await Promise.all(submissions.slice(i, i + 200).map((s) => js.publish(topo.submitSubject(s.from), s.bytes, { msgID: s.id })));
      }
    })();

    await waitFor('first progress', async () => (await inboxCounts()).size >= 300);
    first.kill('SIGKILL');
    const second = await startRouterProcess();
    const afterFirstKill = (await inboxCounts()).size;
    await waitFor('second progress', async () => (await inboxCounts()).size >= Math.min(expected.size - 200, afterFirstKill + 600));
    second.kill('SIGKILL');
    await publishing;
    const third = await startRouterProcess();

    await waitFor('every copy', async () => (await inboxCounts()).size >= expected.size, 90_000);
    const counts = await inboxCounts();
    third.kill('SIGTERM');
    expect(counts.size).toBe(expected.size);
    expect([...counts.keys()].filter((k) => !expected.has(k))).toEqual([]);
    expect([...counts.entries()].filter(([, n]) => n !== 1)).toEqual([]);
    // redeliveries after the kills are not replays: no event at all
    expect((await jetstreamManager(nc).then((m) => m.streams.info(topo.streams.events))).state.messages).toBe(0);
  });
});
