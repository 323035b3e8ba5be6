/**
 * Router throughput and latency through the whole pipeline (numbers, not pass/fail):
 *   agency publish -> LT_SUBMIT -> router (verify, validate, register in Postgres, fan out) -> LT_INBOX -> reader
 * against a raw JetStream relay of the same payloads on the same streams layout (consume, publish
 * with msgID, ackAck; no verification, no database) and a raw single hop (publish + consume).
 *
 *   npm run bench:router        (builds, then runs dist/bench/router.bench.js)
 *
 * The router runs in-process on the main thread, exactly as createRouterService runs it. The
 * agencies' side (signing, publishing, reading inboxes) runs in a worker thread so it does not
 * share the router's event loop (it still shares the 2 cores, as agency systems would not).
 * Env: BENCH_DOCS (throughput run, default 20000), BENCH_RATE (default 500/s), BENCH_SECONDS
 * (latency run, default 10, after 1 s of uncounted warm-up), BENCH_VERIFY (inline,pool: modes to measure), BENCH_MAX_BATCH (router maxBatch, default 512),
 * BENCH_TRACEPARENT=1 (each submission carries a W3C traceparent header, as the SDK writes one).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism, cpus, loadavg } from 'node:os';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';
import { jetstream, jetstreamManager, RetentionPolicy, StorageType, type JsMsg } from '@nats-io/jetstream';
import { headers as natsHeaders, nanos } from '@nats-io/nats-core';
import pino from 'pino';
import { codeToSubjectTokens, HEADERS, topology, uuidv7, type AgencyKvEntry, type DocumentBody, type Topology } from '@lt/contracts';
import { importPrivateKey, signEnvelope } from '@lt/crypto';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import { testAgencyEntry } from '@lt/directory';
import { connectNats, destroyTopology, DurableConsumerRunner, ensureTopology, JetStreamPublisher, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { newEd25519KeyFile, type KeyFile } from '@lt/platform';
import { AgencyDirectory, createRouterService, defaultRoutingPolicy, routeSubmission } from '../apps/router/src/index';
import { PostgresRoutingRegister } from '../apps/router/src/adapters/postgres-register';
import { numberedDocumentBody } from './suite/documents';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const DOCS = Number(process.env.BENCH_DOCS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 500);
const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const VERIFY_MODES = (process.env.BENCH_VERIFY ?? 'inline,pool').split(',') as Array<'inline' | 'pool'>;
const MAX_BATCH = process.env.BENCH_MAX_BATCH ? Number(process.env.BENCH_MAX_BATCH) : undefined;
const TRACEPARENT = process.env.BENCH_TRACEPARENT === '1';
const AGENCIES = 20;
/** 20 agencies publishing BENCH_DOCS at full speed are far above any agency's rate: keep the limiter on, never refusing */
const NO_RATE_LIMIT = { submitRatePerSecond: 1_000_000, submitBurst: 10_000_000 };

interface AgencyKeys {
  code: string;
  kid: string;
  key: KeyFile;
}

/** Where the worker publishes and what it reads back. */
interface Route {
  /** subject per sender code for submissions */
  kind: 'router' | 'relay' | 'single';
  ns: string;
  inStream: string;
  outStream: string;
}

type WorkerCmd =
  | { cmd: 'prepare'; count: number; tag: string }
  | { cmd: 'throughput'; route: Route; tag: string }
  | { cmd: 'latency'; route: Route; tag: string; rate: number; seconds: number };

type WorkerResult = { ok: true; elapsedMs?: number; received?: number; latencies?: number[] } | { ok: false; error: string };

// ------------------------------------------------------------------ agency side (worker thread)

/** numbers differ between runs: the router's Decree 30 register would flag reused ones */
const RUN_BASE = 1_000_000_000 + Math.floor(Math.random() * 8_000_000_000);
let runOffset = 0;

function documentBody(i: number): DocumentBody {
  return numberedDocumentBody(String(RUN_BASE + runOffset + i), i);
}

async function workerMain(): Promise<void> {
  const { agencies } = workerData as { agencies: AgencyKeys[] };
  const keys = agencies.map((a) => ({ ...a, signing: importPrivateKey(a.key.privateJwk, 'EdDSA') }));
  const nc = await connectNats(NATS_URL, 'bench-agencies', { noAsyncTraces: true });
  const js = jetstream(nc);
  const prepared = new Map<string, Array<{ from: string; to: string; id: string; bytes: Buffer }>>();

  const nextRun = () => (runOffset += 1_000_000);
  const sign = (i: number, issuedAt: string) => {
    const sender = keys[i % keys.length]!;
    const to = keys[(i + 1 + (i % (keys.length - 1))) % keys.length]!.code;
    const env = { id: uuidv7(), kind: 'document', from: sender.code, to: [to], issuedAt, body: documentBody(i) };
    return { from: sender.code, to, id: env.id, bytes: Buffer.from(JSON.stringify(signEnvelope(env, sender.signing, sender.kid))) };
  };
  const subjectFor = (route: Route, from: string) => {
    const topo = topology(route.ns);
    if (route.kind === 'router') return topo.submitSubject(from);
    if (route.kind === 'relay') return `${route.ns}.rawin.${codeToSubjectTokens(from)}`;
    return `${route.ns}.rawout.${codeToSubjectTokens(from)}`;
  };
  /** Reads the output stream; calls onMsg per message until `stop()` resolves true. */
  const readOutput = async (route: Route, onMsg: (m: JsMsg) => void, done: () => boolean): Promise<void> => {
    const consumer = await js.consumers.get(route.outStream, { headers_only: true });
    const iter = await consumer.consume({ max_messages: 4096 });
    for await (const m of iter) {
      onMsg(m);
      if (done()) break;
    }
    await iter.close();
  };

  /** the message id, and a fresh traceparent per submission under BENCH_TRACEPARENT=1 */
  const publishOptions = (msgID: string) => {
    if (!TRACEPARENT) return { msgID };
    const h = natsHeaders();
    h.set('traceparent', `00-${randomBytes(16).toString('hex')}-${randomBytes(8).toString('hex')}-01`);
    return { msgID, headers: h };
  };

  parentPort!.on('message', async (msg: WorkerCmd) => {
    try {
      if (msg.cmd === 'prepare') {
        const now = new Date().toISOString();
        nextRun();
        prepared.set(
          msg.tag,
          Array.from({ length: msg.count }, (_, i) => sign(i, now)),
        );
        parentPort!.postMessage({ ok: true } satisfies WorkerResult);
        return;
      }
      if (msg.cmd === 'throughput') {
        const docs = prepared.get(msg.tag)!;
        let received = 0;
        const start = performance.now();
        const reading = readOutput(
          msg.route,
          () => received++,
          () => received >= docs.length,
        );
        // an agency population publishing as fast as the server acknowledges, 1,000 in flight
        for (let i = 0; i < docs.length; i += 1000) {
          await Promise.all(docs.slice(i, i + 1000).map((d) => js.publish(subjectFor(msg.route, d.from), d.bytes, publishOptions(d.id))));
        }
        await reading;
        parentPort!.postMessage({ ok: true, elapsedMs: performance.now() - start, received } satisfies WorkerResult);
        return;
      }
      // open loop: message i is due at start + i/rate whatever happened before; latency counts from
      // that due time. The first second warms the path up (JIT, pools) and is not counted.
      const count = Math.round(msg.rate * msg.seconds);
      const warm = Math.round(msg.rate);
      nextRun();
      const docs = Array.from({ length: warm + count }, (_, i) => sign(i, new Date(Date.now() + (i * 1000) / msg.rate).toISOString()));
      const due = new Map<string, number>();
      const latencies: number[] = [];
      const reading = readOutput(
        msg.route,
        (m) => {
          const id = msg.route.kind === 'single' ? (m.headers?.get('Nats-Msg-Id') ?? '') : (m.headers?.get(HEADERS.envelopeId) ?? '');
          const t = due.get(id);
          if (t !== undefined && t >= 0) latencies.push(performance.now() - t);
        },
        () => latencies.length >= count,
      );
      const start = performance.now() + 50;
      const inflight: Promise<unknown>[] = [];
      for (let i = 0; i < docs.length; i++) {
        const at = start + (i * 1000) / msg.rate;
        const wait = at - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const d = docs[i]!;
        due.set(d.id, i < warm ? -1 : at);
        inflight.push(js.publish(subjectFor(msg.route, d.from), d.bytes, publishOptions(d.id)));
      }
      await Promise.all(inflight);
      await reading;
      parentPort!.postMessage({ ok: true, latencies } satisfies WorkerResult);
    } catch (err) {
      parentPort!.postMessage({ ok: false, error: (err as Error).stack ?? String(err) } satisfies WorkerResult);
    }
  });
}

// ------------------------------------------------------------------ hub side (main thread)

class AgencyWorker {
  private readonly worker: Worker;
  constructor(agencies: AgencyKeys[]) {
    this.worker = new Worker(__filename, { workerData: { agencies } });
  }
  run(cmd: WorkerCmd): Promise<WorkerResult & { ok: true }> {
    return new Promise((resolve, reject) => {
      this.worker.once('message', (r: WorkerResult) => (r.ok ? resolve(r) : reject(new Error(r.error))));
      this.worker.postMessage(cmd);
    });
  }
  terminate(): Promise<number> {
    return this.worker.terminate();
  }
}

function directoryEntries(agencies: AgencyKeys[]): AgencyKvEntry[] {
  return agencies.map((a) => testAgencyEntry(a.code, { name: a.code, keyId: a.key.keyId, publicJwk: a.key.publicJwk }));
}

async function rawStreams(nc: NatsConnection, ns: string): Promise<{ inStream: string; outStream: string; drop: () => Promise<void> }> {
  const jsm = await jetstreamManager(nc);
  const up = ns.toUpperCase();
  const inStream = `${up}_RAWIN`;
  const outStream = `${up}_RAWOUT`;
  await jsm.streams.add({
    name: inStream,
    subjects: [`${ns}.rawin.>`],
    retention: RetentionPolicy.Workqueue,
    storage: StorageType.File,
    duplicate_window: nanos(3_600_000),
  });
  await jsm.streams.add({
    name: outStream,
    subjects: [`${ns}.rawout.>`],
    retention: RetentionPolicy.Limits,
    storage: StorageType.File,
    duplicate_window: nanos(1_200_000),
  });
  return {
    inStream,
    outStream,
    drop: async () => {
      await jsm.streams.delete(inStream);
      await jsm.streams.delete(outStream);
    },
  };
}

/** The router's place taken by a relay that only moves bytes: consume, publish with msgID, ackAck. */
function startRelay(nc: NatsConnection, ns: string, inStream: string): DurableConsumerRunner {
  const pub = new JetStreamPublisher(nc, topology(ns));
  return new DurableConsumerRunner(
    nc,
    { stream: inStream, durable: 'relay', maxBatch: 512 },
    async (batch) => {
      await Promise.all(
        batch.map((m) =>
          pub.publish(m.subject.replace('.rawin.', '.rawout.'), m.data, `${m.headers?.get('Nats-Msg-Id') ?? m.seq}:x`, {
            [HEADERS.envelopeId]: m.headers?.get('Nats-Msg-Id') ?? '',
          }),
        ),
      );
      await Promise.all(batch.map((m) => m.ackAck()));
    },
    pino({ level: 'silent' }),
  );
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

interface Row {
  name: string;
  docsPerSec?: number;
  p50?: number;
  p99?: number;
  max?: number;
}

async function main(): Promise<void> {
  console.log(
    `router bench: node ${process.version}, ${availableParallelism()} CPUs (${cpus()[0]?.model ?? '?'}), ${DOCS} docs for throughput, ${RATE}/s for ${SECONDS} s for latency, file streams, load average ${loadavg()[0]!.toFixed(1)} (other processes share these cores)`,
  );
  const agencies: AgencyKeys[] = Array.from({ length: AGENCIES }, (_, i) => {
    const code = `000.00.${String(i + 1).padStart(2, '0')}.H41`;
    const key = newEd25519KeyFile('bench');
    return { code, kid: `${code}#bench`, key };
  });
  const worker = new AgencyWorker(agencies);
  const nc = await connectNats(NATS_URL, 'bench-hub', { noAsyncTraces: true });
  const db: TestDatabase = await createTestDatabase();
  const rows: Row[] = [];
  const log = pino({ level: 'warn' });
  const hubKey = newEd25519KeyFile('hub-bench');

  const freshNamespace = async (): Promise<Topology> => {
    const topo = topology(`b${randomBytes(4).toString('hex')}`);
    await ensureTopology(nc, topo, { storage: 'file' });
    const kv = await openAgencyKv(nc, topo);
    await Promise.all(directoryEntries(agencies).map((e) => kv.put(codeToSubjectTokens(e.agency.code), JSON.stringify(e))));
    return topo;
  };

  try {
    await costBreakdown(agencies, db);

    // ---- raw baselines
    for (const kind of ['single', 'relay'] as const) {
      const topo = topology(`b${randomBytes(4).toString('hex')}`);
      const raw = await rawStreams(nc, topo.ns);
      const relay = kind === 'relay' ? startRelay(nc, topo.ns, raw.inStream) : null;
      await relay?.start();
      const route: Route = { kind, ns: topo.ns, inStream: raw.inStream, outStream: raw.outStream };
      const name = kind === 'single' ? 'raw JetStream publish + consume (1 hop)' : 'raw JetStream relay (2 hops, no router logic)';
      await worker.run({ cmd: 'prepare', count: DOCS, tag: name });
      const t = await worker.run({ cmd: 'throughput', route, tag: name });
      await relay?.stop();
      await raw.drop();
      const raw2 = await rawStreams(nc, topo.ns);
      const relay2 = kind === 'relay' ? startRelay(nc, topo.ns, raw2.inStream) : null;
      await relay2?.start();
      const l = await worker.run({
        cmd: 'latency',
        route: { ...route, inStream: raw2.inStream, outStream: raw2.outStream },
        tag: name,
        rate: RATE,
        seconds: SECONDS,
      });
      await relay2?.stop();
      await raw2.drop();
      const sorted = l.latencies!.sort((a, b) => a - b);
      rows.push({
        name,
        docsPerSec: (t.received! * 1000) / t.elapsedMs!,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1],
      });
      console.log(fmt(rows[rows.length - 1]!));
    }

    // ---- the router, per verification mode
    for (const verify of VERIFY_MODES) {
      const name = `router (verify ${verify})`;
      const topo = await freshNamespace();
      const router = createRouterService({ nc, ds: db.ds, ns: topo.ns, log, hubKey, options: { verify, ...NO_RATE_LIMIT, ...(MAX_BATCH ? { maxBatch: MAX_BATCH } : {}) } });
      await router.start();
      await worker.run({ cmd: 'prepare', count: DOCS, tag: name });
      const route: Route = { kind: 'router', ns: topo.ns, inStream: topo.streams.submit, outStream: topo.streams.inbox };
      // how busy the router's own thread is, whatever the other processes do to the wall clock
      const elu0 = performance.eventLoopUtilization();
      const t = await worker.run({ cmd: 'throughput', route, tag: name });
      const elu = performance.eventLoopUtilization(elu0);
      const busyUsPerDoc = (elu.active * 1000) / t.received!;
      const stats = { ...router.stats };
      await router.stop();
      await destroyTopology(nc, topo);

      const topo2 = await freshNamespace();
      const router2 = createRouterService({ nc, ds: db.ds, ns: topo2.ns, log, hubKey, options: { verify, ...NO_RATE_LIMIT, ...(MAX_BATCH ? { maxBatch: MAX_BATCH } : {}) } });
      await router2.start();
      const l = await worker.run({
        cmd: 'latency',
        route: { kind: 'router', ns: topo2.ns, inStream: topo2.streams.submit, outStream: topo2.streams.inbox },
        tag: name,
        rate: RATE,
        seconds: SECONDS,
      });
      await router2.stop();
      await destroyTopology(nc, topo2);
      const sorted = l.latencies!.sort((a, b) => a - b);
      rows.push({
        name,
        docsPerSec: (t.received! * 1000) / t.elapsedMs!,
        p50: percentile(sorted, 50),
        p99: percentile(sorted, 99),
        max: sorted[sorted.length - 1],
      });
      console.log(
        `${fmt(rows[rows.length - 1]!)}   [${stats.batches} batches, avg ${(stats.delivered / Math.max(1, stats.batches)).toFixed(0)} docs/batch, refused ${stats.refused}; router thread busy ${busyUsPerDoc.toFixed(0)} µs/doc = ${(1e6 / busyUsPerDoc).toFixed(0)} docs/s per fully available core, ${(elu.utilization * 100).toFixed(0)}% utilised]`,
      );
    }

    console.log(`load average at the end: ${loadavg()[0]!.toFixed(1)}`);
    const relayRow = rows.find((r) => r.name.startsWith('raw JetStream relay'))!;
    const singleRow = rows.find((r) => r.name.startsWith('raw JetStream publish'))!;
    console.log('\nratios (router / raw):');
    for (const r of rows.filter((x) => x.name.startsWith('router'))) {
      console.log(
        `  ${r.name.padEnd(26)} throughput ${(r.docsPerSec! / relayRow.docsPerSec!).toFixed(2)} of the relay, ${(r.docsPerSec! / singleRow.docsPerSec!).toFixed(2)} of one hop; p99 ${(r.p99! / relayRow.p99!).toFixed(1)}x the relay's`,
      );
    }
  } finally {
    await worker.terminate();
    await nc.drain();
    await db.drop();
  }
}

/**
 * Where the router's time goes, without NATS: the decision path per document on this thread
 * (decode, verify, validate, resolve) and one register statement per batch size.
 */
async function costBreakdown(agencies: AgencyKeys[], db: TestDatabase): Promise<void> {
  const directory = new AgencyDirectory();
  for (const e of directoryEntries(agencies)) directory.apply(e);
  const ctx = { ns: 'lt', directory, policy: defaultRoutingPolicy };
  const signing = agencies.map((a) => ({ ...a, signing: importPrivateKey(a.key.privateJwk, 'EdDSA') }));
  const now = new Date().toISOString();
  const subs = Array.from({ length: 4000 }, (_, i) => {
    const sender = signing[i % signing.length]!;
    const env = { id: uuidv7(), kind: 'document', from: sender.code, to: [signing[(i + 1) % signing.length]!.code], issuedAt: now, body: documentBody(i) };
    const data = Buffer.from(JSON.stringify(signEnvelope(env, sender.signing, sender.kid)));
    return { subject: topology('lt').submitSubject(sender.code), data, seq: i + 1, receivedAtMs: Date.now() };
  });
  for (const sub of subs.slice(0, 500)) routeSubmission(sub, ctx); // warm-up
  const t0 = performance.now();
  for (const sub of subs) if (routeSubmission(sub, ctx).type !== 'deliver') throw new Error('bench document refused');
  const perDoc = ((performance.now() - t0) * 1000) / subs.length;
  console.log(
    `decision path alone (decode + verify + validate + resolve, ${subs[0]!.data.length} B): ${perDoc.toFixed(0)} µs/doc = ${(1e6 / perDoc).toFixed(0)} docs/s on one core`,
  );

  const reg = new PostgresRoutingRegister(db.ds);
  for (const size of [1, 500]) {
    const rounds = size === 1 ? 200 : 20;
    const t1 = performance.now();
    for (let r = 0; r < rounds; r++) {
      const envs = Array.from({ length: size }, (_, i) => ({ id: uuidv7(), sender: agencies[0]!.code, seq: r * size + i + 1, digest: 'a'.repeat(64) }));
      const nums = envs.map((e) => ({ envelopeId: e.id, sender: e.sender, year: 2026, codeNumber: `${size}-${e.seq}`, codeNotation: 'BENCH' }));
      await reg.record(envs, nums, new Date());
    }
    console.log(`register statement, batch of ${size}: ${((performance.now() - t1) / rounds).toFixed(2)} ms (one commit)`);
  }
}

function fmt(r: Row): string {
  return `${r.name.padEnd(46)} ${r.docsPerSec!.toFixed(0).padStart(7)} docs/s   at ${RATE}/s: p50 ${r.p50!.toFixed(1).padStart(6)} ms  p99 ${r.p99!.toFixed(1).padStart(6)} ms  max ${r.max!.toFixed(1).padStart(7)} ms`;
}

// The agencies' worker thread runs this same file.
if (isMainThread) {
  main().then(
    () => process.exit(0),
    (e: unknown) => {
      console.error(e);
      process.exit(1);
    },
  );
} else {
  void workerMain();
}
