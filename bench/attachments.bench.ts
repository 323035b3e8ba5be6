/**
 * `npm run bench:attachments`: attachment bytes through the hub, against the raw object store on
 * the same NATS in the same run (issue 12). Three processes, as in production: the built
 * attachments service (dist/apps/attachments), a sender and a receiver (this file run as
 * `send` / `receive`, using the SDK's uploadAttachment / downloadAttachment). The router's part
 * (binding) is one request made here as the router makes it; routing the envelope itself is what
 * `npm run bench` measures.
 *
 *   1. throughput: a BENCH_ATT_MB file (default 100) sender -> hub -> receiver, MB/s, against a
 *      raw `obj.put()` + `obj.get()` of the same bytes (streamed from the same file);
 *   2. memory: a BENCH_ATT_BIG_MB file (default 2048, the 2 GB target; 0 skips it) the
 *      same way, with the peak RSS (VmHWM) of the sender, the attachments service and the receiver.
 *
 * Needs NATS with JetStream at NATS_URL (default nats://127.0.0.1:4222, anonymous) and
 * `npm run build` first. Works in a namespace of its own (streams deleted at the end), files in
 * a temporary folder. Results to stdout and bench/results/attachments.json.
 */
import { fork, spawn, type ChildProcess } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Objm, StorageType } from '@nats-io/obj';
import { attachmentSubjects, topology, type AttachmentBindRequest, type AttachmentRef } from '@lt/contracts';
import { connectNats } from '@lt/messaging';
import { AttachmentChannel, downloadAttachment, uploadAttachment } from '@lt/sdk';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';
const SENDER = '000.00.01.H41';
const RECEIVER = '000.00.02.H41';
const MB = 1024 * 1024;

/** Peak resident set (VmHWM) of a process, in MB. */
function peakRssMb(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Math.round(Number(m[1]) / 1024) : -1;
}

async function writeRandomFile(path: string, bytes: number): Promise<string> {
  const out = createWriteStream(path);
  const hash = createHash('sha256');
  for (let left = bytes; left > 0; ) {
    const piece = randomBytes(Math.min(4 * MB, left));
    hash.update(piece);
    left -= piece.byteLength;
    if (!out.write(piece)) await new Promise<void>((r) => out.once('drain', () => r()));
  }
  await new Promise<void>((resolve, reject) => out.end((err?: Error | null) => (err ? reject(err) : resolve())));
  return hash.digest('hex');
}

// ---------------------------------------------------------------- children

async function child(role: 'send' | 'receive', ns: string, arg: string): Promise<void> {
  const nc = await connectNats(NATS_URL, `bench-att-${role}`);
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

function runChild(role: 'send' | 'receive', ns: string, arg: string): Promise<{ seconds: number; peakRssMb: number } & Record<string, unknown>> {
  return new Promise((resolve, reject) => {
    const p = fork(__filename, [role, ns, arg], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    let answer: unknown;
    p.on('message', (m) => (answer = m));
    p.on('exit', (code) => (code === 0 && answer ? resolve(answer as never) : reject(new Error(`${role} exited with ${code}`))));
  });
}

// ---------------------------------------------------------------- parent

async function startService(ns: string, dataDir: string): Promise<ChildProcess> {
  const script = join(__dirname, '..', 'apps', 'attachments', 'src', 'main.js');
  const p = spawn(process.execPath, [script], {
    env: { ...process.env, NATS_URL, LT_NAMESPACE: ns, LT_DATA_DIR: dataDir, LOG_LEVEL: 'info', LT_ATTACHMENT_MAX_BYTES: String(4 * 1024 * MB) },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('attachments service did not start within 30 s')), 30_000);
    p.stdout!.on('data', (d: Buffer) => {
      if (d.toString().includes('attachments service ready')) {
        clearTimeout(timer);
        resolve();
      }
    });
    p.once('exit', (code) => reject(new Error(`attachments service exited with ${code}`)));
  });
  p.stdout!.resume();
  return p;
}

async function hubRun(ns: string, file: string, sha256: string, service: ChildProcess) {
  const nc = await connectNats(NATS_URL, 'bench-att-router');
  try {
    const size = statSync(file).size;
    const sent = await runChild('send', ns, file);
    const ref = sent.ref as AttachmentRef & { id: string };
    if (ref.sha256 !== sha256) throw new Error('sender digest differs from the file');
    // what the router does when it routes the envelope naming the upload
    const bind: AttachmentBindRequest = { envelopeId: crypto.randomUUID(), sender: SENDER, recipients: [RECEIVER], attachments: [ref], receivedAt: new Date().toISOString() };
    const reply = JSON.parse((await nc.request(attachmentSubjects(topology(ns)).bind, JSON.stringify(bind), { timeout: 10_000 })).string()) as { ok: boolean };
    if (!reply.ok) throw new Error(`bind refused: ${JSON.stringify(reply)}`);
    const got = await runChild('receive', ns, JSON.stringify(ref));
    if (got.sha256 !== sha256 || got.size !== size) throw new Error('receiver got other bytes');
    const seconds = sent.seconds + got.seconds;
    return {
      sizeMb: size / MB,
      uploadMBs: size / MB / sent.seconds,
      downloadMBs: size / MB / got.seconds,
      endToEndMBs: size / MB / seconds,
      peakRssMb: { sender: sent.peakRssMb, attachmentsService: peakRssMb(service.pid!), receiver: got.peakRssMb },
    };
  } finally {
    await nc.close();
  }
}

/** obj.put() of the file streamed from disk, then obj.get() drained: the same bytes, no hub in between. */
async function rawRun(ns: string, file: string, sha256: string) {
  const nc = await connectNats(NATS_URL, 'bench-att-raw');
  const bucket = `${ns}-raw`;
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

async function main(): Promise<void> {
  const sizeMb = Number(process.env.BENCH_ATT_MB ?? 100);
  const bigMb = Number(process.env.BENCH_ATT_BIG_MB ?? 2048);
  const ns = `batt${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-att-'));
  let service: ChildProcess | undefined;
  const nc = await connectNats(NATS_URL, 'bench-att');
  try {
    const file = join(dir, 'file.bin');
    process.stderr.write(`writing ${sizeMb} MB of random bytes...\n`);
    const sha = await writeRandomFile(file, sizeMb * MB);
    service = await startService(ns, dir);
    const raw = await rawRun(ns, file, sha);
    const hub = await hubRun(ns, file, sha, service);
    const ratio = hub.endToEndMBs / raw.endToEndMBs;
    const results: Record<string, unknown> = { natsUrl: NATS_URL, throughput: { sizeMb, raw, hub, ratio } };
    process.stdout.write(
      [
        `Attachments, ${sizeMb} MB:`,
        `  raw object store   put ${raw.putMBs.toFixed(1)} MB/s, get ${raw.getMBs.toFixed(1)} MB/s, put+get ${raw.endToEndMBs.toFixed(1)} MB/s`,
        `  through the hub    upload ${hub.uploadMBs.toFixed(1)} MB/s, download ${hub.downloadMBs.toFixed(1)} MB/s, upload+download ${hub.endToEndMBs.toFixed(1)} MB/s`,
        `  hub / raw          ${(ratio * 100).toFixed(0)}% (target >= 50%)`,
        `  peak RSS           sender ${hub.peakRssMb.sender} MB, attachments service ${hub.peakRssMb.attachmentsService} MB, receiver ${hub.peakRssMb.receiver} MB`,
        '',
      ].join('\n'),
    );
    rmSync(file);
    if (bigMb > 0) {
      // a fresh service, so its peak RSS is this run's
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
      const big = join(dir, 'big.bin');
      process.stderr.write(`writing ${bigMb} MB of random bytes...\n`);
      const bigSha = await writeRandomFile(big, bigMb * MB);
      service = await startService(ns, dir);
      const run = await hubRun(ns, big, bigSha, service);
      results.memory = { ...run, sizeMb: bigMb };
      process.stdout.write(
        [
          `Attachments, ${bigMb} MB (target: 2048 MB, every process <= 256 MB RSS):`,
          `  upload ${run.uploadMBs.toFixed(1)} MB/s, download ${run.downloadMBs.toFixed(1)} MB/s`,
          `  peak RSS           sender ${run.peakRssMb.sender} MB, attachments service ${run.peakRssMb.attachmentsService} MB, receiver ${run.peakRssMb.receiver} MB`,
          '',
        ].join('\n'),
      );
    }
    const out = process.env.BENCH_RESULTS ?? join(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'attachments.json'), JSON.stringify({ at: new Date().toISOString(), ...results }, null, 2) + '\n');
  } finally {
    if (service && service.exitCode === null) {
      service.kill('SIGTERM');
      await new Promise((r) => service!.once('exit', r));
    }
    const jsm = await jetstreamManager(nc);
    const s = attachmentSubjects(topology(ns));
    for (const st of [`OBJ_${s.bucket}`, `KV_${s.index}`]) await jsm.streams.delete(st).catch(() => undefined);
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const [role, ns, arg] = process.argv.slice(2);
if (role === 'send' || role === 'receive') {
  child(role, ns!, arg!).catch((err) => {
    process.stderr.write(`${role}: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  });
}
