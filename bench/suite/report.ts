import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { attachmentTargets, renderAttachments, type AttachmentsResults } from './attachments';
import type { JetStreamBaseline, PostgresBaseline } from './baselines';
import { connectorTargets, renderConnector, type ConnectorResults } from './connector';
import type { ProcessUsage } from './procstat';
import type { BenchConfig } from './config';
import type { BroadcastResult, Measured, OpenLoopResult, ThroughputResult } from './scenarios';
import { fmtInt, fmtMiB, fmtMs, fmtRatio, ratio, table } from './stats';

/** What `npm run bench` prints on stdout and writes to bench/results/latest.json. */

export interface MachineInfo {
  os: string;
  cpus: number;
  cpuModel: string;
  memoryGiB: number;
  loadavgStart: number[];
  loadavgEnd: number[];
  node: string;
  natsServer: string;
  postgres: string;
}

/** The raw JetStream baseline, run before and after the hub-only scenario; ratios use the mean. */
export interface JetStreamBaselines {
  messages: number;
  meanBytes: number;
  publishPerSec: number;
  consumePerSec: number;
  runs: JetStreamBaseline[];
}

export function combineBaselines(runs: JetStreamBaseline[]): JetStreamBaselines {
  const mean = (f: (b: JetStreamBaseline) => number) => runs.reduce((a, b) => a + f(b), 0) / runs.length;
  return {
    messages: runs[0]!.messages,
    meanBytes: runs[0]!.meanBytes,
    publishPerSec: mean((b) => b.publishPerSec),
    consumePerSec: mean((b) => b.consumePerSec),
    runs,
  };
}

export interface BenchResults {
  version: 1;
  startedAt: string;
  finishedAt: string;
  durationSeconds: number;
  git: { commit: string | null; dirty: boolean | null };
  machine: MachineInfo;
  settings: Omit<BenchConfig, 'natsUrl' | 'databaseUrl' | 'resultsPath'> & { routerEnv: Record<string, string>; auditEnv: Record<string, string> };
  directory: { agencies: number; tiers: Record<string, number>; senders: number; inboxConsumers: number; broadcastCommunes: number };
  payload: { meanBytes: number; signPerSecOneThread: number };
  baselines: { jetstream: JetStreamBaselines; postgres: PostgresBaseline };
  scenarios: {
    hubOnly: Measured<ThroughputResult>;
    sdk: Measured<ThroughputResult>;
    broadcast: Measured<BroadcastResult>;
    openLoop: Measured<OpenLoopResult>;
  };
  /** issue 12: attachment bytes through the hub against the raw object store; null with BENCH_ATTACHMENTS=0 */
  attachments: AttachmentsResults | null;
  /** issue 13: the agency connector over HTTP against the SDK, a big attachment through two connectors; null with BENCH_CONNECTOR=0 */
  connector: ConnectorResults | null;
  ratios: Record<string, number | null>;
  targets: Array<{ name: string; target: string; value: number; unit: string; met: boolean }>;
  /** things that went wrong without failing the run (e.g. unhandled rejections inside the NATS client) */
  warnings: string[];
}

export function ratiosOf(r: Pick<BenchResults, 'baselines' | 'scenarios' | 'attachments' | 'connector'>): Record<string, number | null> {
  const js = r.baselines.jetstream;
  const pg = r.baselines.postgres;
  const { hubOnly, sdk, broadcast } = r.scenarios;
  return {
    hubOnlyVsJetStreamPublish: ratio(hubOnly.result.docsPerSec, js.publishPerSec),
    hubOnlyVsJetStreamConsume: ratio(hubOnly.result.docsPerSec, js.consumePerSec),
    hubOnlyVsPostgresMultiRow: ratio(hubOnly.result.docsPerSec, pg.multiRowPerSec),
    sdkVsJetStreamPublish: ratio(sdk.result.docsPerSec, js.publishPerSec),
    sdkVsJetStreamConsume: ratio(sdk.result.docsPerSec, js.consumePerSec),
    sdkVsPostgresMultiRow: ratio(sdk.result.docsPerSec, pg.multiRowPerSec),
    broadcastCopiesVsJetStreamPublish: ratio(broadcast.result.copiesPerSec, js.publishPerSec),
    broadcastCopiesVsJetStreamConsume: ratio(broadcast.result.copiesPerSec, js.consumePerSec),
    ...(r.attachments ? { attachmentsHubVsRawObjectStore: r.attachments.throughput.ratio } : {}),
    ...(r.connector ? { connectorVsSdk: r.connector.throughput.ratio } : {}),
  };
}

export function targetsOf(r: Pick<BenchResults, 'scenarios' | 'ratios' | 'attachments' | 'connector'>): BenchResults['targets'] {
  const hubShare = r.ratios.hubOnlyVsJetStreamPublish ?? 0;
  const p99 = r.scenarios.openLoop.result.latency.p99;
  return [
    {
      name: 'hub (pre-signed) vs raw JetStream publish, same payloads',
      target: '>= 25% (2 hops: 50% ceiling)',
      value: hubShare,
      unit: 'ratio',
      met: hubShare >= 0.25,
    },
    {
      name: 'end-to-end signed delivery (SDK signs and sends)',
      target: '>= 3,000 docs/s',
      value: r.scenarios.sdk.result.docsPerSec,
      unit: 'docs/s',
      met: r.scenarios.sdk.result.docsPerSec >= 3_000,
    },
    { name: `p99 latency at ${r.scenarios.openLoop.result.rate} docs/s (due time -> stored in the inbox stream)`, target: '< 50 ms', value: p99, unit: 'ms', met: p99 < 50 },
    ...(r.attachments ? attachmentTargets(r.attachments) : []),
    ...(r.connector ? connectorTargets(r.connector) : []),
  ];
}

export function writeResults(path: string, results: BenchResults): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, `${JSON.stringify(results, null, 2)}\n`);
}

const SCENARIO_LABELS: Array<[keyof BenchResults['scenarios'], string]> = [
  ['hubOnly', '(a) hub only'],
  ['sdk', '(a) SDK'],
  ['broadcast', '(b) broadcast'],
  ['openLoop', '(c) open loop'],
];

export function renderSummary(r: BenchResults, resultsPath: string): string {
  const out: string[] = [];
  const m = r.machine;
  const js = r.baselines.jetstream;
  const pg = r.baselines.postgres;
  const { hubOnly, sdk, broadcast, openLoop } = r.scenarios;
  out.push('');
  out.push(
    `LienThong hub bench  ${r.startedAt}  commit ${r.git.commit?.slice(0, 10) ?? '?'}${r.git.dirty ? ' (uncommitted changes)' : ''}  took ${r.durationSeconds.toFixed(0)} s`,
  );
  out.push(`machine: ${m.cpus} x ${m.cpuModel}, ${m.memoryGiB.toFixed(1)} GiB, ${m.os}; node ${m.node}, nats-server ${m.natsServer}, ${m.postgres}`);
  out.push(
    `load average ${m.loadavgStart[0]!.toFixed(2)} at start, ${m.loadavgEnd[0]!.toFixed(2)} at end: other work on the machine shifts absolute figures; the ratios compare with baselines measured in this run`,
  );
  const tiers = Object.entries(r.directory.tiers)
    .map(([t, n]) => `${t} ${fmtInt(n)}`)
    .join(', ');
  out.push(
    `directory: ${fmtInt(r.directory.agencies)} agencies (${tiers}), ${r.directory.senders} senders with Ed25519 keys, ${fmtInt(r.directory.inboxConsumers)} durable inbox consumers; ` +
      `documents ${fmtInt(r.payload.meanBytes)} bytes signed; audit ${r.settings.audit ? 'on' : 'OFF'}`,
  );
  out.push('');
  out.push('Baselines (same run, same servers; raw JetStream measured before and after (a) hub only, ratios use the mean)');
  out.push(
    table([
      ['', 'rate', ''],
      [
        `raw JetStream async publish, file stream, ${r.settings.window} in flight`,
        `${fmtInt(js.publishPerSec)} msgs/s`,
        `${fmtInt(js.messages)} msgs of ${fmtInt(js.meanBytes)} B; runs ${js.runs.map((b) => fmtInt(b.publishPerSec)).join(' and ')}`,
      ],
      ['raw JetStream pull consume + ack', `${fmtInt(js.consumePerSec)} msgs/s`, `runs ${js.runs.map((b) => fmtInt(b.consumePerSec)).join(' and ')}`],
      ['raw PostgreSQL multi-row INSERT (12,000 rows/statement)', `${fmtInt(pg.multiRowPerSec)} rows/s`, `${fmtInt(pg.rows)} rows`],
      ['raw PostgreSQL INSERT, 512 rows/statement', `${fmtInt(pg.batch512PerSec)} rows/s`, ''],
      ['raw PostgreSQL single-row INSERT, autocommit', `${fmtInt(pg.singleRowPerSec)} rows/s`, ''],
      ['SDK prepare() (validate, sign, serialise), one thread', `${fmtInt(r.payload.signPerSecOneThread)} docs/s`, ''],
    ]),
  );
  out.push('');
  out.push('Throughput (until every copy is in the recipient inbox stream)');
  out.push(
    table([
      ['scenario', 'docs/s', 'vs JS publish', 'vs JS consume', 'vs PG insert', 'accepted/s', 'docs'],
      [
        '(a) hub only: pre-signed, raw async publish',
        fmtInt(hubOnly.result.docsPerSec),
        fmtRatio(r.ratios.hubOnlyVsJetStreamPublish ?? null),
        fmtRatio(r.ratios.hubOnlyVsJetStreamConsume ?? null),
        fmtRatio(r.ratios.hubOnlyVsPostgresMultiRow ?? null),
        fmtInt(hubOnly.result.acceptedPerSec),
        fmtInt(hubOnly.result.docs),
      ],
      [
        '(a) end to end: SDK signs + sendDocumentBatch',
        fmtInt(sdk.result.docsPerSec),
        fmtRatio(r.ratios.sdkVsJetStreamPublish ?? null),
        fmtRatio(r.ratios.sdkVsJetStreamConsume ?? null),
        fmtRatio(r.ratios.sdkVsPostgresMultiRow ?? null),
        fmtInt(sdk.result.acceptedPerSec),
        fmtInt(sdk.result.docs),
      ],
      [
        `(b) broadcast to ${fmtInt(broadcast.result.copiesEach)} communes (copies/s)`,
        fmtInt(broadcast.result.copiesPerSec),
        fmtRatio(r.ratios.broadcastCopiesVsJetStreamPublish ?? null),
        fmtRatio(r.ratios.broadcastCopiesVsJetStreamConsume ?? null),
        '',
        '',
        `${broadcast.result.broadcasts} x ${fmtInt(broadcast.result.copiesEach)}`,
      ],
    ]),
  );
  out.push(
    `(b) all ${fmtInt(broadcast.result.copiesEach)} copies in inboxes after: ${broadcast.result.allCopiesMs.map((ms) => fmtMs(ms)).join(', ')} (median ${fmtMs(broadcast.result.median)})`,
  );
  out.push('');
  const ol = openLoop.result;
  out.push(
    `Latency: (c) open loop at ${fmtInt(ol.rate)} docs/s for ${ol.seconds} s (${fmtInt(ol.docs)} docs, sent at ${fmtInt(ol.sentPerSec)}/s), measured from each document's due time`,
  );
  out.push(
    table([
      ['', 'p50', 'p95', 'p99', 'max'],
      ['copy stored in the recipient inbox stream', fmtMs(ol.latency.p50), fmtMs(ol.latency.p95), fmtMs(ol.latency.p99), fmtMs(ol.latency.max)],
      ['copy seen by the bench inbox watcher', fmtMs(ol.seen.p50), fmtMs(ol.seen.p95), fmtMs(ol.seen.p99), fmtMs(ol.seen.max)],
      ['submission accepted (PubAck to the SDK)', fmtMs(ol.accepted.p50), fmtMs(ol.accepted.p95), fmtMs(ol.accepted.p99), fmtMs(ol.accepted.max)],
    ]),
  );
  out.push('');
  const phases = usagePhases(r);
  out.push('CPU while each phase ran: % of one core / % of the time its main thread waited for a CPU (run queue), and peak RSS');
  const names = phases[0]!.usage.map((u) => u.name);
  const cpuRows: string[][] = [['process', ...phases.map((p) => p.label), 'peak RSS']];
  for (const name of names) {
    const per = phases.map((p) => p.usage.find((u) => u.name === name));
    const measured = per.some((u) => u?.measured);
    cpuRows.push([
      name,
      ...per.map((u) => (u?.measured ? `${u.cpuPercent.toFixed(0)}/${u.runQueueWaitPercent.toFixed(0)}%` : '-')),
      measured ? fmtMiB(Math.max(...per.map((u) => u?.peakRssBytes ?? 0))) : '-',
    ]);
  }
  out.push(table(cpuRows));
  out.push('');
  out.push('CPU time per unit of work: ms per message (baselines), per document (a, c), per copy (b)');
  const msRows: string[][] = [['process', ...phases.map((p) => p.label)]];
  for (const name of names) {
    const per = phases.map((p) => {
      const u = p.usage.find((x) => x.name === name);
      return u?.measured ? cpuMsPerUnit(u.cpuPercent, p.wallMs, p.units) : Number.NaN;
    });
    if (per.every((v) => !Number.isFinite(v))) continue;
    msRows.push([name, ...per.map((v) => (Number.isFinite(v) ? v.toFixed(3) : '-'))]);
  }
  const hubNames = names.filter((n) => !n.startsWith('bench'));
  msRows.push([
    'total without the bench process',
    ...phases.map((p) =>
      cpuMsPerUnit(
        p.usage.filter((u) => hubNames.includes(u.name) && u.measured).reduce((a, u) => a + u.cpuPercent, 0),
        p.wallMs,
        p.units,
      ).toFixed(3),
    ),
  ]);
  out.push(table(msRows));
  out.push('');
  out.push(
    'Per document (broadcast: per broadcast): JetStream messages stored and PostgreSQL rows inserted after the hub settled; largest consumer backlogs seen',
  );
  const keys = (pick: (s: Measured<unknown>) => Record<string, number>) =>
    [...new Set(SCENARIO_LABELS.flatMap(([k]) => Object.keys(pick(r.scenarios[k] as Measured<unknown>))))].filter((k) =>
      SCENARIO_LABELS.some(([s]) => (pick(r.scenarios[s] as Measured<unknown>)[k] ?? 0) !== 0),
    );
  const perRows: string[][] = [['', ...SCENARIO_LABELS.map(([, l]) => l)]];
  for (const k of keys((s) => s.perDoc.messages)) perRows.push([`stream ${k}`, ...SCENARIO_LABELS.map(([s]) => fmtPer(r.scenarios[s].perDoc.messages[k]))]);
  for (const k of keys((s) => s.perDoc.rows)) perRows.push([`table ${k}`, ...SCENARIO_LABELS.map(([s]) => fmtPer(r.scenarios[s].perDoc.rows[k]))]);
  const backlogKeys = [...new Set(SCENARIO_LABELS.flatMap(([k]) => Object.keys(r.scenarios[k].maxBacklog)))].sort();
  for (const k of backlogKeys) perRows.push([`max backlog of consumer ${k}`, ...SCENARIO_LABELS.map(([s]) => fmtInt(r.scenarios[s].maxBacklog[k] ?? 0))]);
  perRows.push([
    'hub settled (router+audit idle) after',
    ...SCENARIO_LABELS.map(([s]) => (r.scenarios[s].settled ? fmtMs(r.scenarios[s].settleMs) : 'not settled')),
  ]);
  out.push(table(perRows));
  out.push('');
  if (r.attachments) {
    out.push(...renderAttachments(r.attachments));
    out.push('');
  }
  if (r.connector) {
    out.push(...renderConnector(r.connector));
    out.push('');
  }
  out.push('Targets');
  out.push(
    table([
      ['', 'target', 'measured', ''],
      ...r.targets.map((t) => [
        t.name,
        t.target,
        t.unit === 'ratio' ? fmtRatio(t.value) : t.unit === 'ms' ? fmtMs(t.value) : `${fmtInt(t.value)} ${t.unit}`,
        t.met ? 'met' : 'MISSED',
      ]),
    ]),
  );
  out.push('');
  if (r.warnings.length) out.push(`${r.warnings.length} warning(s), see "warnings" in the JSON: ${r.warnings[0]!.split('\n')[0]}`);
  out.push(`results written to ${resultsPath}`);
  return out.join('\n');
}

interface UsagePhase {
  label: string;
  usage: ProcessUsage[];
  wallMs: number;
  /** messages, documents or copies handled in the phase */
  units: number;
}

function usagePhases(r: BenchResults): UsagePhase[] {
  const js = r.baselines.jetstream.runs[0]!;
  const { hubOnly, sdk, broadcast, openLoop } = r.scenarios;
  return [
    { label: 'JS publish', usage: js.publishUsage, wallMs: js.publishMs, units: js.messages },
    { label: 'JS consume', usage: js.consumeUsage, wallMs: js.consumeMs, units: js.messages },
    { label: '(a) hub only', usage: hubOnly.usage, wallMs: hubOnly.wallMs, units: hubOnly.result.docs },
    { label: '(a) SDK', usage: sdk.usage, wallMs: sdk.wallMs, units: sdk.result.docs },
    { label: '(b) broadcast', usage: broadcast.usage, wallMs: broadcast.wallMs, units: broadcast.result.broadcasts * broadcast.result.copiesEach },
    { label: '(c) open loop', usage: openLoop.usage, wallMs: openLoop.wallMs, units: openLoop.result.docs },
  ];
}

/** CPU milliseconds per unit from a CPU % (of one core) held over wallMs. */
export function cpuMsPerUnit(cpuPct: number, wallMs: number, units: number): number {
  return units > 0 ? ((cpuPct / 100) * wallMs) / units : Number.NaN;
}

function fmtPer(v: number | undefined): string {
  if (v === undefined || v === 0) return '0';
  return v >= 100 ? fmtInt(v) : v.toFixed(2);
}
