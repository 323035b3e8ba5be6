import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { Command } from 'commander';
import {
  LtError,
  bundleLine,
  type AgencyReport,
  type BundleHeader,
  type CheckpointResponse,
  type DirectionStats,
  type ExportEntriesResponse,
  type InclusionProofResponse,
  type MessageTrace,
  type VerifyReport,
} from '@lt/contracts';
import { verifyBundleFile, verifyInclusionProof, type BundleVerifyReport } from '@lt/audit-log';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';

/** `123` is a position in the log, anything else an ISO date or date-time. */
function rangeParams(from: string | undefined, to: string | undefined): URLSearchParams {
  const qs = new URLSearchParams();
  const put = (v: string | undefined, seqName: string, timeName: string) => {
    if (v === undefined) return;
    if (/^\d+$/.test(v)) qs.set(seqName, v);
    else if (Number.isFinite(Date.parse(v))) qs.set(timeName, v);
    else throw new LtError('BAD_REQUEST', `${timeName} must be a position (integer) or an ISO date/date-time, got ${JSON.stringify(v)}`);
  };
  put(from, 'fromSeq', 'from');
  put(to, 'toSeq', 'to');
  return qs;
}

function duration(ms: number | null): string {
  if (ms === null) return '-';
  if (Math.abs(ms) < 1000) return `${ms} ms`;
  if (Math.abs(ms) < 120_000) return `${(ms / 1000).toFixed(1)} s`;
  if (Math.abs(ms) < 7_200_000) return `${Math.round(ms / 60_000)} min`;
  return `${(ms / 3_600_000).toFixed(1)} h`;
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  const [value, unit] = n < 1024 ** 2 ? [n / 1024, 'KiB'] : n < 1024 ** 3 ? [n / 1024 ** 2, 'MiB'] : [n / 1024 ** 3, 'GiB'];
  return `${value.toFixed(1)} ${unit} (${n} bytes)`;
}

/** Text form of `trace`; the JSON form (--json) is the MessageTrace itself. */
export function traceText(t: MessageTrace): string {
  const lines = [
    `message ${t.messageId} (${t.kind ?? '?'}) from ${t.from ?? '?'}, issued ${t.issuedAt ?? '?'}, ${t.copies ?? '?'} copies, routed after ${duration(t.msToRoute)}`,
    ...(t.flags.length ? [`flags: ${t.flags.join(', ')}`] : []),
    ...t.rejections.map((r) => `REFUSED ${r.reasonCode ?? ''} ${r.reason ?? ''} (entry ${r.seq})`),
    // the delivery entries record each upload by id (Lt-Attachments): the id is the name the hub knows it by
    ...(t.attachments?.length ? ['attachments:', ...t.attachments.map((a) => `  ${a.id}  ${bytes(a.size)}  sha256 ${a.sha256}`)] : []),
    'recipients:',
    ...t.recipients.map(
      (r) =>
        `  ${r.code}${r.forwardedFrom ? ` (for closed ${r.forwardedFrom})` : ''}  delivered ${r.deliveredAt ?? '-'}  01 after ${duration(r.msTo01)}  03 after ${duration(r.msTo03)}  06 after ${duration(r.msTo06)}` +
        `${r.refused ? '  REFUSED' : ''}${r.confirmedSameDay === false ? '  (01 not the same day)' : ''}`,
    ),
    ...(t.recall
      ? [`recall requested ${t.recall.requestedAt}: ${t.recall.outcomes.map((o) => `${o.recipient} ${o.code}`).join(', ') || 'no answer yet'}`]
      : []),
    'timeline:',
    ...t.timeline.map((s) => `  #${s.seq}  ${s.at}  +${duration(s.msSinceIssued)}  ${s.summary}`),
  ];
  // one element per line: a value from an inbox header or an envelope cannot add a line or an escape
  return lines.map((line) => terminalSafe(line)).join('\n');
}

function statsText(title: string, s: DirectionStats): string {
  return `${title.padEnd(22)} docs ${s.documents}  copies ${s.copies}  arrived ${s.arrived}  same-day ${s.confirmedSameDay}  refused ${s.refused}  unconfirmed past due ${s.unconfirmedPastDue}  median to 01 ${duration(s.medianMsTo01)}, 03 ${duration(s.medianMsTo03)}, 06 ${duration(s.medianMsTo06)}`;
}

function reportText(r: AgencyReport): string {
  return [
    `${r.code}  ${r.from} .. ${r.to}`,
    statsText('sent', r.sent),
    ...Object.entries(r.sent.byRecipientTier).map(([t, s]) => statsText(`  to ${t}`, s)),
    statsText('received', r.received),
    ...Object.entries(r.received.bySenderTier).map(([t, s]) => statsText(`  from ${t}`, s)),
    `refused by the hub ${r.rejectedByHub}, recalls ${r.recalls}`,
  ].join('\n');
}

export function registerAuditCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('trace <messageId>')
    .description('whole timeline of a message from the audit log (auditor)')
    .action(async (id: string) => {
      const c = ctx();
      const t = await c.http<MessageTrace>('GET', `/v1/messages/${encodeURIComponent(id)}/trace`, undefined, { role: 'auditor' });
      c.print(t, traceText);
    });

  const audit = program.command('audit').description('the tamper-evident audit log');

  audit
    .command('checkpoint')
    .description('latest signed checkpoint and the log verifier key (pin it for audit verify --vkey)')
    .action(async () => {
      const c = ctx();
      const cp = await c.http<CheckpointResponse>('GET', '/v1/audit/checkpoint', undefined, { role: 'auditor' });
      c.print(cp, (x: CheckpointResponse) => `${x.checkpoint}\nvkey ${x.vkey}`);
    });

  audit
    .command('proof <seq>')
    .description('fetch an inclusion proof and check it locally against the signed checkpoint')
    .option('--tree-size <n>', 'tree size to prove against (default: latest checkpoint)')
    .option('--vkey <vkey...>', 'pinned log verifier key(s): after a checkpoint key rotation, the active and the retired ones (default: the ones the hub serves)')
    .action(async (seq: string, o: { treeSize?: string; vkey?: string[] }) => {
      const c = ctx();
      const qs = o.treeSize ? `?treeSize=${encodeURIComponent(o.treeSize)}` : '';
      const proof = await c.http<InclusionProofResponse>('GET', `/v1/audit/proof/${encodeURIComponent(seq)}${qs}`, undefined, { role: 'auditor' });
      const served = o.vkey ? null : await c.http<CheckpointResponse>('GET', '/v1/audit/checkpoint', undefined, { role: 'auditor' });
      // an older checkpoint may be signed by a checkpoint key since rotated: trust every key of the log
      const vkey = o.vkey ?? served!.vkeys ?? served!.vkey;
      verifyInclusionProof(proof, vkey);
      c.print(
        proof,
        (p: InclusionProofResponse) =>
          `entry ${p.seq} (${p.entry.type} ${p.entry.id}) is in the tree of ${p.treeSize} entries signed by the log: proof of ${p.proof.length} hashes verified`,
      );
    });

  audit
    .command('export')
    .description('write a self-contained bundle (entries, checkpoints, the hub public key) for offline verification')
    .option('--from <seq|time>', 'first position, or ISO date/time (widened to the checkpoint before it)')
    .option('--to <seq|time>', 'last position, or ISO date/time (widened to the checkpoint after it)')
    .option('--out <file>', 'bundle file (JSON Lines)', 'audit-bundle.jsonl')
    .option('--page <n>', 'entries per request', '2000')
    .action(async (o: { from?: string; to?: string; out: string; page: string }) => {
      const c = ctx();
      const qs = rangeParams(o.from, o.to);
      const header = await c.http<BundleHeader>('GET', `/v1/audit/export?${qs}`, undefined, { role: 'auditor' });
      const out = createWriteStream(o.out, { encoding: 'utf8' });
      const write = async (line: string) => {
        if (!out.write(`${line}\n`)) await once(out, 'drain');
      };
      await write(JSON.stringify(header));
      let entries = 0;
      for (let from: number | null = header.startSize; from !== null && from < header.endSize;) {
        const page: ExportEntriesResponse = await c.http<ExportEntriesResponse>(
          'GET',
          `/v1/audit/entries?fromSeq=${from}&toSeq=${header.endSize}&limit=${o.page}`,
          undefined,
          { role: 'auditor' },
        );
        for (const e of page.entries) await write(bundleLine(e));
        entries += page.entries.length;
        from = page.nextSeq;
      }
      out.end();
      await once(out, 'finish');
      const summary = { file: o.out, startSize: header.startSize, endSize: header.endSize, entries, checkpoints: header.checkpoints.length, vkey: header.vkey, vkeys: header.vkeys ?? [header.vkey] };
      c.print(
        summary,
        (s: typeof summary) =>
          `wrote ${s.entries} entries [${s.startSize}, ${s.endSize}) and ${s.checkpoints} checkpoints to ${s.file}\nverify with: lienthong audit verify ${s.file} --vkey ${s.vkeys.map((v) => `'${v}'`).join(' ')}`,
      );
    });

  audit
    .command('verify [bundle]')
    .description(
      'verify a bundle offline (recomputes leaves and roots, checks signatures); exits non-zero naming the first bad entry. --server asks the audit service to verify the stored log',
    )
    .option('--vkey <vkey...>', 'pinned log verifier key(s), the retired checkpoint keys too after a rotation (default: the keys inside the bundle, which proves less)')
    .option('--server', 'verify the stored log on the audit service instead of a bundle')
    .option('--from-seq <n>', 'with --server: first position')
    .option('--to-seq <n>', 'with --server: end position (exclusive)')
    .action(async (bundle: string | undefined, o: { vkey?: string[]; server?: boolean; fromSeq?: string; toSeq?: string }) => {
      const c = ctx();
      let report: BundleVerifyReport | VerifyReport;
      if (o.server) {
        report = await c.http<VerifyReport>(
          'POST',
          '/v1/audit/verify',
          { fromSeq: o.fromSeq ? Number(o.fromSeq) : undefined, toSeq: o.toSeq ? Number(o.toSeq) : undefined },
          { role: 'auditor' },
        );
      } else {
        if (!bundle) throw new LtError('BAD_REQUEST', 'name the bundle file to verify (or use --server)');
        report = await verifyBundleFile(bundle, { vkey: o.vkey });
      }
      const p = report.firstProblem;
      if (p) {
        throw new LtError('VALIDATION_FAILED', `audit log NOT intact: first bad entry ${p.seq} (${p.reason}): ${p.message}`, { ...report });
      }
      const keyNote = 'keyFromBundle' in report && report.keyFromBundle ? ' (key taken from the bundle: pin it with --vkey)' : '';
      c.print(
        report,
        (r: BundleVerifyReport | VerifyReport) =>
          `OK: ${r.entriesChecked} entries and ${r.checkpointsChecked} signed checkpoints verified in ${r.durationMs} ms${keyNote}`,
      );
    });

  audit
    .command('report')
    .description('Decree 30 report for one agency over a period (auditor)')
    .requiredOption('--agency <code>', 'agency code')
    .option('--from <date>', 'YYYY-MM-DD (Vietnam time) or ISO date-time; default 30 days before --to')
    .option('--to <date>', 'exclusive; default now')
    .action(async (o: { agency: string; from?: string; to?: string }) => {
      const c = ctx();
      const qs = new URLSearchParams();
      if (o.from) qs.set('from', o.from);
      if (o.to) qs.set('to', o.to);
      const r = await c.http<AgencyReport>('GET', `/v1/reports/agencies/${encodeURIComponent(o.agency)}?${qs}`, undefined, { role: 'auditor' });
      c.print(r, reportText);
    });
}
