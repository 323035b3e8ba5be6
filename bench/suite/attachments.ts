/**
 * Attachment bytes through the hub against the raw object store on the same NATS in the same run
 * (issue 12), shared by `npm run bench` (run.ts, the service started by BenchHub) and
 * `npm run bench:attachments` (attachments.bench.ts, NATS only). Three processes, as in
 * production: the built attachments service, a sender and a receiver (this file forked as
 * `send` / `receive`, using the SDK's uploadAttachment / downloadAttachment). The router's part
 * (binding) is one request made here as the router makes it; routing the envelope itself is what
 * the document scenarios measure.
 *
 *   1. throughput: a `sizeMb` file sender -> hub -> receiver, MB/s, against a raw `obj.put()` +
 *      `obj.get()` of the same bytes (streamed from the same file);
 *   2. memory: a `bigMb` file (0 skips it) the same way, with the peak RSS (VmHWM) of the sender,
 *      the attachments service and the receiver. Each run gets a fresh service, so its peak RSS
 *      is that run's.
 */
import { fork } from 'node:child_process';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm, StorageType } from '@nats-io/obj';
import { attachmentSubjects, topology, type AttachmentBindRequest, type AttachmentRef } from '@lt/contracts';
import { connectNats } from '@lt/messaging';
import { AttachmentChannel, downloadAttachment, uploadAttachment } from '@lt/sdk';
import { fmtRatio, table } from './stats';

const SENDER = '000.00.01.H41';
const RECEIVER = '000.00.02.H41';
const MB = 1024 * 1024;
/** the issue's targets */
export const ATTACHMENT_TARGETS = { ratio: 0.5, peakRssMb: 256, bigMb: 2048 } as const;

/** A running attachments service process; `stop()` ends it. */
export interface AttachmentServiceProcess {
  pid: number;
  stop(): Promise<void>;
}

export interface AttachmentsBenchOptions {
  natsUrl: string;
  ns: string;
  /** folder for the random files (removed by the caller) */
  workDir: string;
  sizeMb: number;
  bigMb: number;
  /** starts a fresh attachments service in namespace `ns`, resolved once it is ready */
  startService: () => Promise<AttachmentServiceProcess>;
  log: (line: string) => void;
}

export interface HubRun {
  sizeMb: number;
  uploadMBs: number;
  downloadMBs: number;
  endToEndMBs: number;
  peakRssMb: { sender: number; attachmentsService: number; receiver: number };
}

export interface RawRun {
  putMBs: number;
  getMBs: number;
  endToEndMBs: number;
}

export interface AttachmentsResults {
  throughput: { sizeMb: number; raw: RawRun; hub: HubRun; ratio: number };
  /** the big run; null when skipped */
  memory: HubRun | null;
}

/** The service's size limit: the default (2 GiB) unless the big run needs more; LT_ATTACHMENT_MAX_BYTES wins when set. */
export function attachmentServiceEnv(bigMb: number): Record<string, string> {
  return { LT_ATTACHMENT_MAX_BYTES: process.env.LT_ATTACHMENT_MAX_BYTES || String(Math.max(2048, bigMb) * MB) };
}

/** Streams of the service's buckets and of the raw baseline's bucket in namespace `ns` (to delete at the end). */
export function attachmentStreams(ns: string): string[] {
  const s = attachmentSubjects(topology(ns));
  return [`OBJ_${s.bucket}`, `KV_${s.index}`, `OBJ_${rawBucket(ns)}`];
}

const rawBucket = (ns: string) => `${ns}-raw`;

/** Peak resident set (VmHWM) of a process, in MB. */
export function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

/** `bytes` random bytes written to `path`; their SHA-256 (hex). */
export async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let left = bytes; left > 0;) {
    const piece = randomBytes(Math.min(4 * MB, left));
    hash.update(piece);
    left -= piece.byteLength;
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

// ---------------------------------------------------------------- children

async function child(role: 'send' | 'receive', natsUrl: string, ns: string, arg: string): Promise<void> {
  const nc = await connectNats(natsUrl, `bench-att-${role}`);
  const topo = topology(ns);
  const t0 = performance.now();
  let result: Record<string, unknown>;
  if (role === 'send') {
    const ref = await uploadAttachment(new AttachmentChannel(nc, topo, SENDER, 60_000), { path: arg, name: 'survey.zip' });
    result = { ref };
  } else {
    const ref = JSON.parse(arg) as AttachmentRef & { id: string };
    const hash = createHash('sha256');
    let size = 0;
    for await (const c of downloadAttachment(new AttachmentChannel(nc, topo, RECEIVER, 60_000), ref)) {
      hash.update(c as Buffer);
      size += (c as Buffer).byteLength;
    }
    result = { size, sha256: hash.digest('hex') };
  }
  const seconds = (performance.now() - t0) / 1000;
  await nc.drain();
  process.send!({ ...result, seconds, peakRssMb: peakRssMb(process.pid) });
}

function runChild(
  role: 'send' | 'receive',
  natsUrl: string,
  ns: string,
  arg: string,
): Promise<{ seconds: number; peakRssMb: number } & Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, [role, natsUrl, ns, arg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: unknown;
    p.on('message', (m) => (answer = m));
    p.on('exit', (code) => (code === 0 && answer ? resolve(answer as never) : reject(new Error(`${role} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------- parent

async function hubRun(o: AttachmentsBenchOptions, file: string, sha256: string, service: AttachmentServiceProcess): Promise<HubRun> {
  const nc = await connectNats(o.natsUrl, 'bench-att-router');
  try {
    const size = statSync(file).size;
    const sent = await runChild('send', o.natsUrl, o.ns, file);
    const ref = sent.ref as AttachmentRef & { id: string };
    if (ref.sha256 !== sha256) throw new Error('sender digest differs from the file');
    // what the router does when it routes the envelope naming the upload
    const bind: AttachmentBindRequest = {
      envelopeId: randomUUID(),
      sender: SENDER,
      recipients: [RECEIVER],
      attachments: [ref],
      receivedAt: new Date().toISOString(),
    };
    const reply = JSON.parse((await nc.request(attachmentSubjects(topology(o.ns)).bind, JSON.stringify(bind), { timeout: 10_000 })).string()) as {
      ok: boolean;
    };
    if (!reply.ok) throw new Error(`bind refused: ${JSON.stringify(reply)}`);
    const got = await runChild('receive', o.natsUrl, o.ns, JSON.stringify(ref));
    if (got.sha256 !== sha256 || got.size !== size) throw new Error('receiver got other bytes');
    const seconds = sent.seconds + got.seconds;
    return {
      sizeMb: size / MB,
      uploadMBs: size / MB / sent.seconds,
      downloadMBs: size / MB / got.seconds,
      endToEndMBs: size / MB / seconds,
      peakRssMb: { sender: sent.peakRssMb, attachmentsService: peakRssMb(service.pid), receiver: got.peakRssMb },
    };
  } finally {
    await nc.close();
  }
}

/** obj.put() of the file streamed from disk, then obj.get() drained: the same bytes, no hub in between. */
async function rawRun(o: AttachmentsBenchOptions, file: string, sha256: string): Promise<RawRun> {
  const nc = await connectNats(o.natsUrl, 'bench-att-raw');
  const bucket = rawBucket(o.ns);
  try {
    const obj = await new Objm(jetstream(nc, { timeout: 60_000 })).create(bucket, { storage: StorageType.File });
    const size = statSync(file).size;
    const rs = ReadableStream.from(createReadStream(file, { highWaterMark: 256 * 1024 }) as AsyncIterable<Uint8Array>);
    let t = performance.now();
    await obj.put({ name: 'raw', options: { max_chunk_size: 256 * 1024 } }, rs as ReadableStream<Uint8Array>);
    const put = (performance.now() - t) / 1000;
    t = performance.now();
    const r = await obj.get('raw');
    const hash = createHash('sha256');
    const reader = r!.data.getReader();
    for (;;) {
      const { done, value } = await reader.read();
      if (done) break;
      hash.update(value);
    }
    const get = (performance.now() - t) / 1000;
    if (hash.digest('hex') !== sha256) throw new Error('raw get returned other bytes');
    return { putMBs: size / MB / put, getMBs: size / MB / get, endToEndMBs: size / MB / (put + get) };
  } finally {
    await (await jetstreamManager(nc)).streams.delete(`OBJ_${bucket}`).catch(() => undefined);
    await nc.close();
  }
}

/** Both runs; the services it starts are stopped before it returns, also after a failure. */
export async function runAttachmentsBench(o: AttachmentsBenchOptions): Promise<AttachmentsResults> {
  let service: AttachmentServiceProcess | undefined;
  const withService = async <T>(fn: (s: AttachmentServiceProcess) => Promise<T>): Promise<T> => {
    service = await o.startService();
    try {
      return await fn(service);
    } finally {
      await service.stop();
      service = undefined;
    }
  };
  const file = join(o.workDir, 'file.bin');
  o.log(`attachments: writing ${o.sizeMb} MB of random bytes`);
  const sha = await writeRandomFile(file, o.sizeMb * MB);
  const { raw, hub } = await withService(async (s) => {
    o.log(`attachments: raw object store put + get of ${o.sizeMb} MB`);
    const raw = await rawRun(o, file, sha);
    o.log(`attachments: ${o.sizeMb} MB through the hub (sender, service, receiver)`);
    return { raw, hub: await hubRun(o, file, sha, s) };
  });
  rmSync(file, { force: true });
  let memory: HubRun | null = null;
  if (o.bigMb > 0) {
    const big = join(o.workDir, 'big.bin');
    o.log(`attachments: writing ${o.bigMb} MB of random bytes`);
    const bigSha = await writeRandomFile(big, o.bigMb * MB);
    o.log(`attachments: ${o.bigMb} MB through the hub, fresh service`);
    memory = await withService((s) => hubRun(o, big, bigSha, s));
    rmSync(big, { force: true });
  }
  return { throughput: { sizeMb: o.sizeMb, raw, hub, ratio: hub.endToEndMBs / raw.endToEndMBs }, memory };
}

const largestRss = (r: HubRun) => Math.max(r.peakRssMb.sender, r.peakRssMb.attachmentsService, r.peakRssMb.receiver);

/** The issue's two targets, in the shape of BenchResults.targets. */
export function attachmentTargets(r: AttachmentsResults): Array<{ name: string; target: string; value: number; unit: string; met: boolean }> {
  const t = r.throughput;
  return [
    {
      name: `attachment ${t.sizeMb} MB: hub upload + download vs raw object-store put + get`,
      target: `>= ${ATTACHMENT_TARGETS.ratio * 100}%`,
      value: t.ratio,
      unit: 'ratio',
      met: t.ratio >= ATTACHMENT_TARGETS.ratio,
    },
    ...(r.memory
      ? [
          {
            name: `attachment ${r.memory.sizeMb} MB${r.memory.sizeMb < ATTACHMENT_TARGETS.bigMb ? ` (target size ${ATTACHMENT_TARGETS.bigMb} MB)` : ''}: largest peak RSS of sender, service, receiver`,
            target: `<= ${ATTACHMENT_TARGETS.peakRssMb} MB`,
            value: largestRss(r.memory),
            unit: 'MB',
            met: largestRss(r.memory) <= ATTACHMENT_TARGETS.peakRssMb,
          },
        ]
      : []),
  ];
}

/** Summary lines, the same in both benches. */
export function renderAttachments(r: AttachmentsResults): string[] {
  const { raw, hub, sizeMb, ratio } = r.throughput;
  const mbs = (v: number) => v.toFixed(1);
  const rss = (h: HubRun) => `${h.peakRssMb.sender} / ${h.peakRssMb.attachmentsService} / ${h.peakRssMb.receiver} MB`;
  const rows: string[][] = [
    ['MB/s', 'put | upload', 'get | download', 'both', 'hub / raw', 'peak RSS sender / service / receiver'],
    [`raw object store, ${sizeMb} MB`, mbs(raw.putMBs), mbs(raw.getMBs), mbs(raw.endToEndMBs), '', ''],
    [`through the hub, ${sizeMb} MB`, mbs(hub.uploadMBs), mbs(hub.downloadMBs), mbs(hub.endToEndMBs), fmtRatio(ratio), rss(hub)],
  ];
  if (r.memory) {
    const m = r.memory;
    rows.push([`through the hub, ${m.sizeMb} MB`, mbs(m.uploadMBs), mbs(m.downloadMBs), mbs(m.endToEndMBs), '', rss(m)]);
  }
  return [
    'Attachments (sender, attachments service, receiver as separate processes; raw object store on the same server in the same run;',
    `both = the bytes over the sum of the two times; targets: hub / raw >= ${ATTACHMENT_TARGETS.ratio * 100}% at 100 MB, every process <= ${ATTACHMENT_TARGETS.peakRssMb} MB at ${ATTACHMENT_TARGETS.bigMb} MB)`,
    table(rows),
    ...(r.memory ? [] : ['big attachment run skipped (BENCH_ATT_BIG_MB=0)']),
  ];
}

if (require.main === module) {
  const [role, natsUrl, ns, arg] = process.argv.slice(2);
  if (role !== 'send' && role !== 'receive') {
    process.stderr.write('bench/suite/attachments: run by the attachments bench as send|receive <natsUrl> <ns> <arg>\n');
    process.exit(2);
  }
  child(role, natsUrl!, ns!, arg!).catch((err) => {
    process.stderr.write(`${role}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
