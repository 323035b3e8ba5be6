import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { uuidv7, type DocumentBody } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import type { LienThongClient, SendDocumentInput } from '@lt/sdk';
import { publishWindowed, PUBLISH_TIMEOUT_MS, type Payload } from './baselines';
import type { BenchConfig } from './config';
import type { BenchDirectory, Sender } from './directory';
import { documentBody } from './documents';
import { ADMIN_TIMEOUT_MS, type BenchHub } from './hub';
import type { InboxWatcher } from './inbox-watch';
import { startSampling, type ProcessUsage, type TrackedProcess } from './procstat';
import { ProgressBar } from './progress';
import { perSecond, summarize, type LatencySummary } from './stats';

/**
 * The measured scenarios. Each one runs under a CPU/RSS sampler, waits until every copy it sent
 * is in the inbox stream, then lets the router and the audit finish their backlog (so the next
 * scenario starts from an idle hub) and counts what the hub wrote per document.
 */

export interface BenchContext {
  cfg: BenchConfig;
  hub: BenchHub;
  dir: BenchDirectory;
  senders: Sender[];
  clients: Map<string, LienThongClient>;
  /** the agencies' connection (SDK clients, raw publishes) */
  agencyNc: NatsConnection;
  watcher: InboxWatcher;
  processes: TrackedProcess[];
  /** refreshes pids that change (the database's backends) before a scenario is sampled */
  refreshProcesses(): Promise<void>;
}

export interface Measured<T> {
  result: T;
  /** CPU and peak RSS per process while the scenario ran */
  usage: ProcessUsage[];
  wallMs: number;
  /** time after the scenario until the router's and the audit's consumers had nothing pending */
  settleMs: number;
  settled: boolean;
  /** per document: JetStream messages stored per stream, rows inserted per table */
  perDoc: { messages: Record<string, number>; rows: Record<string, number> };
  /**
   * largest backlog (not yet delivered + delivered but unacked) seen per service consumer while the
   * scenario ran, sampled every 250 ms: where work piles up is where the pipeline is slowest
   */
  maxBacklog: Record<string, number>;
}

/** Samples the backlog of the hub's own durable consumers (agencies' inbox consumers excluded) until stopped. */
function sampleBacklogs(ctx: BenchContext): { stop(): Promise<Record<string, number>> } {
  const max: Record<string, number> = {};
  let running = true;
  const loop = (async () => {
    const jsm = await jetstreamManager(ctx.hub.nc, { timeout: ADMIN_TIMEOUT_MS });
    const { submit, inbox, events } = ctx.hub.topo.streams;
    while (running) {
      try {
        for (const [label, stream] of [
          ['submit', submit],
          ['inbox', inbox],
          ['events', events],
        ] as const) {
          for await (const c of jsm.consumers.list(stream)) {
            if (!isServiceConsumer(c.name, c.config.durable_name)) continue;
            const key = `${label}/${c.name}`;
            max[key] = Math.max(max[key] ?? 0, c.num_pending + c.num_ack_pending);
          }
        }
      } catch {
        // a slow answer under load: try again at the next tick
      }
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  return {
    async stop() {
      running = false;
      await loop;
      return max;
    },
  };
}

// ------------------------------------------------------------------ helpers

/** Deterministic pseudo-random numbers, so two runs send the same traffic pattern. */
export function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A recipient for `sender`, anywhere in the directory but never the sender itself. */
function recipientPicker(dir: BenchDirectory, seed: number): (sender: string) => string {
  const rnd = prng(seed);
  const codes = dir.agencies.map((a) => a.code);
  return (sender) => {
    for (;;) {
      const c = codes[Math.floor(rnd() * codes.length)]!;
      if (c !== sender) return c;
    }
  };
}

/** The hub services' durable consumers: not the agencies' inbox consumers, not the bench's own ordered consumer. */
function isServiceConsumer(name: string, durable: string | undefined): boolean {
  return Boolean(durable) && !name.startsWith('inbox_');
}

async function streamSeqs(ctx: BenchContext): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const [label, name] of Object.entries({ submit: ctx.hub.topo.streams.submit, inbox: ctx.hub.topo.streams.inbox, events: ctx.hub.topo.streams.events })) {
    out[label] = (await ctx.hub.streamInfo(name)).state.last_seq;
  }
  return out;
}

async function tableRows(ctx: BenchContext): Promise<Record<string, number>> {
  // plain tables and partitions; a partitioned parent would count its partitions' rows again
  const tables: Array<{ tablename: string }> = await ctx.hub.ds.query(
    "SELECT c.relname AS tablename FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' AND c.relkind = 'r' AND c.relname <> 'lt_migrations' ORDER BY 1",
  );
  const out: Record<string, number> = {};
  for (const { tablename } of tables) {
    const [row] = (await ctx.hub.ds.query(`SELECT count(*)::bigint AS n FROM "${tablename}"`)) as Array<{ n: string }>;
    out[tablename] = Number(row!.n);
  }
  return out;
}

/** Waits until every durable consumer of the hub's own services has nothing pending (agencies' inbox consumers excluded). */
async function settle(ctx: BenchContext, timeoutMs: number): Promise<boolean> {
  const jsm = await jetstreamManager(ctx.hub.nc, { timeout: ADMIN_TIMEOUT_MS });
  const { submit, inbox, events } = ctx.hub.topo.streams;
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    ctx.hub.assertAlive();
    let pending = 0;
    for (const stream of [submit, inbox, events]) {
      for await (const c of jsm.consumers.list(stream)) {
        if (!isServiceConsumer(c.name, c.config.durable_name)) continue;
        pending += c.num_pending + c.num_ack_pending;
      }
    }
    if (pending === 0) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

export async function measure<T>(ctx: BenchContext, docs: number, fn: () => Promise<T>): Promise<Measured<T>> {
  const seq0 = await streamSeqs(ctx);
  const rows0 = await tableRows(ctx);
  await ctx.refreshProcesses();
  // database backends are looked up again every second: the services' pools open and close them
  const refresher = setInterval(() => void ctx.refreshProcesses().catch(() => undefined), 1_000);
  const sampler = startSampling(ctx.processes);
  const backlogs = sampleBacklogs(ctx);
  const t0 = performance.now();
  const result = await fn();
  const wallMs = performance.now() - t0;
  const usage = sampler.stop();
  clearInterval(refresher);
  const maxBacklog = await backlogs.stop();
  const s0 = performance.now();
  const settled = await settle(ctx, ctx.cfg.quick ? 30_000 : 90_000);
  const settleMs = performance.now() - s0;
  const seq1 = await streamSeqs(ctx);
  const rows1 = await tableRows(ctx);
  const per = (a: Record<string, number>, b: Record<string, number>) =>
    Object.fromEntries(Object.keys(b).map((k) => [k, Math.round((((b[k] ?? 0) - (a[k] ?? 0)) / docs) * 1000) / 1000]));
  ctx.watcher.clear();
  return { result, usage, wallMs, settleMs, settled, perDoc: { messages: per(seq0, seq1), rows: per(rows0, rows1) }, maxBacklog };
}

/** The reason of the first refusal seen (its hub-signed status body), for the error message. */
async function firstRefusal(ctx: BenchContext): Promise<string> {
  const seq = ctx.watcher.refusalSeqs[0];
  if (seq === undefined) return 'no refusal seen';
  try {
    const jsm = await jetstreamManager(ctx.hub.nc, { timeout: ADMIN_TIMEOUT_MS });
    const m = await jsm.streams.getMessage(ctx.hub.topo.streams.inbox, { seq });
    const jws = JSON.parse(new TextDecoder().decode(m!.data)) as { payload: string };
    const env = JSON.parse(Buffer.from(jws.payload, 'base64url').toString('utf8')) as { body: unknown };
    return JSON.stringify(env.body);
  } catch (err) {
    return `refusal at inbox seq ${seq} (unreadable: ${(err as Error).message})`;
  }
}

/** Polls until done(), failing early when a service died, the watcher broke or the hub refused a document. */
async function waitUntil(ctx: BenchContext, what: string, done: () => boolean, progress: () => number, bar: ProgressBar, finish = true): Promise<void> {
  const until = Date.now() + ctx.cfg.scenarioTimeoutMs;
  const refusalsAtStart = ctx.watcher.counts.refusals;
  while (!done()) {
    ctx.hub.assertAlive();
    ctx.watcher.assertHealthy();
    bar.update(progress());
    if (ctx.watcher.counts.refusals > refusalsAtStart) {
      bar.done(progress(), 'refused');
      throw new Error(`${what}: the hub refused a document: ${await firstRefusal(ctx)}`);
    }
    if (Date.now() > until) {
      bar.done(progress(), 'timed out');
      throw new Error(`${what}: only ${progress()} arrived within ${ctx.cfg.scenarioTimeoutMs / 1000} s (BENCH_TIMEOUT_S)`);
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  if (finish) bar.done(progress());
  else bar.update(progress());
}

function clientOf(ctx: BenchContext, code: string): LienThongClient {
  const c = ctx.clients.get(code);
  if (!c) throw new Error(`no SDK client for sender ${code}`);
  return c;
}

// ------------------------------------------------------------------ warm-up

/** One document from every sender, not measured: loads keys into the router, warms up the JIT, proves the path works. */
export async function warmUp(ctx: BenchContext): Promise<void> {
  const pick = recipientPicker(ctx.dir, 99);
  const start = ctx.watcher.counts.copies;
  const sends = ctx.senders.map((s) => {
    const input: SendDocumentInput = { id: uuidv7(), to: [pick(s.code)], body: documentBody('warm-up') };
    ctx.watcher.expect(input.id!, 1);
    return clientOf(ctx, s.code).sendDocument(input);
  });
  await Promise.all(sends);
  const bar = new ProgressBar('warm-up: one document per sender  ', sends.length, 'docs');
  await waitUntil(
    ctx,
    'warm-up',
    () => ctx.watcher.counts.copies - start >= sends.length,
    () => ctx.watcher.counts.copies - start,
    bar,
  );
  await settle(ctx, 30_000);
  ctx.watcher.clear();
}

// ------------------------------------------------------------------ (a) throughput

export interface PreparedDocs {
  payloads: Payload[];
  /** one thread, SDK prepare(): build, validate, preflight, sign, serialise */
  signPerSec: number;
  meanBytes: number;
}

/** Signs `count` single-recipient documents ahead of time with the senders' SDK clients (prepare()). */
export function prepareDocuments(ctx: BenchContext, count: number, seed: number): PreparedDocs {
  const pick = recipientPicker(ctx.dir, seed);
  const payloads: Payload[] = new Array(count);
  const bar = new ProgressBar('signing documents (SDK prepare)   ', count, 'docs');
  let bytes = 0;
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const sender = ctx.senders[i % ctx.senders.length]!;
    const client = clientOf(ctx, sender.code);
    const { envelope, bytes: b } = client.prepare<DocumentBody>({ kind: 'document', to: [pick(sender.code)], body: documentBody('hub-only') });
    payloads[i] = { subject: ctx.hub.topo.submitSubject(sender.code), bytes: b, id: envelope.id };
    bytes += b.byteLength;
    if ((i & 1023) === 0) bar.update(i);
  }
  const ms = performance.now() - t0;
  bar.done(count);
  return { payloads, signPerSec: perSecond(count, ms), meanBytes: bytes / count };
}

export interface ThroughputResult {
  docs: number;
  docsPerSec: number;
  /** submissions accepted (PubAck) per second while publishing */
  acceptedPerSec: number;
  elapsedMs: number;
}

/** (a, hub only) pre-signed documents published as fast as the server acks them; until every copy is in an inbox. */
export async function hubOnlyThroughput(ctx: BenchContext, prepared: PreparedDocs): Promise<Measured<ThroughputResult>> {
  const { payloads } = prepared;
  const n = payloads.length;
  return measure(ctx, n, async () => {
    for (const p of payloads) ctx.watcher.expect(p.id, 1);
    const start = ctx.watcher.counts.copies;
    const bar = new ProgressBar('(a) hub only: copies in inboxes   ', n, 'docs');
    const js = jetstream(ctx.agencyNc, { timeout: PUBLISH_TIMEOUT_MS });
    const t0 = performance.now();
    let acceptedMs = 0;
    const publishing = publishWindowed(js, n, (i) => payloads[i]!, ctx.cfg.window).then(() => (acceptedMs = performance.now() - t0));
    await waitUntil(
      ctx,
      '(a) hub only',
      () => ctx.watcher.counts.copies - start >= n,
      () => ctx.watcher.counts.copies - start,
      bar,
    );
    await publishing;
    const elapsedMs = ctx.watcher.lastCopyAt - t0;
    return { docs: n, docsPerSec: perSecond(n, elapsedMs), acceptedPerSec: perSecond(n, acceptedMs), elapsedMs };
  });
}

/** (a, end to end) the SDK signs and sends (sendDocumentBatch, pipelined) from every sender at once. */
export async function sdkThroughput(ctx: BenchContext, count: number, seed: number): Promise<Measured<ThroughputResult>> {
  const pick = recipientPicker(ctx.dir, seed);
  const perSender = new Map<string, SendDocumentInput[]>();
  for (let i = 0; i < count; i++) {
    const sender = ctx.senders[i % ctx.senders.length]!.code;
    const input: SendDocumentInput = { id: uuidv7(), to: [pick(sender)], body: documentBody('sdk') };
    let list = perSender.get(sender);
    if (!list) perSender.set(sender, (list = []));
    list.push(input);
  }
  const window = Math.max(16, Math.floor(ctx.cfg.window / perSender.size));
  return measure(ctx, count, async () => {
    for (const list of perSender.values()) for (const input of list) ctx.watcher.expect(input.id!, 1);
    const start = ctx.watcher.counts.copies;
    const bar = new ProgressBar('(a) SDK sign+send: copies in inboxes', count, 'docs');
    const t0 = performance.now();
    let acceptedMs = 0;
    const sending = Promise.all([...perSender].map(([code, inputs]) => clientOf(ctx, code).sendDocumentBatch(inputs, { window }))).then(
      () => (acceptedMs = performance.now() - t0),
    );
    let sendError: unknown;
    sending.catch((err) => (sendError = err));
    await waitUntil(
      ctx,
      '(a) SDK sign+send',
      () => {
        if (sendError) throw sendError;
        return ctx.watcher.counts.copies - start >= count;
      },
      () => ctx.watcher.counts.copies - start,
      bar,
    );
    await sending;
    const elapsedMs = ctx.watcher.lastCopyAt - t0;
    return { docs: count, docsPerSec: perSecond(count, elapsedMs), acceptedPerSec: perSecond(count, acceptedMs), elapsedMs };
  });
}

// ------------------------------------------------------------------ (b) broadcast

export interface BroadcastResult {
  broadcasts: number;
  copiesEach: number;
  /** time from send to the last copy in an inbox, per broadcast */
  allCopiesMs: number[];
  median: number;
  copiesPerSec: number;
}

/** (b) the province sends one document to every commune of the big district, one broadcast at a time. */
export async function broadcast(ctx: BenchContext): Promise<Measured<BroadcastResult>> {
  const communes = ctx.dir.agencies.filter((a) => a.parent === ctx.dir.broadcastDistrict && a.tier === 'commune').length;
  const times: number[] = [];
  const client = clientOf(ctx, ctx.dir.broadcaster);
  return measure(ctx, ctx.cfg.broadcasts, async () => {
    const bar = new ProgressBar('(b) broadcast: copies in inboxes  ', ctx.cfg.broadcasts * communes, 'copies');
    let done = 0;
    for (let b = 0; b < ctx.cfg.broadcasts; b++) {
      const id = uuidv7();
      const exp = ctx.watcher.expect(id, communes, performance.now());
      await client.sendDocument({ id, to: [{ childrenOf: ctx.dir.broadcastDistrict, tier: 'commune' }], body: documentBody('broadcast') });
      // one bar for all broadcasts
      await waitUntil(
        ctx,
        `(b) broadcast ${b + 1}`,
        () => exp.arrived >= communes,
        () => done + exp.arrived,
        bar,
        false,
      );
      times.push(exp.lastAt - exp.sentAt);
      done += communes;
    }
    bar.done(done);
    const s = summarize(times);
    return { broadcasts: times.length, copiesEach: communes, allCopiesMs: times, median: s.p50, copiesPerSec: perSecond(communes, s.p50) };
  });
}

// ------------------------------------------------------------------ (c) open loop

export interface OpenLoopResult {
  rate: number;
  seconds: number;
  docs: number;
  /** achieved send rate (the schedule may slip when the machine is overloaded) */
  sentPerSec: number;
  /** due time -> copy stored in the recipient's inbox stream (the stream's own timestamp) */
  latency: LatencySummary;
  /** due time -> copy seen by a consumer of the inbox stream (this process's watcher: adds its own lag) */
  seen: LatencySummary;
  /** due time -> PubAck of the submission (the sender's `await sendDocument`) */
  accepted: LatencySummary;
}

/**
 * (c) documents due at a fixed rate whatever happened before (open loop: a slow hub cannot slow
 * the senders down, so queueing shows up as latency, not as a lower rate). Latency counts from the
 * due time, so a late send by an overloaded bench is not hidden either.
 */
export async function openLoop(ctx: BenchContext, seed: number): Promise<Measured<OpenLoopResult>> {
  const { rate, seconds } = ctx.cfg;
  const count = rate * seconds;
  const pick = recipientPicker(ctx.dir, seed);
  const plan = Array.from({ length: count }, (_, i) => {
    const sender = ctx.senders[i % ctx.senders.length]!.code;
    return { sender, input: { id: uuidv7(), to: [pick(sender)], body: documentBody('open-loop') } as SendDocumentInput };
  });
  return measure(ctx, count, async () => {
    const latencies: number[] = [];
    const stored: number[] = [];
    const accepted: number[] = [];
    ctx.watcher.onCopy = (ms, _e, _id, storedMs) => {
      latencies.push(ms);
      stored.push(storedMs);
    };
    const bar = new ProgressBar(`(c) open loop ${rate}/s: copies     `, count, 'docs');
    const start = performance.now() + 20;
    const sends: Array<Promise<unknown>> = [];
    let sendError: unknown;
    let lastSend = start;
    try {
      for (let i = 0; i < count; i++) {
        const due = start + (i * 1000) / rate;
        const wait = due - performance.now();
        if (wait > 1) await new Promise((r) => setTimeout(r, wait));
        const { sender, input } = plan[i]!;
        ctx.watcher.expect(input.id!, 1, due);
        sends.push(
          clientOf(ctx, sender)
            .sendDocument(input)
            .then(
              () => accepted.push(performance.now() - due),
              (err) => (sendError ??= err),
            ),
        );
        lastSend = performance.now();
        if ((i & 63) === 0) {
          bar.update(latencies.length);
          if (sendError) throw sendError;
          ctx.hub.assertAlive();
        }
      }
      await Promise.all(sends);
      if (sendError) throw sendError;
      await waitUntil(
        ctx,
        '(c) open loop',
        () => latencies.length >= count,
        () => latencies.length,
        bar,
      );
    } finally {
      ctx.watcher.onCopy = undefined;
    }
    return {
      rate,
      seconds,
      docs: count,
      sentPerSec: perSecond(count, lastSend - start),
      latency: summarize(stored),
      seen: summarize(latencies),
      accepted: summarize(accepted),
    };
  });
}
