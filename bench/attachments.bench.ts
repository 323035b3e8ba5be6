/**
 * `npm run bench:attachments`: attachment bytes through the hub, against the raw object store on
 * the same NATS in the same run (issue 12), without the rest of `npm run bench` (which runs the
 * same measurement, bench/suite/attachments.ts, after its document scenarios). Three processes,
 * as in production: the built attachments service (dist/apps/attachments), a sender and a
 * receiver.
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
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connectNats } from '@lt/messaging';
import { loadBenchConfig } from './suite/config';
import {
  attachmentServiceEnv,
  attachmentStreams,
  attachmentTargets,
  renderAttachments,
  runAttachmentsBench,
  type AttachmentServiceProcess,
} from './suite/attachments';

const NATS_URL = process.env.NATS_URL ?? 'nats://127.0.0.1:4222';

async function startService(ns: string, dataDir: string, extraEnv: Record<string, string>): Promise<AttachmentServiceProcess> {
  const script = join(__dirname, '..', 'apps', 'attachments', 'src', 'main.js');
  const p = spawn(process.execPath, [script], {
    env: { ...process.env, NATS_URL, LT_NAMESPACE: ns, LT_DATA_DIR: dataDir, LOG_LEVEL: 'info', ...extraEnv },
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
  return {
    pid: p.pid!,
    stop: async () => {
      if (p.exitCode !== null || p.signalCode !== null) return;
      p.kill('SIGTERM');
      await new Promise((r) => p.once('exit', r));
    },
  };
}

async function main(): Promise<void> {
  const cfg = loadBenchConfig();
  const ns = `batt${randomBytes(4).toString('hex')}`;
  const dir = mkdtempSync(join(tmpdir(), 'lt-bench-att-'));
  const nc = await connectNats(NATS_URL, 'bench-att');
  try {
    const results = await runAttachmentsBench({
      natsUrl: NATS_URL,
      ns,
      workDir: dir,
      sizeMb: cfg.attMb,
      bigMb: cfg.attBigMb,
      startService: () => startService(ns, dir, attachmentServiceEnv(cfg.attBigMb)),
      log: (line) => process.stderr.write(`${line}\n`),
    });
    process.stdout.write(`${renderAttachments(results).join('\n')}\n`);
    for (const t of attachmentTargets(results)) process.stdout.write(`${t.met ? 'met   ' : 'MISSED'} ${t.name}: ${t.target}\n`);
    const out = process.env.BENCH_RESULTS ?? join(__dirname, '..', '..', 'bench', 'results');
    mkdirSync(out, { recursive: true });
    writeFileSync(join(out, 'attachments.json'), JSON.stringify({ at: new Date().toISOString(), natsUrl: NATS_URL, ...results }, null, 2) + '\n');
  } finally {
    const jsm = await jetstreamManager(nc);
    for (const st of attachmentStreams(ns)) await jsm.streams.delete(st).catch(() => undefined);
    await nc.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
