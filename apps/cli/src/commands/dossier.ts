import { existsSync, readFileSync } from 'node:fs';
import type { Command } from 'commander';
import {
  DOSSIER_STATE_LABELS_VI,
  DOSSIER_STATES,
  LtError,
  isDossierStateCode,
  parseAgencyCode,
  type DossierAppliedBody,
  type DossierReport,
  type DossierReportResult,
  type DossierStateCode,
  type DossierView,
} from '@lt/contracts';
import { getProcedure, stepWorkingDaysFor } from '@lt/dossier-domain';
import { keyPaths } from '@lt/platform';
import { connect, dossiers, type DossierClient, type DossierSendResult } from '@lt/sdk';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';

/**
 * `lienthong dossier submit|transfer|return|status|show|report`. Steps (submit, transfer, return,
 * status) are envelopes signed with the agency's key (`--as`, key file in the data folder) and
 * published through the SDK; the command waits for the hub's answer in the agency's inbox and
 * prints it (the issued code for a submit). show/report read through the gateway.
 */

interface StepOptions {
  as: string;
  wait?: boolean;
  timeout: string;
}

async function withAgency<T>(c: CliContext, as: string, fn: (d: DossierClient) => Promise<T>): Promise<T> {
  const agencyCode = parseAgencyCode(as);
  const keyFile = keyPaths.agency(c.dataDir, agencyCode);
  if (!existsSync(keyFile))
    throw new LtError('UNKNOWN_KEY', `no signing key for ${agencyCode} at ${keyFile} (create one with \`lienthong key generate ${agencyCode} --register\`)`);
  const client = await connect({ agencyCode, natsUrl: c.natsUrl, natsOptions: c.agencyNatsOptions(agencyCode), keyFile, ns: c.ns, ensureInbox: false, autoArrived: false });
  try {
    return await fn(dossiers(client));
  } finally {
    await client.close().catch(() => undefined);
  }
}

function sendOptions(o: StepOptions): { wait: boolean; timeoutMs: number } {
  const seconds = Number(o.timeout);
  if (!Number.isFinite(seconds) || seconds <= 0)
    throw new LtError('BAD_REQUEST', `--timeout must be a positive number of seconds, got ${JSON.stringify(o.timeout)}`);
  return { wait: o.wait !== false, timeoutMs: seconds * 1000 };
}

function state(n: number): string {
  return isDossierStateCode(n) ? `${n} ${DOSSIER_STATES[n]} (${DOSSIER_STATE_LABELS_VI[n]})` : String(n);
}

function day(iso: string | undefined | null): string {
  if (!iso) return '-';
  return new Date(new Date(iso).getTime() + 7 * 3_600_000).toISOString().slice(0, 10);
}

function printOutcome(c: CliContext, r: DossierSendResult, verb: string): void {
  const out = { envelopeId: r.sent.id, submitSeq: r.sent.seq, ...(r.outcome ? { outcome: r.outcome } : {}) };
  c.print(out, () => {
    if (!r.outcome) return `${verb}: envelope ${r.sent.id} accepted by the hub (not waiting for the outcome)`;
    const o: DossierAppliedBody = r.outcome;
    const step = o.stepDueAt ? `, step due ${day(o.stepDueAt)}` : '';
    return `${o.dossierCode}  ${verb}: state ${state(o.state)}, held by ${o.holder}, due ${day(o.dueAt)}${step}`;
  });
}

/** The procedure code of a dossier: given, or read from the hub through the gateway. */
async function procedureOf(c: CliContext, code: string, given?: string): Promise<string> {
  if (given) return given;
  const d = await c.http<DossierView>('GET', `/v1/dossiers/${encodeURIComponent(code)}`);
  return d.procedureCode;
}

function readApplicant(o: { applicant?: string; applicantFile?: string }): Record<string, string | number | boolean | string[]> {
  const text = o.applicantFile ? readFileSync(o.applicantFile, 'utf8') : o.applicant;
  if (!text) throw new LtError('BAD_REQUEST', 'give the applicant data with --applicant <json> or --applicant-file <file>');
  try {
    return JSON.parse(text) as Record<string, string | number | boolean | string[]>;
  } catch (e) {
    throw new LtError('MALFORMED_JSON', `applicant data is not JSON: ${(e as Error).message}`);
  }
}

function stepCommand(cmd: Command): Command {
  return cmd
    .requiredOption('--as <agency>', 'agency sending the step (its key file must be in the data folder)')
    .option('--no-wait', 'return once the hub accepted the envelope, without waiting for the outcome')
    .option('--timeout <seconds>', 'how long to wait for the hub', '30');
}

function printReport(r: DossierReport, title: string): string {
  const pct = r.onTimeRate === null ? '-' : `${(r.onTimeRate * 100).toFixed(1)}%`;
  const mean = r.settlementWorkingDays.mean === null ? '-' : r.settlementWorkingDays.mean.toFixed(1);
  return [
    `${title}  ${day(r.period.from)} .. ${day(new Date(new Date(r.period.to).getTime() - 1).toISOString())} (as of ${r.asOf})`,
    `  received           ${r.received}`,
    `  settled            ${r.settled.total}  (early ${r.settled.early}, on time ${r.settled.onTime}, late ${r.settled.late})`,
    `  on-time rate       ${pct}`,
    `  in progress        ${r.inProgress}  (awaiting acceptance ${r.awaitingAcceptance})`,
    `  overdue now        ${r.overdueNow}`,
    `  not accepted       ${r.notAccepted}, withdrawn ${r.withdrawn}`,
    `  settlement time    mean ${mean}, p90 ${r.settlementWorkingDays.p90 ?? '-'} working days (pauses excluded)`,
  ].join('\n');
}

export function registerDossierCommands(program: Command, ctx: () => CliContext): void {
  const dossier = program.command('dossier').description('one-stop-shop dossiers across levels (một cửa liên thông)');

  stepCommand(dossier.command('submit'))
    .description('register a dossier at a one-stop desk; prints the dossier code the hub issues')
    .requiredOption('--procedure <code>', 'procedure code, e.g. DEMO-HT-XNTTHN')
    .option('--applicant <json>', 'applicant data as JSON (only the fields the procedure lists)')
    .option('--applicant-file <file>', 'applicant data in a JSON file')
    .option('--received-at <iso>', 'when the desk received it (default now)')
    .option('--receiving <agency>', 'agency registering it, when --as submits for it (e.g. a portal); default --as')
    .option('--note <text>')
    .action(
      async (o: StepOptions & { procedure: string; applicant?: string; applicantFile?: string; receivedAt?: string; receiving?: string; note?: string }) => {
        const c = ctx();
        const applicant = readApplicant(o);
        const r = await withAgency(c, o.as, (d) =>
          d.submit(
            {
              procedureCode: o.procedure,
              applicant,
              ...(o.receivedAt ? { receivedAt: o.receivedAt } : {}),
              ...(o.receiving ? { receivingAgency: o.receiving } : {}),
              ...(o.note ? { note: o.note } : {}),
            },
            sendOptions(o),
          ),
        );
        printOutcome(c, r, 'registered');
      },
    );

  stepCommand(dossier.command('transfer <code>'))
    .description('transfer a dossier to another agency for part of the procedure (a step with its own deadline)')
    .requiredOption('--to <agency>', 'agency the dossier goes to')
    .option('--step-days <n>', 'step budget in working days (default: the procedure step for the target tier)')
    .option('--step-due <YYYY-MM-DD>', 'explicit step deadline instead of --step-days')
    .option('--procedure <code>', 'procedure code (default: read from the hub)')
    .option('--note <text>')
    .action(async (code: string, o: StepOptions & { to: string; stepDays?: string; stepDue?: string; procedure?: string; note?: string }) => {
      const c = ctx();
      const procedureCode = await procedureOf(c, code, o.procedure);
      const r = await withAgency(c, o.as, (d) => {
        let stepWorkingDays = o.stepDays === undefined ? undefined : Number(o.stepDays);
        if (stepWorkingDays === undefined && o.stepDue === undefined) {
          // the procedure's step budget for the target's tier, read from the directory the SDK holds
          const target = d.client.directory.agency(o.to);
          if (!target) throw new LtError('UNKNOWN_RECIPIENT', `${o.to} is not in the agency directory`, { recipient: o.to });
          stepWorkingDays = stepWorkingDaysFor(getProcedure(procedureCode), target.tier);
          if (stepWorkingDays === undefined)
            throw new LtError('BAD_REQUEST', `procedure ${procedureCode} has no step for tier ${target.tier}: give --step-days or --step-due`);
        }
        return d.transfer(
          {
            dossierCode: code,
            procedureCode,
            toAgency: o.to,
            ...(stepWorkingDays !== undefined ? { stepWorkingDays } : { stepDueAt: o.stepDue! }),
            ...(o.note ? { note: o.note } : {}),
          },
          sendOptions(o),
        );
      });
      printOutcome(c, r, `transferred to ${o.to}`);
    });

  stepCommand(dossier.command('return <code>'))
    .description('send a transferred dossier back to the agency that transferred it')
    .option('--procedure <code>', 'procedure code (default: read from the hub)')
    .option('--note <text>')
    .action(async (code: string, o: StepOptions & { procedure?: string; note?: string }) => {
      const c = ctx();
      const procedureCode = await procedureOf(c, code, o.procedure);
      const r = await withAgency(c, o.as, (d) => d.giveBack({ dossierCode: code, procedureCode, ...(o.note ? { note: o.note } : {}) }, sendOptions(o)));
      printOutcome(c, r, 'returned');
    });

  stepCommand(dossier.command('status <code>'))
    .description(
      'move a dossier to a state of the national portal: 2 accepted, 3 not accepted, 4 in progress, 5 supplement requested, 6 financial obligation, 7 withdrawn, 8 stopped, 9 processed, 10 result returned',
    )
    .requiredOption('--state <n>', 'target state 2-10')
    .option('--reason <text>', 'required for 3, 5 and 8')
    .option('--apology-date <YYYY-MM-DD>', 'late settlement (9): new date promised on the apology slip')
    .option('--apology-reason <text>', 'late settlement (9): reason written on the apology slip')
    .option('--procedure <code>', 'procedure code (default: read from the hub)')
    .action(async (code: string, o: StepOptions & { state: string; reason?: string; apologyDate?: string; apologyReason?: string; procedure?: string }) => {
      const c = ctx();
      const toState = Number(o.state);
      if (!isDossierStateCode(toState) || toState === 1)
        throw new LtError('BAD_REQUEST', `--state must be a dossier state from 2 to 10, got ${JSON.stringify(o.state)}`);
      if ((o.apologyDate === undefined) !== (o.apologyReason === undefined))
        throw new LtError('BAD_REQUEST', 'an apology slip needs both --apology-date and --apology-reason');
      const procedureCode = await procedureOf(c, code, o.procedure);
      const r = await withAgency(c, o.as, (d) =>
        d.transition(
          {
            dossierCode: code,
            procedureCode,
            toState: toState as DossierStateCode,
            ...(o.reason ? { reason: o.reason } : {}),
            ...(o.apologyDate ? { apology: { newDueAt: o.apologyDate, reason: o.apologyReason! } } : {}),
          },
          sendOptions(o),
        ),
      );
      printOutcome(c, r, `moved to ${toState}`);
    });

  dossier
    .command('show <code>')
    .description('show a dossier: state, holder, deadlines, transfer steps, pauses, apology slips, history')
    .action(async (code: string) => {
      const c = ctx();
      const d = await c.http<DossierView>('GET', `/v1/dossiers/${encodeURIComponent(code)}`, undefined, { role: 'auditor' });
      c.print(d, (x: DossierView) =>
        [
          `${x.code}  ${x.procedureCode}`,
          `  state        ${state(x.state)}${x.overdue ? '  OVERDUE' : ''}`,
          `  received     ${x.receivedAt} at ${x.receivingAgency} (${x.receivingTier})`,
          `  held by      ${x.holder}`,
          `  due          ${day(x.dueAt)}${x.dueAt !== x.initialDueAt ? ` (initially ${day(x.initialDueAt)})` : ''}${x.stepDueAt ? `, current step due ${day(x.stepDueAt)}` : ''}`,
          ...(x.settledAt ? [`  settled      ${x.settledAt} (${x.settledClass}, ${x.settlementWorkingDays} working days)`] : []),
          ...x.steps.map(
            (s, i) => `  step ${i + 1}       ${s.from} -> ${s.to} ${s.sentAt}, due ${day(s.stepDueAt)}${s.returnedAt ? `, returned ${s.returnedAt}` : ''}`,
          ),
          ...x.pauses.map(
            (p) => `  paused       ${state(p.state)} ${p.from} .. ${p.to ?? 'now'}${p.workingDays !== undefined ? ` (${p.workingDays} working days)` : ''}`,
          ),
          ...x.apologies.map((a) => `  apology      ${a.issuedAt} by ${a.by}: new date ${day(a.newDueAt)}, ${a.reason}`),
          '  history',
          ...x.history.map(
            (h) =>
              `    ${h.at}  ${h.by}  ${h.action}${h.fromState !== undefined && h.fromState !== h.toState ? ` ${h.fromState} -> ${h.toState}` : ` ${h.toState}`}${h.toAgency ? ` to ${h.toAgency}` : ''}${h.reason ? ` (${h.reason})` : ''}`,
          ),
        ]
          // one element per line: reasons and codes typed by agencies cannot add lines or escapes
          .map((line) => terminalSafe(line))
          .join('\n'),
      );
    });

  dossier
    .command('report')
    .description('dossiers received, settled early / on time / late, on-time rate, in progress, overdue, mean and p90 settlement time')
    .option('--agency <code>', 'receiving agency')
    .option('--tier <tier>', 'central | province | district | commune')
    .option('--from <day>', 'YYYY-MM-DD (default 1 January this year)')
    .option('--to <day>', 'YYYY-MM-DD inclusive (default today)')
    .option('--as-of <iso>', 'instant for in-progress and overdue counts')
    .option('--group-by <what>', 'agency | tier')
    .action(async (o: { agency?: string; tier?: string; from?: string; to?: string; asOf?: string; groupBy?: string }) => {
      const c = ctx();
      const qs = new URLSearchParams();
      for (const [k, v] of Object.entries({ agency: o.agency, tier: o.tier, from: o.from, to: o.to, asOf: o.asOf, groupBy: o.groupBy })) if (v) qs.set(k, v);
      const r = await c.http<DossierReportResult>('GET', `/v1/reports/dossiers${qs.size ? `?${qs}` : ''}`, undefined, { role: 'auditor' });
      c.print(r, (x: DossierReportResult) => {
        if ('groups' in x) return x.groups.map((g) => printReport(g, g.key)).join('\n\n') || '(no dossiers)';
        return printReport(x, [x.agency, x.tier].filter(Boolean).join(' ') || 'all agencies');
      });
    });
}
