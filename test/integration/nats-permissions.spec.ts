import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AckPolicy, jetstream, jetstreamManager, StorageType, type JetStreamManager } from '@nats-io/jetstream';
import { Kvm, type KV } from '@nats-io/kv';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { Readable } from 'node:stream';
import pino from 'pino';
import { attachmentSubjects, LtError, topology, type AttachmentBindRequest } from '@lt/contracts';
import { AttachmentEndpoint, AttachmentService } from '@lt/attachments';
import { AttachmentChannel, downloadAttachment, uploadAttachment } from '@lt/sdk';
import { systemClock } from '@lt/platform';
import {
  agencyConnectionOptions,
  connectHub,
  createUserNkey,
  ensureDurableConsumer,
  ensureTopology,
  inboxDurableName,
  openAgencyKv,
  outcomeConsumerNames,
  readInboxBacklogs,
  renderNatsConfig,
  restoreStream,
  serviceConnectionOptions,
  snapshotStream,
} from '@lt/messaging';
import { collectServiceStatus, hubDurables, serviceStatusSubject, startObservability } from '@lt/observability';

/**
 * Transport-level authorisation on a nats-server of our own (Debian's 2.9.10), configured by
 * renderNatsConfig: agency A may submit as A, read A's inbox and read the directory, and
 * nothing else. Every refusal below comes from the server, not from hub code.
 */
const NATS_SERVER = process.env.NATS_SERVER_BIN ?? '/usr/sbin/nats-server';
const A = '000.00.01.H41';
const B = '000.00.02.H41';

/** The server's refusal, as nats.js reports it (possibly wrapped in a RequestError). */
function violation(err: unknown): { operation: string; subject: string } | undefined {
  for (let e = err as { message?: string; cause?: unknown } | undefined; e; e = e.cause as typeof e) {
    const m = /Permissions Violation for (Publish|Subscription) to "([^"]+)"/.exec(e.message ?? '');
    if (m) return { operation: m[1]!.toLowerCase(), subject: m[2]! };
  }
  return undefined;
}

async function expectRefused(p: Promise<unknown>, operation: 'publish' | 'subscription', subject: string): Promise<void> {
  const err = await p.then(
    () => new Error(`expected the server to refuse ${operation} to ${subject}, but it was allowed`),
    (e: unknown) => e,
  );
  expect(violation(err) ?? String((err as Error).message ?? err)).toEqual({ operation, subject });
}

describe('NATS transport permissions (nats-server 2.9.10)', () => {
  const topo = topology(`p${randomBytes(4).toString('hex')}`);
  const dir = mkdtempSync(join(tmpdir(), 'lt-nats-perm-'));
  const keys = {
    a: createUserNkey(),
    b: createUserNkey(),
    svc: createUserNkey(),
    gateway: createUserNkey(),
    router: createUserNkey(),
    registry: createUserNkey(),
    attachments: createUserNkey(),
    dossier: createUserNkey(),
    audit: createUserNkey(),
  };
  const serverLog: string[] = [];
  let server: ChildProcess | undefined;
  let url = '';
  let svc: NatsConnection;
  let a: NatsConnection;
  let jsmSvc: JetStreamManager;
  let jsmA: JetStreamManager;
  const opened: NatsConnection[] = [];

  const subjectCount = async (stream: string, subject: string): Promise<number> => {
    const si = await jsmSvc.streams.info(stream, { subjects_filter: subject });
    return si.state.subjects?.[subject] ?? 0;
  };

  beforeAll(async () => {
    if (!existsSync(NATS_SERVER)) {
      throw new Error(`nats-server not found at ${NATS_SERVER}: install Debian's nats-server (apt-get install nats-server) or set NATS_SERVER_BIN`);
    }
    const version = spawnSync(NATS_SERVER, ['--version'], { encoding: 'utf8' }).stdout.trim();
    expect(version).toMatch(/^nats-server: v2\./);

    const conf = join(dir, 'hub.conf');
    writeFileSync(
      conf,
      renderNatsConfig({
        topo,
        agencies: [
          { code: A, nkey: keys.a.publicKey },
          { code: B, nkey: keys.b.publicKey },
        ],
        services: [
          { user: 'operator', role: 'operator', nkey: keys.svc.publicKey },
          { user: 'gateway', role: 'gateway', nkey: keys.gateway.publicKey },
          { user: 'router', role: 'router', nkey: keys.router.publicKey },
          { user: 'registry', role: 'registry', nkey: keys.registry.publicKey },
          { user: 'attachments', role: 'attachments', nkey: keys.attachments.publicKey },
          { user: 'dossier', role: 'dossier', nkey: keys.dossier.publicKey },
          { user: 'audit', role: 'audit', nkey: keys.audit.publicKey },
        ],
        listen: '127.0.0.1',
        port: -1,
      }),
    );
    mkdirSync(join(dir, 'js'));
    server = spawn(NATS_SERVER, ['-c', conf, '-js', '-sd', join(dir, 'js'), '-a', '127.0.0.1', '-p', '-1', '--ports_file_dir', dir], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    for (const s of [server.stdout!, server.stderr!]) s.on('data', (d: Buffer) => serverLog.push(...d.toString().split('\n').filter(Boolean)));
    const exited = new Promise<number | null>((r) => server!.once('exit', (code) => r(code)));
    const portsFile = await Promise.race([
      (async () => {
        for (;;) {
          const f = readdirSync(dir).find((n) => n.endsWith('.ports'));
          if (f) return join(dir, f);
          await new Promise((r) => setTimeout(r, 50));
        }
      })(),
      exited.then((code) => {
        throw new Error(`nats-server exited with ${code} before listening:\n${serverLog.slice(-20).join('\n')}`);
      }),
    ]);
    let ports: { nats?: string[] } = {};
    for (let i = 0; i < 50 && !ports.nats?.length; i++) {
      const text = readFileSync(portsFile, 'utf8');
      if (text.trim()) ports = JSON.parse(text) as { nats?: string[] };
      else await new Promise((r) => setTimeout(r, 20));
    }
    url = ports.nats![0]!;

    svc = await connect({ servers: url, name: 'operator', ...serviceConnectionOptions(keys.svc.seed) });
    opened.push(svc);
    await ensureTopology(svc, topo, { storage: 'memory' });
    jsmSvc = await jetstreamManager(svc);
    const kv = await openAgencyKv(svc, topo);
    await kv.put('H41.00.02.000', JSON.stringify({ agency: { code: B }, keys: [] }));

    a = await connect({ servers: url, ...agencyConnectionOptions(A, keys.a.seed) });
    opened.push(a);
    jsmA = await jetstreamManager(a);
  });

  afterAll(async () => {
    for (const nc of opened) await nc.close().catch(() => undefined);
    if (server && server.exitCode === null) {
      const gone = new Promise((r) => server!.once('exit', r));
      server.kill('SIGTERM');
      await gone;
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('refuses a client without credentials and one with an unknown nkey', async () => {
    await expect(connect({ servers: url, reconnect: false })).rejects.toThrow(/Authorization Violation/);
    await expect(connect({ servers: url, reconnect: false, ...serviceConnectionOptions(createUserNkey().seed) })).rejects.toThrow(/Authorization Violation/);
  });

  describe('submit', () => {
    it('lets A submit on its own subject and returns a PubAck', async () => {
      const ack = await jetstream(a).publish(topo.submitSubject(A), 'signed envelope of A', { msgID: `m-${randomBytes(4).toString('hex')}` });
      expect(ack).toMatchObject({ stream: topo.streams.submit, duplicate: false });
      expect(await subjectCount(topo.streams.submit, topo.submitSubject(A))).toBe(1);
    });

    it("refuses A publishing on B's submit subject, by request and fire-and-forget, and nothing reaches the stream", async () => {
      await expectRefused(jetstream(a).publish(topo.submitSubject(B), 'forged as B', { timeout: 5_000 }), 'publish', topo.submitSubject(B));
      a.publish(topo.submitSubject(B), 'forged as B, no reply');
      await a.flush();
      await expectRefused(jetstream(a).publish(`${topo.submitSubject(A)}.extra`, 'x', { timeout: 5_000 }), 'publish', `${topo.submitSubject(A)}.extra`);
      expect(await subjectCount(topo.streams.submit, topo.submitSubject(B))).toBe(0);
      // the refused publishes did not cost A its connection
      expect(a.isClosed()).toBe(false);
    });

    it('needs the agency reply prefix: with the default _INBOX the PubAck cannot come back', async () => {
      const { authenticator } = agencyConnectionOptions(A, keys.a.seed);
      const plain = await connect({ servers: url, reconnect: false, authenticator });
      opened.push(plain);
      const err = await jetstream(plain)
        .publish(topo.submitSubject(A), 'x', { timeout: 3_000 })
        .then(
          () => undefined,
          (e: unknown) => e,
        );
      expect(violation(err)).toMatchObject({ operation: 'subscription', subject: expect.stringMatching(/^_INBOX\./) });
    });
  });

  describe('inbox', () => {
    const durableA = inboxDurableName(A);
    const durableB = inboxDurableName(B);

    it('lets A create (and re-ensure) its own durable, pull only its own copies, and ack them', async () => {
      const own = { stream: topo.streams.inbox, durable: durableA, filterSubject: topo.inboxSubject(A) };
      await ensureDurableConsumer(a, own);
      await ensureDurableConsumer(a, own); // second run takes the info + update path
      const js = jetstream(svc);
      await js.publish(topo.inboxSubject(A), 'copy for A', { msgID: 'inbox-a-1' });
      await js.publish(topo.inboxSubject(B), 'copy for B', { msgID: 'inbox-b-1' });

      const consumer = await jetstream(a).consumers.get(topo.streams.inbox, durableA);
      const got: string[] = [];
      for await (const m of await consumer.fetch({ max_messages: 10, expires: 1_000 })) {
        got.push(m.string());
        expect(await m.ackAck()).toBe(true);
      }
      expect(got).toEqual(['copy for A']);
      const info = await jsmSvc.consumers.info(topo.streams.inbox, durableA);
      expect(info.num_ack_pending).toBe(0);
      expect(info.ack_floor.stream_seq).toBeGreaterThan(0);
    });

    it("refuses any consumer on B's durable or subject, including A's own durable re-pointed at B", async () => {
      await ensureDurableConsumer(svc, { stream: topo.streams.inbox, durable: durableB, filterSubject: topo.inboxSubject(B) });
      const filterB = topo.inboxSubject(B);
      await expectRefused(
        jsmA.consumers.add(topo.streams.inbox, { durable_name: durableB, filter_subject: filterB, ack_policy: AckPolicy.Explicit }),
        'publish',
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.${durableB}.${filterB}`,
      );
      await expectRefused(
        jsmA.consumers.add(topo.streams.inbox, { durable_name: durableA, filter_subject: filterB, ack_policy: AckPolicy.Explicit }),
        'publish',
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.${durableA}.${filterB}`,
      );
      await expectRefused(
        jsmA.consumers.add(topo.streams.inbox, { name: 'sneaky', filter_subject: '>', ack_policy: AckPolicy.Explicit }),
        'publish',
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.sneaky`,
      );
      // legacy create subject, which names no filter
      await expectRefused(
        a.request(
          `$JS.API.CONSUMER.DURABLE.CREATE.${topo.streams.inbox}.${durableA}`,
          JSON.stringify({ stream_name: topo.streams.inbox, config: { durable_name: durableA } }),
          { timeout: 3_000 },
        ),
        'publish',
        `$JS.API.CONSUMER.DURABLE.CREATE.${topo.streams.inbox}.${durableA}`,
      );
      // the allowed subject names A's filter; the server itself rejects a body that says otherwise
      const mismatch = await a.request(
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.${durableA}.${topo.inboxSubject(A)}`,
        JSON.stringify({ stream_name: topo.streams.inbox, config: { durable_name: durableA, filter_subject: filterB, ack_policy: 'explicit' } }),
        { timeout: 3_000 },
      );
      expect(mismatch.json<{ error?: { err_code: number } }>().error?.err_code).toBe(10131);
      expect((await jsmSvc.consumers.info(topo.streams.inbox, durableA)).config.filter_subject).toBe(topo.inboxSubject(A));
    });

    it("lets A open, read and delete its own outcome consumers, and no one else's", async () => {
      const [outcomeA] = outcomeConsumerNames(A);
      const [outcomeB] = outcomeConsumerNames(B);
      const filterA = topo.inboxSubject(A);
      const filterB = topo.inboxSubject(B);
      await jsmA.consumers.add(topo.streams.inbox, { name: outcomeA!, filter_subject: filterA, ack_policy: AckPolicy.None, inactive_threshold: 10_000_000_000 });
      const consumer = await jetstream(a).consumers.get(topo.streams.inbox, outcomeA!);
      const got: string[] = [];
      for await (const m of await consumer.fetch({ max_messages: 10, expires: 1_000 })) got.push(m.string());
      expect(got).toEqual(['copy for A']);
      await jsmA.consumers.delete(topo.streams.inbox, outcomeA!);
      await expect(jsmSvc.consumers.info(topo.streams.inbox, outcomeA!)).rejects.toThrow(/consumer not found/);

      await expectRefused(
        jsmA.consumers.add(topo.streams.inbox, { name: outcomeB!, filter_subject: filterB, ack_policy: AckPolicy.None }),
        'publish',
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.${outcomeB}.${filterB}`,
      );
      await expectRefused(
        jsmA.consumers.add(topo.streams.inbox, { name: outcomeA!, filter_subject: filterB, ack_policy: AckPolicy.None }),
        'publish',
        `$JS.API.CONSUMER.CREATE.${topo.streams.inbox}.${outcomeA}.${filterB}`,
      );
      await jsmSvc.consumers.add(topo.streams.inbox, { name: outcomeB!, filter_subject: filterB, ack_policy: AckPolicy.None, inactive_threshold: 10_000_000_000 });
      await expectRefused(
        a.request(`$JS.API.CONSUMER.MSG.NEXT.${topo.streams.inbox}.${outcomeB}`, JSON.stringify({ batch: 1, expires: 500_000_000 }), { timeout: 3_000 }),
        'publish',
        `$JS.API.CONSUMER.MSG.NEXT.${topo.streams.inbox}.${outcomeB}`,
      );
      await expectRefused(jsmA.consumers.delete(topo.streams.inbox, outcomeB!), 'publish', `$JS.API.CONSUMER.DELETE.${topo.streams.inbox}.${outcomeB}`);
      await jsmSvc.consumers.delete(topo.streams.inbox, outcomeB!);
    });

    it("refuses A pulling from or acking for B's durable, and reading B's copies directly", async () => {
      await expectRefused(
        a.request(`$JS.API.CONSUMER.MSG.NEXT.${topo.streams.inbox}.${durableB}`, JSON.stringify({ batch: 1, expires: 500_000_000 }), { timeout: 3_000 }),
        'publish',
        `$JS.API.CONSUMER.MSG.NEXT.${topo.streams.inbox}.${durableB}`,
      );
      await expectRefused(
        jsmA.streams.getMessage(topo.streams.inbox, { last_by_subj: topo.inboxSubject(B) }),
        'publish',
        `$JS.API.STREAM.MSG.GET.${topo.streams.inbox}`,
      );
      const ack = `$JS.ACK.${topo.streams.inbox}.${durableB}.1.2.2.0.0`;
      await expectRefused(a.request(ack, '+ACK', { timeout: 3_000 }), 'publish', ack);
      expect(await subjectCount(topo.streams.inbox, topo.inboxSubject(B))).toBe(1);
    });

    it("refuses core subscriptions to B's inbox, to other clients' replies and to any stream-captured subject", async () => {
      for (const subject of [topo.inboxSubject(B), topo.inboxWildcard, '_INBOX.>', topo.submitSubject(A), `$KV.${topo.kvAgencies}.>`, topo.eventWildcard]) {
        const sub = a.subscribe(subject);
        // the server answers SUB with -ERR before it answers the flush's PING
        await a.flush();
        expect({ subject, refused: sub.isClosed() }).toEqual({ subject, refused: true });
        expect(violation(await sub.closed)).toEqual({ operation: 'subscription', subject });
      }
    });
  });

  describe('streams', () => {
    it('refuses stream and consumer administration; every stream and consumer survives', async () => {
      const submitted = await subjectCount(topo.streams.submit, topo.submitSubject(A));
      expect(submitted).toBeGreaterThan(0);
      await expectRefused(jsmA.streams.delete(topo.streams.inbox), 'publish', `$JS.API.STREAM.DELETE.${topo.streams.inbox}`);
      await expectRefused(jsmA.streams.purge(topo.streams.submit), 'publish', `$JS.API.STREAM.PURGE.${topo.streams.submit}`);
      await expectRefused(jsmA.streams.deleteMessage(topo.streams.submit, 1), 'publish', `$JS.API.STREAM.MSG.DELETE.${topo.streams.submit}`);
      await expectRefused(
        jsmA.streams.add({ name: `${topo.streams.inbox}_COPY`, subjects: [`${topo.ns}.copy.>`] }),
        'publish',
        `$JS.API.STREAM.CREATE.${topo.streams.inbox}_COPY`,
      );
      const update = `$JS.API.STREAM.UPDATE.${topo.streams.inbox}`;
      await expectRefused(
        a.request(update, JSON.stringify({ name: topo.streams.inbox, subjects: [topo.inboxWildcard, `${topo.ns}.x.>`] }), { timeout: 3_000 }),
        'publish',
        update,
      );
      await expectRefused(
        jsmA.consumers.delete(topo.streams.inbox, inboxDurableName(A)),
        'publish',
        `$JS.API.CONSUMER.DELETE.${topo.streams.inbox}.${inboxDurableName(A)}`,
      );
      await expectRefused(
        jsmA.consumers.delete(topo.streams.submit, topo.consumers.router),
        'publish',
        `$JS.API.CONSUMER.DELETE.${topo.streams.submit}.${topo.consumers.router}`,
      );

      const names: string[] = [];
      for await (const n of jsmSvc.streams.names()) names.push(n);
      expect(names).toEqual(expect.arrayContaining([...Object.values(topo.streams), `KV_${topo.kvAgencies}`]));
      expect(await subjectCount(topo.streams.submit, topo.submitSubject(A))).toBe(submitted);
      expect((await jsmSvc.consumers.info(topo.streams.inbox, inboxDurableName(A))).name).toBe(inboxDurableName(A));
    });
  });

  describe('directory (KV)', () => {
    let kvA: KV;
    const key = 'H41.00.02.000';

    beforeAll(async () => {
      kvA = await new Kvm(jetstream(a)).open(topo.kvAgencies);
    });

    it('lets A get and watch the bucket, including later updates', async () => {
      expect((await kvA.get(key))?.json()).toEqual({ agency: { code: B }, keys: [] });
      const watch = await kvA.watch();
      const seen: string[] = [];
      const kvSvc = await openAgencyKv(svc, topo);
      for await (const e of watch) {
        seen.push(`${e.key}=${e.string()}`);
        if (seen.length === 1) await kvSvc.put('H41.00.01.000', JSON.stringify({ agency: { code: A }, keys: [] }));
        if (seen.length === 2) break;
      }
      watch.stop();
      expect(seen).toEqual([
        `${key}=${JSON.stringify({ agency: { code: B }, keys: [] })}`,
        `H41.00.01.000=${JSON.stringify({ agency: { code: A }, keys: [] })}`,
      ]);
    });

    it('refuses put, delete and purge; the entry is unchanged', async () => {
      const subject = `$KV.${topo.kvAgencies}.${key}`;
      await expectRefused(kvA.put(key, 'tampered'), 'publish', subject);
      await expectRefused(kvA.delete(key), 'publish', subject);
      await expectRefused(kvA.purge(key), 'publish', subject);
      expect((await (await openAgencyKv(svc, topo)).get(key))?.json()).toEqual({ agency: { code: B }, keys: [] });
    });
  });
  describe('hub services: each role only what it needs', () => {
    const seedFile = (name: string, seed: string) => {
      const path = join(dir, `${name}.nk`);
      writeFileSync(path, `${seed}\n`, { mode: 0o600 });
      return path;
    };

    it('connects a service with its seed file (connectHub), and names the problem when the seed is unknown', async () => {
      const gw = await connectHub({ natsUrl: url, natsSeedFile: seedFile('gateway', keys.gateway.seed) }, 'gateway', { reconnect: false });
      opened.push(gw);
      expect(gw.isClosed()).toBe(false);
      await expect(connectHub({ natsUrl: url, natsSeedFile: seedFile('stranger', createUserNkey().seed) }, 'x', { reconnect: false })).rejects.toMatchObject({
        code: 'UNAUTHENTICATED',
        message: expect.stringMatching(/credentials were refused/),
      });
      await expect(connectHub({ natsUrl: url }, 'x', { reconnect: false })).rejects.toMatchObject({ code: 'UNAUTHENTICATED', message: expect.stringMatching(/LT_NATS_SEED_FILE/) });
    });

    it('the gateway may call the registry but not write an inbox, the directory, or the dossier apply the router calls', async () => {
      const gw = await connectHub({ natsUrl: url, natsSeedFile: seedFile('gateway2', keys.gateway.seed) }, 'gateway', { reconnect: false });
      opened.push(gw);
      // allowed subject, nobody serving it: "no responders", not a permissions violation
      const copiesBefore = await subjectCount(topo.streams.inbox, topo.inboxSubject(A));
      const noResponder = await gw.request(topo.rpcSubject('registry', 'agency.get'), '{}', { timeout: 2_000 }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(violation(noResponder)).toBeUndefined();
      await expectRefused(jetstream(gw).publish(topo.inboxSubject(A), 'forged copy', { timeout: 5_000 }), 'publish', topo.inboxSubject(A));
      await expectRefused(gw.request(topo.rpcSubject('dossier', 'apply'), '{}', { timeout: 5_000 }), 'publish', topo.rpcSubject('dossier', 'apply'));
      const kv = await openAgencyKv(gw, topo);
      await expectRefused(kv.put('H41.00.01.000', '{}'), 'publish', `$KV.${topo.kvAgencies}.H41.00.01.000`);
      expect(await subjectCount(topo.streams.inbox, topo.inboxSubject(A))).toBe(copiesBefore);
    });

    it('a service answers the requests it serves, and only those: no publishing on agencies\' reply subjects', async () => {
      const registry = await connectHub({ natsUrl: url, natsSeedFile: seedFile('registry', keys.registry.seed) }, 'registry', { reconnect: false });
      opened.push(registry);
      const subject = topo.rpcSubject('registry', 'agency.get');
      registry.subscribe(subject, { callback: (_err, m) => void m.respond('pong') });
      await registry.flush();
      const gw = await connectHub({ natsUrl: url, natsSeedFile: seedFile('gateway3', keys.gateway.seed) }, 'gateway', { reconnect: false });
      opened.push(gw);
      expect((await gw.request(subject, 'ping', { timeout: 5_000 })).string()).toBe('pong');
      // a forged reply into an agency's reply prefix is not a response to any request it received
      const forged = `${agencyConnectionOptions(A, keys.a.seed).inboxPrefix}.forged`;
      await expectRefused(registry.request(forged, 'x', { timeout: 3_000 }), 'publish', forged);
    });

    it('the router may publish the hub keys but not edit an agency entry, delete a stream or read submissions with a core subscription', async () => {
      const router = await connectHub({ natsUrl: url, natsSeedFile: seedFile('router', keys.router.seed) }, 'router', { reconnect: false });
      opened.push(router);
      const kv = await openAgencyKv(router, topo);
      await kv.put('_hub.keys', JSON.stringify({ keys: [] }));
      await expectRefused(kv.put('H41.00.02.000', '{}'), 'publish', `$KV.${topo.kvAgencies}.H41.00.02.000`);
      const jsm = await jetstreamManager(router);
      await expectRefused(jsm.streams.delete(topo.streams.submit), 'publish', `$JS.API.STREAM.DELETE.${topo.streams.submit}`);
      const refused = new Promise<unknown>((resolve) => router.subscribe(topo.submitWildcard, { callback: (err) => resolve(err) }));
      expect(violation(await refused)).toEqual({ operation: 'subscription', subject: topo.submitWildcard });
    });

    it('every service answers the status request, the operator and the gateway ask it, an agency can neither ask nor listen', async () => {
      const status = serviceStatusSubject(topo.ns);
      const router = await connectHub({ natsUrl: url, natsSeedFile: seedFile('router-status', keys.router.seed) }, 'router', { reconnect: false });
      const registry = await connectHub({ natsUrl: url, natsSeedFile: seedFile('registry-status', keys.registry.seed) }, 'registry', { reconnect: false });
      const gw = await connectHub({ natsUrl: url, natsSeedFile: seedFile('gateway-status', keys.gateway.seed) }, 'gateway', { reconnect: false });
      opened.push(router, registry, gw);
      const log = pino({ level: 'silent' });
      const answering = [
        await startObservability({ service: 'router', instance: 'r', log, nc: router, ns: topo.ns, env: {} }),
        await startObservability({ service: 'registry', instance: 'g', log, nc: registry, ns: topo.ns, env: {} }),
        // the gateway answers too (allow_responses on its own subscription)
        await startObservability({ service: 'gateway', instance: 'w', log, nc: gw, ns: topo.ns, env: {} }),
      ];
      try {
        await Promise.all([router.flush(), registry.flush(), gw.flush()]);
        for (const asker of [gw, svc]) {
          const answers = await collectServiceStatus(asker, topo.ns, 1_000);
          expect(answers.map((s) => `${s.service} ${s.ready.ready}`)).toEqual(['gateway true', 'registry true', 'router true']);
        }
        await expectRefused(a.request(status, '', { timeout: 3_000 }), 'publish', status);
        const refused = new Promise<unknown>((resolve) => a.subscribe(status, { callback: (err) => resolve(err) }));
        expect(violation(await refused)).toEqual({ operation: 'subscription', subject: status });
        // a service may answer but not ask
        await expectRefused(router.request(status, '', { timeout: 3_000 }), 'publish', status);
      } finally {
        for (const o of answering) await o.stop();
      }
    });

    it("every service may read the hub's queue figures (its durables' lag, the dead-letter depth) that its metrics report; an agency may not", async () => {
      for (const { stream, consumer } of hubDurables(topo)) {
        await jsmSvc.consumers.add(stream, { durable_name: consumer, ack_policy: AckPolicy.Explicit }).catch(() => undefined);
      }
      for (const role of ['gateway', 'dossier', 'registry', 'attachments', 'router', 'audit'] as const) {
        const nc = await connectHub({ natsUrl: url, natsSeedFile: seedFile(`${role}-queues`, keys[role].seed) }, role, { reconnect: false });
        opened.push(nc);
        const jsm = await jetstreamManager(nc);
        for (const { stream, consumer } of hubDurables(topo)) {
          expect({ role, consumer, name: (await jsm.consumers.info(stream, consumer)).name }).toEqual({ role, consumer, name: consumer });
        }
        expect((await jsm.streams.info(topo.streams.deadLetter)).config.name).toBe(topo.streams.deadLetter);
      }
      const { stream, consumer } = hubDurables(topo)[0]!;
      await expectRefused((await jetstreamManager(a)).consumers.info(stream, consumer), 'publish', `$JS.API.CONSUMER.INFO.${stream}.${consumer}`);
    });

    it("the router may list the inbox stream's consumers (the agencies' backlog), and no other stream's", async () => {
      const router = await connectHub({ natsUrl: url, natsSeedFile: seedFile('router-backlog', keys.router.seed) }, 'router', { reconnect: false });
      opened.push(router);
      const backlogs = await readInboxBacklogs(router, topo);
      // A's durable exists (created by A above)
      expect(backlogs.consumers).toBeGreaterThanOrEqual(1);
      const jsm = await jetstreamManager(router);
      await expectRefused(jsm.consumers.list(topo.streams.submit).next(), 'publish', `$JS.API.CONSUMER.LIST.${topo.streams.submit}`);
    });

    it('the operator may snapshot and restore a stream (`lienthong backup`, `restore`); an agency may not ask for a snapshot', async () => {
      const name = `${topo.ns.toUpperCase()}_SNAPTEST`;
      await jsmSvc.streams.add({ name, subjects: [`${topo.ns}.snaptest.>`], storage: StorageType.File });
      try {
        const js = jetstream(svc);
        for (let i = 0; i < 3; i++) await js.publish(`${topo.ns}.snaptest.x`, new Uint8Array([i]));
        const chunks: Uint8Array[] = [];
        const meta = await snapshotStream(svc, name, (c) => void chunks.push(c));
        await jsmSvc.streams.delete(name);
        const state = await restoreStream(
          svc,
          meta,
          (async function* () {
            yield* chunks;
          })(),
        );
        expect(state.messages).toBe(3);
        await expectRefused(
          snapshotStream(a, name, () => undefined),
          'publish',
          `$JS.API.STREAM.SNAPSHOT.${name}`,
        );
      } finally {
        await jsmSvc.streams.delete(name).catch(() => undefined);
      }
    });
  });

  describe('attachments: only through the hub service, only for the sender and the recipients', () => {
    const att = attachmentSubjects(topo);
    let service: AttachmentService;
    let endpoint: AttachmentEndpoint;
    let b: NatsConnection;
    let ref: Awaited<ReturnType<typeof uploadAttachment>>;
    const bytes = randomBytes(700_000);
    const seed = (name: string, s: string) => {
      const path = join(dir, `${name}.nk`);
      writeFileSync(path, `${s}\n`, { mode: 0o600 });
      return path;
    };
    const bind = async (req: AttachmentBindRequest) => {
      const router = await connectHub({ natsUrl: url, natsSeedFile: seed('router-att', keys.router.seed) }, 'router', { reconnect: false });
      opened.push(router);
      const reply = JSON.parse((await router.request(att.bind, JSON.stringify(req), { timeout: 5_000 })).string()) as { ok: boolean; error?: { code: string } };
      return reply.ok ? 'ok' : reply.error!.code;
    };

    beforeAll(async () => {
      // the service with its own user: creating its buckets, storing and reading need nothing more
      const nc = await connectHub({ natsUrl: url, natsSeedFile: seed('attachments', keys.attachments.seed) }, 'attachments', { reconnect: false });
      opened.push(nc);
      const settings = { maxBytes: 1 << 30, maxPerEnvelope: 100, unboundTtlMs: 60_000, retentionMs: 86_400_000, sweepIntervalMs: 0 };
      service = await AttachmentService.open(nc, topo, settings, systemClock, pino({ level: 'silent' }), 'memory');
      endpoint = new AttachmentEndpoint(nc, service, pino({ level: 'silent' }));
      endpoint.start();
      await nc.flush();
      b = await connect({ servers: url, ...agencyConnectionOptions(B, keys.b.seed) });
      opened.push(b);
      ref = await uploadAttachment(new AttachmentChannel(a, topo, A), { name: 'cong-van.pdf', stream: Readable.from([bytes]) });
    });

    afterAll(async () => {
      await endpoint?.stop();
      service?.close();
    });

    it('A uploads as A, but cannot open, send chunks or ask status as B', async () => {
      expect(ref.size).toBe(bytes.byteLength);
      for (const op of ['open', 'chunk', 'status', 'get', 'read'] as const) {
        await expectRefused(a.request(att.op(B, op), '{}', { timeout: 3_000 }), 'publish', att.op(B, op));
      }
    });

    it('B cannot read an upload not addressed to it (even knowing its id); once the router binds B, B reads it verified', async () => {
      const chB = new AttachmentChannel(b, topo, B);
      await expect(chB.call('get', { id: ref.id })).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
      expect(await bind({ envelopeId: '01a248c4-0000-7000-8000-000000000001', sender: A, recipients: [A], attachments: [ref], receivedAt: new Date().toISOString() })).toBe('ok');
      await expect(chB.call('get', { id: ref.id })).rejects.toMatchObject({ code: 'ATTACHMENT_NOT_FOUND' });
      // another envelope cannot take it over for B
      expect(await bind({ envelopeId: '01a248c4-0000-7000-8000-000000000002', sender: A, recipients: [B], attachments: [ref], receivedAt: new Date().toISOString() })).toBe('ATTACHMENT_IN_USE');
      await expect(chB.call('get', { id: ref.id })).rejects.toBeInstanceOf(LtError);
      // B's own upload, bound to B's envelope addressed to A: A reads it
      const ofB = await uploadAttachment(chB, { name: 'tra-loi.pdf', stream: Readable.from([bytes]) });
      expect(await bind({ envelopeId: '01a248c4-0000-7000-8000-000000000003', sender: B, recipients: [A], attachments: [ofB], receivedAt: new Date().toISOString() })).toBe('ok');
      let size = 0;
      for await (const c of downloadAttachment(new AttachmentChannel(a, topo, A), ofB)) size += (c as Buffer).byteLength;
      expect(size).toBe(bytes.byteLength);
    });

    it('an agency cannot touch the object store: its chunk and meta subjects, its stream, direct gets, subscriptions', async () => {
      const stream = `OBJ_${att.bucket}`;
      await expectRefused(jetstream(a).publish(`$O.${att.bucket}.C.forged`, 'x', { timeout: 3_000 }), 'publish', `$O.${att.bucket}.C.forged`);
      await expectRefused(a.request(`$O.${att.bucket}.M.Zm9v`, '{}', { timeout: 3_000 }), 'publish', `$O.${att.bucket}.M.Zm9v`);
      await expectRefused(jsmA.streams.info(stream), 'publish', `$JS.API.STREAM.INFO.${stream}`);
      await expectRefused(a.request(`$JS.API.DIRECT.GET.${stream}`, JSON.stringify({ seq: 1 }), { timeout: 3_000 }), 'publish', `$JS.API.DIRECT.GET.${stream}`);
      await expectRefused(jsmA.streams.purge(stream), 'publish', `$JS.API.STREAM.PURGE.${stream}`);
      const refused = new Promise<unknown>((resolve) => a.subscribe(`$O.${att.bucket}.>`, { callback: (err) => resolve(err) }));
      expect(violation(await refused)).toEqual({ operation: 'subscription', subject: `$O.${att.bucket}.>` });
      // the index bucket neither
      await expectRefused(a.request(`$KV.${att.index}.${ref.id}`, '{}', { timeout: 3_000 }), 'publish', `$KV.${att.index}.${ref.id}`);
    });
  });
});
