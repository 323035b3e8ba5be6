/**
 * The agency connector (issue 13) measured against the SDK on the same hub in the same run, shared
 * by `npm run bench` (run.ts, step 8) and `npm run bench:connector` (connector.bench.ts). Each
 * connector is the built `dist/apps/connector/src/main.js` as a process of its own (its CPU and
 * memory are its own, as in a deployment); the bench is the agency's system calling its HTTP API
 * with keep-alive connections.
 *
 *   1. throughput: `docs` documents through `POST /v1/outbox` (JSON, 202 once the hub accepted it)
 *      against the same number through the SDK's `sendDocument` in the bench process, the same
 *      document shape, the same sender and recipient, `inFlight` requests in flight on both sides,
 *      after a warm-up; `rounds` alternating rounds, medians compared;
 *   2. memory: an `attMb` file (0 skips it) as a multipart part, streamed from disk to the sending
 *      connector, then downloaded through the receiving connector
 *      (`GET /v1/inbox/{id}/attachments/{name}`) to disk; SHA-256 compared (a mismatch fails the
 *      run), peak RSS (VmHWM) of both connector processes, each fresh for this run.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { rmSync, statSync } from 'node:fs';
import { jetstreamManager } from '@nats-io/jetstream';
import { uuidv7, type Topology } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import { writeKeyFile } from '@lt/platform';
import type { LienThongClient, SendDocumentInput } from '@lt/sdk';
import { peakRssMb, writeRandomFile, type AttachmentServiceProcess } from './attachments';
import { ConnectorHttpClient, inFlight, multipartFraming } from './connector-http';
import type { Sender } from './directory';
import { documentBody } from './documents';
import { ADMIN_TIMEOUT_MS, BUILD_ROOT } from './hub';
import { startSampling, type ProcessUsage } from './procstat';
import { fmtInt, fmtRatio, perSecond, table } from './stats';

const MB = 1024 * 1024;
/** the issue's targets */
export const CONNECTOR_TARGETS = { ratio: 0.5, peakRssMb: 256, bigMb: 1024 } as const;
const ATTACHMENT_NAME = 'ban-do-quy-hoach.bin';

export interface ConnectorBenchOptions {
  natsUrl: string;
  ns: string;
  topo: Topology;
  /** the hub's data folder (LT_DATA_DIR of the connectors: no NATS seeds there, so they connect like the bench) */
  dataDir: string;
  /** connectors' state folders, key files, the big file and its download (removed by the caller) */
  workDir: string;
  /** the sending agency (its key signs on both sides) and its SDK client in the bench process */
  sender: Sender;
  sdk: LienThongClient;
  /** the receiving agency of the attachment run (a connector of its own) */
  receiver: Sender;
  /** recipient of the throughput documents: no connector reads its inbox, so the copies cost nobody's CPU */
  recipient: string;
  /** admin connection: waits for the router to be idle between phases */
  nc: NatsConnection;
  docs: number;
  inFlight: number;
  rounds: number;
  attMb: number;
  /** starts a fresh attachments service, resolved once it is ready */
  startAttachments: () => Promise<AttachmentServiceProcess>;
  log: (line: string) => void;
}

export interface ThroughputRound {
  sdkDocsPerSec: number;
  connectorDocsPerSec: number;
  /** CPU per document of the connector process and of the bench process, in each side's phase */
  cpuMsPerDoc: { sdkBench: number; connector: number; connectorBench: number };
  /**
   * % of one core used by the connector in its phase, and % of that phase its event loop was
   * runnable but waiting for a CPU: both high means the connector's one thread sets the pace
   */
  connectorCpuPercent: number;
  connectorRunQueueWaitPercent: number;
}

export interface ConnectorThroughput {
  docs: number;
  inFlight: number;
  rounds: ThroughputRound[];
  /** medians over the rounds */
  sdkDocsPerSec: number;
  connectorDocsPerSec: number;
  ratio: number;
}

export interface ConnectorAttachmentRun {
  sizeMb: number;
  /** multipart POST to the sending connector until its 202 (the hub has the bytes, the document is accepted) */
  uploadMBs: number;
  /** from the 202 until the receiving connector lists the message */
  arrivalMs: number;
  /** GET of the attachment from the receiving connector, to disk */
  downloadMBs: number;
  /** size / (upload + download) */
  endToEndMBs: number;
  /** VmHWM of each connector process, started fresh for this run */
  peakRssMb: { sendingConnector: number; receivingConnector: number };
  sha256: string;
}

export interface ConnectorResults {
  throughput: ConnectorThroughput;
  /** null when attMb is 0 */
  attachment: ConnectorAttachmentRun | null;
}

// ---------------------------------------------------------------- the connector process

export interface ConnectorProcess {
  pid: number;
  url: string;
  stop(): Promise<void>;
  /** throws when it exited unasked */
  assertAlive(): void;
}

/**
 * Starts the built connector for `agency` and resolves once it listens. Its key goes to a file of
 * its own (LT_CONNECTOR_KEY_FILE), its state to `stateDir`; BENCH_CONNECTOR_NODE_ARGS (e.g.
 * `--cpu-prof --cpu-prof-dir=/tmp/prof`) reach its node.
 */
export async function startConnector(o: {
  natsUrl: string;
  ns: string;
  dataDir: string;
  agency: Sender;
  stateDir: string;
  keyFile: string;
}): Promise<ConnectorProcess> {
  // BENCH_CONNECTOR_SCRIPT: another build of the connector to compare (same environment, same "connector listening" log line)
  const script = process.env.BENCH_CONNECTOR_SCRIPT || join(BUILD_ROOT, 'apps', 'connector', 'src', 'main.js');
  writeKeyFile(o.keyFile, o.agency.key);
  const nodeArgs = (process.env.BENCH_CONNECTOR_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const env: Record<string, string | undefined> = {
    ...process.env,
    NATS_URL: o.natsUrl,
    LT_NAMESPACE: o.ns,
    LT_DATA_DIR: o.dataDir,
    LOG_LEVEL: 'info',
    LT_CONNECTOR_AGENCY: o.agency.code,
    LT_CONNECTOR_HOST: '127.0.0.1',
    LT_CONNECTOR_PORT: '0',
    LT_CONNECTOR_STATE_DIR: o.stateDir,
    LT_CONNECTOR_KEY_FILE: o.keyFile,
  };
  // the caller's own connector settings must not change what is measured
  for (const k of ['LT_CONNECTOR_TOKEN_FILE', 'LT_CONNECTOR_TLS_DIR', 'LT_CONNECTOR_WEBHOOK_URL']) delete env[k];
  const child: ChildProcess = spawn(process.execPath, [...nodeArgs, script], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const tail: string[] = [];
  let exit: string | undefined;
  let stopping = false;
  // no connector may outlive the bench (Ctrl-C, a failure elsewhere)
  const killNow = () => child.kill('SIGKILL');
  process.once('exit', killNow);
  const exited = new Promise<void>((r) =>
    child.once('exit', (code, signal) => {
      exit = `exited (${code ?? signal})`;
      process.removeListener('exit', killNow);
      r();
    }),
  );
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`connector ${o.agency.code} not listening within 60 s; last log lines:\n${tail.join('\n')}`)), 60_000);
    for (const stream of [child.stdout!, child.stderr!]) {
      createInterface({ input: stream }).on('line', (line) => {
        tail.push(line);
        if (tail.length > 40) tail.shift();
        if (!line.includes('connector listening')) return;
        try {
          const u = (JSON.parse(line) as { url?: string }).url;
          if (u) {
            clearTimeout(timer);
            resolve(u);
          }
        } catch {
          // not a JSON log line
        }
      });
    }
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`connector ${o.agency.code} ${exit} before it listened; last log lines:\n${tail.join('\n')}`));
    });
  }).catch((err: unknown) => {
    child.kill('SIGKILL');
    throw err;
  });
  return {
    pid: child.pid!,
    url,
    assertAlive() {
      if (exit && !stopping) throw new Error(`connector ${o.agency.code} ${exit} during the run; last log lines:\n${tail.join('\n')}`);
    },
    async stop() {
      stopping = true;
      if (exit) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

// ---------------------------------------------------------------- helpers

/** Waits until the hub's own durable consumers (router, audit; not the agencies' inboxes) have nothing pending. */
async function hubIdle(nc: NatsConnection, topo: Topology, timeoutMs = 120_000): Promise<void> {
  const jsm = await jetstreamManager(nc, { timeout: ADMIN_TIMEOUT_MS });
  const until = Date.now() + timeoutMs;
  for (;;) {
    let pending = 0;
    for (const stream of [topo.streams.submit, topo.streams.inbox, topo.streams.events]) {
      for await (const c of jsm.consumers.list(stream)) {
        if (!c.config.durable_name || c.name.startsWith('inbox_')) continue;
        pending += c.num_pending + c.num_ack_pending;
      }
    }
    if (pending === 0) return;
    if (Date.now() > until) throw new Error(`the hub still had ${pending} messages pending after ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

function cpuMsPerDoc(cpuPercent: number, wallMs: number, docs: number): number {
  return ((cpuPercent / 100) * wallMs) / docs;
}

/** Fails with the connector's answer when it is not the expected status. */
function expectStatus(what: string, r: { status: number; text?: string }, status: number): void {
  if (r.status !== status) throw new Error(`${what}: HTTP ${r.status}, expected ${status}: ${(r.text ?? '').slice(0, 500)}`);
}

// ---------------------------------------------------------------- 1. throughput

interface Phase {
  docsPerSec: number;
  cpu: { bench: number; connector: number };
  connector: ProcessUsage;
}

async function sdkPhase(o: ConnectorBenchOptions, count: number, connectorPid: number): Promise<Phase> {
  const inputs: SendDocumentInput[] = Array.from({ length: count }, () => ({ id: uuidv7(), to: [o.recipient], body: documentBody('sdk, connector bench') }));
  const sampler = startSampling([
    { name: 'bench', pids: () => [process.pid] },
    { name: 'connector', pids: () => [connectorPid] },
  ]);
  const t0 = performance.now();
  await inFlight(count, o.inFlight, async (i) => void (await o.sdk.sendDocument(inputs[i]!)));
  const ms = performance.now() - t0;
  const [bench, connector] = sampler.stop();
  return {
    docsPerSec: perSecond(count, ms),
    cpu: { bench: cpuMsPerDoc(bench!.cpuPercent, ms, count), connector: cpuMsPerDoc(connector!.cpuPercent, ms, count) },
    connector: connector!,
  };
}

async function connectorPhase(o: ConnectorBenchOptions, count: number, conn: ConnectorProcess, http: ConnectorHttpClient): Promise<Phase> {
  const bodies = Array.from({ length: count }, () => Buffer.from(JSON.stringify({ to: [o.recipient], body: documentBody('connector') }), 'utf8'));
  const sampler = startSampling([
    { name: 'bench', pids: () => [process.pid] },
    { name: 'connector', pids: () => [conn.pid] },
  ]);
  const t0 = performance.now();
  await inFlight(count, o.inFlight, async (i) => {
    const r = await http.send('POST', '/v1/outbox', bodies[i]!);
    if (r.status !== 202) {
      conn.assertAlive();
      expectStatus('POST /v1/outbox', r, 202);
    }
  });
  const ms = performance.now() - t0;
  const [bench, connector] = sampler.stop();
  return {
    docsPerSec: perSecond(count, ms),
    cpu: { bench: cpuMsPerDoc(bench!.cpuPercent, ms, count), connector: cpuMsPerDoc(connector!.cpuPercent, ms, count) },
    connector: connector!,
  };
}

async function throughput(o: ConnectorBenchOptions): Promise<ConnectorThroughput> {
  const conn = await startConnector({
    natsUrl: o.natsUrl,
    ns: o.ns,
    dataDir: o.dataDir,
    agency: o.sender,
    stateDir: join(o.workDir, 'connector-sender'),
    keyFile: join(o.workDir, 'keys', `${o.sender.code}.json`),
  });
  const http = new ConnectorHttpClient(conn.url, o.inFlight);
  try {
    const warm = Math.min(500, o.docs);
    o.log(`connector: warm-up, ${warm} documents each way (${o.inFlight} in flight)`);
    await sdkPhase(o, warm, conn.pid);
    await connectorPhase(o, warm, conn, http);
    await hubIdle(o.nc, o.topo);
    const rounds: ThroughputRound[] = [];
    for (let r = 1; r <= o.rounds; r++) {
      const sdk = await sdkPhase(o, o.docs, conn.pid);
      await hubIdle(o.nc, o.topo);
      const viaHttp = await connectorPhase(o, o.docs, conn, http);
      await hubIdle(o.nc, o.topo);
      rounds.push({
        sdkDocsPerSec: sdk.docsPerSec,
        connectorDocsPerSec: viaHttp.docsPerSec,
        cpuMsPerDoc: { sdkBench: sdk.cpu.bench, connector: viaHttp.cpu.connector, connectorBench: viaHttp.cpu.bench },
        connectorCpuPercent: viaHttp.connector.cpuPercent,
        connectorRunQueueWaitPercent: viaHttp.connector.runQueueWaitPercent,
      });
      o.log(
        `connector: round ${r}/${o.rounds}: SDK ${fmtInt(sdk.docsPerSec)} docs/s, connector over HTTP ${fmtInt(viaHttp.docsPerSec)} docs/s (${fmtRatio(viaHttp.docsPerSec / sdk.docsPerSec)})`,
      );
    }
    const sdkDocsPerSec = median(rounds.map((r) => r.sdkDocsPerSec));
    const connectorDocsPerSec = median(rounds.map((r) => r.connectorDocsPerSec));
    return { docs: o.docs, inFlight: o.inFlight, rounds, sdkDocsPerSec, connectorDocsPerSec, ratio: connectorDocsPerSec / sdkDocsPerSec };
  } finally {
    http.close();
    await conn.stop();
  }
}

// ---------------------------------------------------------------- 2. a big attachment

async function attachmentRun(o: ConnectorBenchOptions): Promise<ConnectorAttachmentRun> {
  const file = join(o.workDir, 'big.bin');
  const saved = join(o.workDir, 'big.downloaded');
  o.log(`connector: writing ${o.attMb} MB of random bytes`);
  const sha256 = await writeRandomFile(file, o.attMb * MB);
  const size = statSync(file).size;
  const service = await o.startAttachments();
  const started: ConnectorProcess[] = [];
  try {
    const start = async (agency: Sender, dir: string) => {
      const c = await startConnector({
        natsUrl: o.natsUrl,
        ns: o.ns,
        dataDir: o.dataDir,
        agency,
        stateDir: join(o.workDir, dir),
        keyFile: join(o.workDir, 'keys', `${agency.code}.json`),
      });
      started.push(c);
      return c;
    };
    const [sending, receiving] = await Promise.all([start(o.sender, 'connector-sender'), start(o.receiver, 'connector-receiver')]);
    const out = new ConnectorHttpClient(sending.url, 1);
    const inbox = new ConnectorHttpClient(receiving.url, 1);
    try {
      const documentJson = JSON.stringify({ to: [o.receiver.code], body: documentBody(`connector ${o.attMb} MB`) });
      const framing = multipartFraming({
        documentJson,
        fileField: 'attachment',
        fileName: ATTACHMENT_NAME,
        fileType: 'application/octet-stream',
        fileSize: size,
      });
      o.log(`connector: ${o.attMb} MB multipart POST /v1/outbox to ${o.sender.code}'s connector`);
      let t = performance.now();
      const posted = await out.postMultipartFile('/v1/outbox', framing, file);
      const uploadS = (performance.now() - t) / 1000;
      sending.assertAlive();
      expectStatus('multipart POST /v1/outbox', posted, 202);
      const id = (JSON.parse(posted.text) as { id: string }).id;

      t = performance.now();
      for (;;) {
        receiving.assertAlive();
        const r = await inbox.send('GET', `/v1/inbox/${id}`);
        if (r.status === 200) break;
        if (r.status !== 404) expectStatus(`GET /v1/inbox/${id}`, r, 200);
        if (performance.now() - t > 60_000) throw new Error(`document ${id} not in ${o.receiver.code}'s connector inbox after 60 s`);
        await new Promise((res) => setTimeout(res, 50));
      }
      const arrivalMs = performance.now() - t;

      o.log(`connector: downloading it through ${o.receiver.code}'s connector`);
      t = performance.now();
      const got = await inbox.download(`/v1/inbox/${id}/attachments/${encodeURIComponent(ATTACHMENT_NAME)}`, saved);
      const downloadS = (performance.now() - t) / 1000;
      receiving.assertAlive();
      expectStatus('GET attachment', got, 200);
      if (got.size !== size || got.sha256 !== sha256)
        throw new Error(
          `the downloaded attachment differs from the file sent: ${got.size} bytes, SHA-256 ${got.sha256}; sent ${size} bytes, SHA-256 ${sha256}`,
        );
      if (got.headers['x-content-sha256'] !== sha256)
        throw new Error(`X-Content-SHA256 ${String(got.headers['x-content-sha256'])} is not the file's ${sha256}`);
      expectStatus(`POST /v1/inbox/${id}/ack`, await inbox.send('POST', `/v1/inbox/${id}/ack`), 200);
      const peak = { sendingConnector: peakRssMb(sending.pid), receivingConnector: peakRssMb(receiving.pid) };
      return {
        sizeMb: size / MB,
        uploadMBs: size / MB / uploadS,
        arrivalMs,
        downloadMBs: size / MB / downloadS,
        endToEndMBs: size / MB / (uploadS + downloadS),
        peakRssMb: peak,
        sha256,
      };
    } finally {
      out.close();
      inbox.close();
    }
  } finally {
    await Promise.all(started.map((c) => c.stop()));
    await service.stop();
    rmSync(file, { force: true });
    rmSync(saved, { force: true });
  }
}

/** Both runs; the connectors and the attachments service it starts are stopped before it returns, also after a failure. */
export async function runConnectorBench(o: ConnectorBenchOptions): Promise<ConnectorResults> {
  const tp = await throughput(o);
  const attachment = o.attMb > 0 ? await attachmentRun(o) : null;
  return { throughput: tp, attachment };
}

// ---------------------------------------------------------------- report

/** The issue's two targets, in the shape of BenchResults.targets. */
export function connectorTargets(r: ConnectorResults): Array<{ name: string; target: string; value: number; unit: string; met: boolean }> {
  const t = r.throughput;
  const out = [
    {
      name: `connector: documents over HTTP vs the SDK, ${t.inFlight} in flight each (accepted by the hub)`,
      target: `>= ${CONNECTOR_TARGETS.ratio * 100}%`,
      value: t.ratio,
      unit: 'ratio',
      met: t.ratio >= CONNECTOR_TARGETS.ratio,
    },
  ];
  const a = r.attachment;
  if (a) {
    const largest = Math.max(a.peakRssMb.sendingConnector, a.peakRssMb.receivingConnector);
    out.push({
      name: `connector: ${fmtInt(a.sizeMb)} MB attachment (multipart in, download out), peak RSS per connector${a.sizeMb < CONNECTOR_TARGETS.bigMb ? ` (target is for ${CONNECTOR_TARGETS.bigMb} MB)` : ''}`,
      target: `<= ${CONNECTOR_TARGETS.peakRssMb} MB`,
      value: largest,
      unit: 'MB',
      met: largest <= CONNECTOR_TARGETS.peakRssMb && a.sizeMb >= CONNECTOR_TARGETS.bigMb,
    });
  }
  return out;
}

export function renderConnector(r: ConnectorResults): string[] {
  const t = r.throughput;
  const out = [
    `Agency connector (issue 13): ${fmtInt(t.docs)} documents per side per round, ${t.inFlight} in flight, same sender, recipient and document shape; docs/s until the last is accepted by the hub`,
    table([
      [
        'round',
        'SDK sendDocument docs/s',
        'connector POST /v1/outbox docs/s',
        'connector / SDK',
        'CPU ms/doc: connector',
        'bench (HTTP client)',
        'bench (SDK)',
        'connector CPU / run-queue wait',
      ],
      ...t.rounds.map((x, i) => [
        String(i + 1),
        fmtInt(x.sdkDocsPerSec),
        fmtInt(x.connectorDocsPerSec),
        fmtRatio(x.connectorDocsPerSec / x.sdkDocsPerSec),
        x.cpuMsPerDoc.connector.toFixed(3),
        x.cpuMsPerDoc.connectorBench.toFixed(3),
        x.cpuMsPerDoc.sdkBench.toFixed(3),
        `${x.connectorCpuPercent.toFixed(0)}% / ${x.connectorRunQueueWaitPercent.toFixed(0)}%`,
      ]),
      ['median', fmtInt(t.sdkDocsPerSec), fmtInt(t.connectorDocsPerSec), fmtRatio(t.ratio), '', '', '', ''],
    ]),
  ];
  const a = r.attachment;
  if (a) {
    out.push(
      `connector ${fmtInt(a.sizeMb)} MB attachment: multipart upload ${a.uploadMBs.toFixed(1)} MB/s, in the receiving connector's inbox ${fmtInt(a.arrivalMs)} ms later, ` +
        `download ${a.downloadMBs.toFixed(1)} MB/s (upload + download ${a.endToEndMBs.toFixed(1)} MB/s), SHA-256 equal; ` +
        `peak RSS sending connector ${a.peakRssMb.sendingConnector} MB, receiving connector ${a.peakRssMb.receivingConnector} MB`,
    );
  }
  return out;
}
