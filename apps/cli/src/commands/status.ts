import { jetstreamManager, type ConsumerInfo, type JetStreamManager } from '@nats-io/jetstream';
import { LtError, topology, type Topology } from '@lt/contracts';
import { connectHub, inboxConsumerAgency, summarizeInboxBacklogs, type InboxBacklogs, type NatsConnection } from '@lt/messaging';
import { collectServiceStatus, failingChecks, HUB_SERVICES, summarizeServices, type ServiceStatus } from '@lt/observability';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';

/** One service process, as `lienthong status` lists it. */
export interface InstanceRow {
  service: string;
  instance: string;
  version: string;
  startedAt: string;
  uptimeSeconds: number;
  pid: number;
  host: string;
  live: boolean;
  ready: boolean;
  failing: Array<{ name: string; reason: string }>;
  metricsUrl: string | null;
  /** the `lt_*` metric families its metrics URL serves */
  metrics: string[];
}

export interface StreamRow {
  name: string;
  messages: number | null;
  bytes: number | null;
  replicas: number | null;
  /** why the figures are missing (stream absent, no answer) */
  error?: string;
}

export interface ConsumerRow {
  stream: string;
  name: string;
  pending: number;
  ackPending: number;
}

export interface StatusReport {
  /** every expected service answered and has a ready process */
  ok: boolean;
  namespace: string;
  instances: InstanceRow[];
  /** expected services no process of which answered */
  missing: string[];
  /** expected services that answered, none of whose processes is ready */
  notReady: string[];
  streams: StreamRow[];
  /** the hub's durable consumers (agency inboxes summed up in agencyInboxes) */
  consumers: ConsumerRow[];
  agencyInboxes: InboxBacklogs | null;
  deadLetter: { stream: string; messages: number | null };
}

/**
 * `lienthong status` without `--as`: the hub's own status (the verb with `--as` sends a document
 * status, apps/cli/src/commands/messaging.ts). Exits 1 when a service is missing or not ready.
 */
export async function runHubStatus(c: CliContext, timeoutOption: string): Promise<void> {
  const timeoutMs = Number(timeoutOption);
  if (!Number.isInteger(timeoutMs) || timeoutMs < 1 || timeoutMs > 60_000) {
    throw new LtError('VALIDATION_FAILED', `--timeout must be a whole number of milliseconds from 1 to 60000, got ${JSON.stringify(timeoutOption)}`, {
      field: 'timeout',
    });
  }
  let nc: NatsConnection;
  try {
    nc = await connectHub(c.natsSettings, 'lienthong-cli-status');
  } catch (err) {
    if (err instanceof LtError) throw err;
    throw new LtError('UNAVAILABLE', `cannot reach NATS at ${c.natsUrl} (${(err as Error).message}); is \`npm start\` running?`, { url: c.natsUrl });
  }
  try {
    const report = await hubStatus(nc, topology(c.ns), timeoutMs);
    c.print(report, renderStatus);
    if (!report.ok) process.exitCode = 1;
  } finally {
    await nc.drain().catch(() => undefined);
  }
}

/** Asks every service process for its status and reads the streams' and consumers' figures (operator connection). */
export async function hubStatus(nc: NatsConnection, topo: Topology, timeoutMs: number): Promise<StatusReport> {
  const [answers, jetStream] = await Promise.all([collectServiceStatus(nc, topo.ns, timeoutMs), readJetStream(nc, topo)]);
  const summary = summarizeServices(answers, HUB_SERVICES);
  const missing = HUB_SERVICES.filter((s) => !summary[s]!.live);
  const notReady = HUB_SERVICES.filter((s) => summary[s]!.live && !summary[s]!.ready);
  return {
    ok: missing.length === 0 && notReady.length === 0,
    namespace: topo.ns,
    instances: answers.map(instanceRow),
    missing,
    notReady,
    ...jetStream,
  };
}

function instanceRow(s: ServiceStatus): InstanceRow {
  return {
    service: s.service,
    instance: s.instance,
    version: s.version,
    startedAt: s.startedAt,
    uptimeSeconds: s.uptimeSeconds,
    pid: s.pid,
    host: s.host,
    live: s.live,
    ready: s.ready.ready,
    failing: failingChecks(s),
    metricsUrl: s.metricsUrl,
    metrics: s.metrics,
  };
}

async function readJetStream(nc: NatsConnection, topo: Topology): Promise<Pick<StatusReport, 'streams' | 'consumers' | 'agencyInboxes' | 'deadLetter'>> {
  const jsm = await jetstreamManager(nc);
  const streams: StreamRow[] = [];
  const consumers: ConsumerRow[] = [];
  let agencyInboxes: InboxBacklogs | null = null;
  for (const name of Object.values(topo.streams)) {
    try {
      const info = await jsm.streams.info(name);
      streams.push({ name, messages: info.state.messages, bytes: info.state.bytes, replicas: info.config.num_replicas });
    } catch (err) {
      streams.push({ name, messages: null, bytes: null, replicas: null, error: (err as Error).message });
      continue;
    }
    const list = await listConsumers(jsm, name);
    for (const c of list) {
      if (!c.config.durable_name) continue;
      if (name === topo.streams.inbox && inboxConsumerAgency(c, topo)) continue;
      consumers.push({ stream: name, name: c.name, pending: c.num_pending, ackPending: c.num_ack_pending });
    }
    if (name === topo.streams.inbox) agencyInboxes = summarizeInboxBacklogs(list, topo);
  }
  const dlq = streams.find((s) => s.name === topo.streams.deadLetter);
  return { streams, consumers, agencyInboxes, deadLetter: { stream: topo.streams.deadLetter, messages: dlq?.messages ?? null } };
}

async function listConsumers(jsm: JetStreamManager, stream: string): Promise<ConsumerInfo[]> {
  const out: ConsumerInfo[] = [];
  for await (const c of jsm.consumers.list(stream)) out.push(c);
  return out;
}

/** Columns padded to their widest cell; cells made terminal-safe first (they come from the network). */
export function table(header: string[], cells: string[][]): string {
  const rows = cells.map((r) => r.map(terminalSafe));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  return [header, ...rows].map((r) => r.map((cell, i) => (i === r.length - 1 ? cell : cell.padEnd(widths[i]!))).join('  ')).join('\n');
}

export function uptime(seconds: number): string {
  const d = Math.floor(seconds / 86_400);
  const h = Math.floor((seconds % 86_400) / 3_600);
  const m = Math.floor((seconds % 3_600) / 60);
  if (d > 0) return `${d}d${h}h`;
  if (h > 0) return `${h}h${String(m).padStart(2, '0')}m`;
  return m > 0 ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${seconds}s`;
}

function bytes(n: number | null): string {
  if (n === null) return '-';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}

const num = (n: number | null) => (n === null ? '-' : String(n));

export function renderStatus(r: StatusReport): string {
  const out: string[] = [];
  const rows = r.instances.map((i) => [
    i.service,
    i.instance,
    i.live ? 'live' : 'down',
    i.ready ? 'ready' : 'NOT READY',
    i.version,
    uptime(i.uptimeSeconds),
    i.metricsUrl ?? '(no metrics port)',
  ]);
  out.push(table(['SERVICE', 'INSTANCE', 'LIVE', 'READY', 'VERSION', 'UPTIME', 'METRICS'], rows));
  for (const i of r.instances) {
    for (const f of i.failing) out.push(terminalSafe(`  ${i.service} ${i.instance}: ${f.name}: ${f.reason}`));
  }
  if (r.missing.length) out.push(`MISSING: ${r.missing.join(', ')} (no process answered)`);
  if (r.notReady.length) out.push(`NOT READY: ${r.notReady.join(', ')} (no process ready)`);
  out.push('');
  out.push(
    table(
      ['STREAM', 'MESSAGES', 'BYTES', 'REPLICAS'],
      r.streams.map((s) => [s.name, num(s.messages), bytes(s.bytes), s.error ? `- (${s.error})` : num(s.replicas)]),
    ),
  );
  out.push('');
  out.push(
    table(
      ['CONSUMER', 'PENDING', 'ACK PENDING'],
      r.consumers.map((c) => [`${c.stream}/${c.name}`, String(c.pending), String(c.ackPending)]),
    ),
  );
  if (r.agencyInboxes) {
    const a = r.agencyInboxes;
    const top = a.top.map((b) => `${b.agency} ${b.backlog}`).join(', ');
    out.push(`agency inboxes: ${a.consumers} consumers, ${a.pending} pending, ${a.ackPending} ack pending${top ? `; largest backlogs: ${top}` : ''}`);
  }
  out.push(`dead letters: ${num(r.deadLetter.messages)} (${r.deadLetter.stream})`);
  out.push(r.ok ? 'all services live and ready' : 'DEGRADED');
  return out.join('\n');
}
