import { randomBytes } from 'node:crypto';
import { createWriteStream, existsSync, mkdirSync, renameSync, statSync, unlinkSync } from 'node:fs';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import {
  LtError,
  isErrorCode,
  isStatusCode,
  isTier,
  parseAgencyCode,
  type DocumentBody,
  type RecallBody,
  type RecipientSelector,
  type StatusBody,
  type StatusCode,
} from '@lt/contracts';
import { keyPaths } from '@lt/platform';
import { connect, type ConnectOptions, type InboxMessage, type LienThongClient, type SendResult, type TransferProgress } from '@lt/sdk';
import type { CliContext } from '../context';
import { terminalSafe } from '../terminal-text';
import { runHubStatus } from './status';

/**
 * Agency operator verbs over the SDK (NATS, not the gateway): send, inbox, status, recall.
 * `--as CODE` names the agency acting; its private key comes from `--key FILE` or the demo key
 * file `npm start` writes (<data dir>/keys/agencies/<code>.json).
 */

interface AgencyOptions {
  as: string;
  key?: string;
}

const collect = (value: string, previous: string[] = []): string[] => [...previous, value];

export function registerMessagingCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('send')
    .description('sign a document as an agency and submit it to the hub (prints its id once the hub accepted it)')
    .requiredOption('--as <code>', 'sending agency')
    .option('--to <code>', 'recipient agency (repeat for several)', collect)
    .option('--children-of <code>', 'also every agency under this one ...')
    .option('--tier <tier>', '... only of this tier: central | province | district | commune')
    .option('--depth <n>', '... only this many levels down (1-4)')
    .requiredOption('--subject <text>', 'trích yếu (at most 500 characters)')
    .option('--number <n>', 'số (at most 11 characters; default: from the clock)')
    .option('--notation <x>', 'ký hiệu (at most 30 characters)', 'LT')
    .option('--content <text>', 'short content (at most 500 characters)')
    .option('--due <date>', 'response deadline, e.g. 2026-12-01')
    .option('--priority <0-4>', '0 normal, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc, 4 hỏa tốc hẹn giờ')
    .option('--file <path>', 'attachment (repeatable): its bytes are uploaded to the hub, the signed envelope names its size and SHA-256', collect)
    .option('--id <uuid>', 're-send with this envelope id (the hub ignores a duplicate)')
    .option('--key <file>', 'private key file (default: the demo key of --as)')
    .addHelpText(
      'after',
      "\nAt least one of --to / --children-of is needed. Exit code 0 means the hub accepted the envelope;\nrecipients report back with statuses (01 arrived, 03 registered, ... 06 done) in the sender's inbox.",
    )
    .action(async (o: SendCliOptions & AgencyOptions) => {
      const c = ctx();
      const to = recipientsFromOptions(o);
      const body = documentBodyFromOptions(o);
      const attachments = (o.file ?? []).map((path) => ({ path }));
      await withClient(c, o, { ensureInbox: false }, async (lt) => {
        const bar = progressBar('upload');
        let r;
        try {
          r = await lt.sendDocument({ to, body, attachments, id: o.id, onProgress: bar.update });
        } finally {
          bar.stop();
        }
        c.print(sendResultJson(r), () => `sent ${r.id} (submit seq ${r.seq})${r.duplicate ? ' — already accepted earlier, nothing new queued' : ''}`);
      });
    });

  program
    .command('inbox')
    .description("read an agency's inbox: one line per verified message (JSON per line with --json)")
    .requiredOption('--as <code>', 'agency whose inbox to read')
    .option('--ack', 'acknowledge each message (it leaves the inbox; documents get status 01 "arrived" sent to their sender)')
    .option('--follow', 'keep waiting for new messages until Ctrl-C')
    .option('--max <n>', 'stop after n messages')
    .option('--save-dir <dir>', "write each document's attachments to <dir>/<envelope id>/<name>, verified against the signed size and SHA-256")
    .option('--key <file>', 'private key file (default: the demo key of --as)')
    .addHelpText(
      'after',
      [
        '',
        'With --save-dir an attachment is written to a temporary file and renamed only once its size and',
        'SHA-256 match the signed envelope; a mismatch removes the file, is reported on stderr, and the',
        'message is not acknowledged.',
        'Without --ack this only peeks: nothing is acknowledged and no status 01 is sent; the messages',
        'are handed back when the command exits, so they are delivered again (to this command or to the',
        "agency's own system). Every copy's signature is checked against the sender's registered key;",
        'a copy that fails is reported on stderr and dropped, never shown as valid.',
      ].join('\n'),
    )
    .action(async (o: AgencyOptions & { ack?: boolean; follow?: boolean; max?: string; saveDir?: string }) => {
      const c = ctx();
      const max = o.max === undefined ? undefined : positiveInt(o.max, '--max');
      const json = !!c.opts.json;
      await withClient(
        c,
        o,
        {
          ensureInbox: true,
          onInvalid: (bad) => process.stderr.write(`invalid copy at inbox seq ${bad.seq} dropped: ${bad.error.code} ${terminalSafe(bad.error.message)}\n`),
        },
        async (lt) => {
          const unacked: InboxMessage[] = [];
          let stopping = false;
          const stop = () => {
            stopping = true;
            for (const m of unacked.splice(0)) m.nak();
            void lt.close();
          };
          process.once('SIGINT', stop);
          let count = 0;
          try {
            for await (const m of lt.inbox({ follow: !!o.follow, max, batch: 64 })) {
              count++;
              process.stdout.write((json ? JSON.stringify(inboxLineJson(m)) : formatInboxLine(m)) + '\n');
              const saved = o.saveDir === undefined ? true : await saveAttachments(m, o.saveDir, json);
              if (o.ack && saved) await m.ack();
              else unacked.push(m);
              if (stopping) break;
            }
          } finally {
            process.removeListener('SIGINT', stop);
            // a peek hands everything back at once rather than after the ack wait
            for (const m of unacked.splice(0)) m.nak();
          }
          if (!json && count === 0) process.stderr.write('(inbox empty)\n');
        },
      );
    });

  // one verb, two uses: with --as an agency sends a document status; without, the hub's own status
  const DOCUMENT_STATUS_OPTIONS = ['as', 'doc', 'from', 'code'] as const;
  program
    .command('status')
    .description("send a status about a received document back to its sender (--as ...); without --as: the hub's services, streams and consumers")
    .option('--as <code>', 'agency reporting the status')
    .option('--doc <id>', 'envelope id of the document')
    .option('--from <code>', 'its sender (who gets the status)')
    .option('--code <code>', '01 arrived, 02 refused, 03 registered, 04 assigned, 05 in progress, 06 done, 15/16 recall agreed/refused')
    .option('--description <text>', 'free text (at most 500 characters)')
    .option('--reason-code <code>', 'machine-readable reason, required with 02 (e.g. VALIDATION_FAILED)')
    .option('--key <file>', 'private key file (default: the demo key of --as)')
    .option('--timeout <ms>', "hub status: how long to wait for the services' answers", '1000')
    .addHelpText(
      'after',
      '\nWith --as, --doc, --from and --code this sends a status. To follow the statuses of a document you sent, read your inbox\n(`lienthong inbox --as <you>`: statuses arrive there) or ask the audit log (`lienthong trace <id>`).\n\n' +
        'Without them (operators, on the hub machine): every service process, live and ready, with its version, uptime and\n' +
        'metrics URL, the streams, the consumers and the dead letters; exits 1 when a service is missing or not ready.',
    )
    .action(async (o: Partial<AgencyOptions> & { doc?: string; from?: string; code?: string; description?: string; reasonCode?: string; timeout: string }) => {
      const c = ctx();
      const given = DOCUMENT_STATUS_OPTIONS.filter((k) => o[k] !== undefined);
      if (given.length === 0) return runHubStatus(c, o.timeout);
      const lacking = DOCUMENT_STATUS_OPTIONS.filter((k) => o[k] === undefined);
      if (lacking.length) {
        throw new LtError('VALIDATION_FAILED', `a document status needs ${lacking.map((k) => `--${k}`).join(', ')} too (without --as, --doc, --from and --code: the hub's status)`, {
          field: lacking[0]!,
        });
      }
      const [as, doc, from] = [o.as!, o.doc!, o.from!];
      const code = statusCodeOption(o.code!);
      if (o.reasonCode !== undefined && !isErrorCode(o.reasonCode)) {
        throw new LtError('VALIDATION_FAILED', `--reason-code ${JSON.stringify(o.reasonCode)} is not a known error code`, { field: 'reasonCode' });
      }
      await withClient(c, { as, key: o.key }, { ensureInbox: false }, async (lt) => {
        const r = await lt.sendStatus({ id: doc, from: parseAgencyCode(from) }, code, { description: o.description, reasonCode: o.reasonCode });
        c.print(sendResultJson(r), () => `status ${code} for ${doc} sent to ${from} as ${r.id}`);
      });
    });

  program
    .command('recall')
    .description('recall (thu hồi) a document this agency sent; recipients answer with status 15 (agreed) or 16 (refused)')
    .requiredOption('--as <code>', 'agency that sent the document')
    .requiredOption('--doc <id>', 'envelope id of the document')
    .requiredOption('--to <code>', 'recipient to recall it from (repeat for several)', collect)
    .requiredOption('--reason <text>', 'why (kept with the recall; at most 500 characters)')
    .option('--key <file>', 'private key file (default: the demo key of --as)')
    .action(async (o: AgencyOptions & { doc: string; to: string[]; reason: string }) => {
      const c = ctx();
      await withClient(c, o, { ensureInbox: false }, async (lt) => {
        const r = await lt.recall(o.doc, { to: o.to, reason: o.reason });
        c.print(sendResultJson(r), () => `recall of ${o.doc} sent to ${o.to.join(', ')} as ${r.id}`);
      });
    });
}

// ---------------------------------------------------------------- helpers (exported for tests)

export interface SendCliOptions {
  to?: string[];
  childrenOf?: string;
  tier?: string;
  depth?: string;
  subject: string;
  number?: string;
  notation: string;
  content?: string;
  due?: string;
  priority?: string;
  file?: string[];
  id?: string;
}

export function recipientsFromOptions(o: Pick<SendCliOptions, 'to' | 'childrenOf' | 'tier' | 'depth'>): RecipientSelector[] {
  const to: RecipientSelector[] = [...(o.to ?? [])];
  if (o.childrenOf !== undefined) {
    if (o.tier !== undefined && !isTier(o.tier))
      throw new LtError('VALIDATION_FAILED', `--tier must be central, province, district or commune, got ${JSON.stringify(o.tier)}`, { field: 'tier' });
    to.push({ childrenOf: o.childrenOf, ...(o.tier ? { tier: o.tier } : {}), ...(o.depth ? { depth: positiveInt(o.depth, '--depth') } : {}) });
  } else if (o.tier !== undefined || o.depth !== undefined) {
    throw new LtError('VALIDATION_FAILED', '--tier and --depth go with --children-of', { field: 'childrenOf' });
  }
  if (to.length === 0) throw new LtError('VALIDATION_FAILED', 'name the recipients: --to CODE (repeatable) and/or --children-of CODE', { field: 'to' });
  return to;
}

export function documentBodyFromOptions(o: SendCliOptions, now = new Date()): DocumentBody {
  const body: DocumentBody = {
    code: { codeNumber: o.number ?? String(Math.floor(now.getTime() / 1000) % 1_000_000), codeNotation: o.notation },
    subject: o.subject,
  };
  if (o.content !== undefined) body.content = o.content;
  if (o.due !== undefined) body.dueDate = o.due;
  if (o.priority !== undefined) {
    const p = Number(o.priority);
    if (!Number.isInteger(p) || p < 0 || p > 4)
      throw new LtError('VALIDATION_FAILED', `--priority must be 0, 1, 2, 3 or 4, got ${JSON.stringify(o.priority)}`, { field: 'priority' });
    body.otherInfo = { priority: p as 0 | 1 | 2 | 3 | 4 };
  }
  return body;
}

export function statusCodeOption(value: string): StatusCode {
  const code = /^\d$/.test(value) ? `0${value}` : value;
  if (!isStatusCode(code))
    throw new LtError('VALIDATION_FAILED', `--code must be one of 01 02 03 04 05 06 13 15 16, got ${JSON.stringify(value)}`, { field: 'code' });
  if (code === '13') throw new LtError('VALIDATION_FAILED', '--code 13 is a recall: use `lienthong recall`', { field: 'code' });
  return code;
}

/** One human line per inbox message; what the sender wrote is escaped (terminalSafe), so it stays one line. */
export function formatInboxLine(m: InboxMessage): string {
  const via = m.forwardedFrom ? ` (addressed to ${m.forwardedFrom})` : '';
  const flags = m.flags.length ? ` [${m.flags.join(',')}]` : '';
  const again = m.redelivered ? ` (delivery ${m.deliveryCount})` : '';
  let what: string;
  switch (m.kind) {
    case 'document': {
      const b = m.envelope.body as DocumentBody;
      const biz =
        b.business && b.business.businessDocType !== 0
          ? ` ${['', 'revokes', 'updates', 'replaces'][b.business.businessDocType]} ${b.business.originalId ?? ''}`
          : '';
      what = `${b.code.codeNumber}/${b.code.codeNotation} "${b.subject}"${biz}${m.envelope.attachments?.length ? ` +${m.envelope.attachments.length} attachment(s)` : ''}`;
      break;
    }
    case 'status': {
      const b = m.envelope.body as StatusBody;
      what = `status ${b.statusCode} for ${b.responseFor}${b.reasonCode ? ` ${b.reasonCode}` : ''}${b.description ? `: ${b.description}` : ''}`;
      break;
    }
    case 'recall': {
      const b = m.envelope.body as RecallBody;
      what = `recall of ${b.responseFor}${b.reason ? `: ${b.reason}` : ''}`;
      break;
    }
    default:
      what = m.kind;
  }
  return terminalSafe(`#${m.seq} ${m.kind.padEnd(8)} ${m.id} from ${m.hubSigned ? 'hub' : m.from}${via}  ${what}${flags}${again}`);
}

export function inboxLineJson(m: InboxMessage): Record<string, unknown> {
  return {
    seq: m.seq,
    id: m.id,
    kind: m.kind,
    from: m.from,
    hubSigned: m.hubSigned,
    forwardedFrom: m.forwardedFrom ?? null,
    flags: m.flags,
    deliveryCount: m.deliveryCount,
    envelope: m.envelope,
  };
}

/** A progress bar on stderr for transfers of at least 8 MiB (cli-progress); update() is a TransferProgress. */
function progressBar(verb: string): { update: TransferProgress; stop(): void } {
  let bar: SingleBar | undefined;
  let current = '';
  return {
    update: (done, total, name) => {
      if (total < 8 * 1024 * 1024 || !process.stderr.isTTY) return;
      if (name !== current) {
        bar?.stop();
        current = name;
        bar = new SingleBar({ format: `${verb} ${terminalSafe(name)} [{bar}] {percentage}% {value}/{total} MiB`, stream: process.stderr, hideCursor: true }, Presets.shades_classic);
        bar.start(Math.ceil(total / 1048576), 0);
      }
      bar!.update(Math.floor(done / 1048576));
    },
    stop: () => bar?.stop(),
  };
}

/**
 * Writes the attachments of a document to <dir>/<envelope id>/<name>: streamed into a temporary
 * file, renamed once the SDK's reader verified size and SHA-256 (its stream errors otherwise).
 * False when one failed: the message is then left unacknowledged, to be read again.
 */
async function saveAttachments(m: InboxMessage, dir: string, json: boolean): Promise<boolean> {
  const refs = (m.envelope.attachments ?? []).filter((a) => a.id !== undefined);
  if (refs.length === 0) return true;
  const folder = join(dir, m.id);
  mkdirSync(folder, { recursive: true });
  let ok = true;
  for (const ref of refs) {
    // the hub checked the name is a bare file name; the signed envelope is what we trust here
    const target = join(folder, ref.name);
    const temp = join(folder, `.${randomBytes(6).toString('hex')}.part`);
    const bar = progressBar('download');
    try {
      await pipeline(m.attachment(ref.name, { onProgress: bar.update }), createWriteStream(temp, { flags: 'wx' }));
      bar.stop();
      renameSync(temp, target);
      const line = { saved: target, name: ref.name, size: statSync(target).size, sha256: ref.sha256, id: m.id };
      process.stderr.write(json ? `${JSON.stringify(line)}\n` : terminalSafe(`saved ${target} (${line.size} bytes, sha256 ${ref.sha256})`) + '\n');
    } catch (err) {
      bar.stop();
      ok = false;
      try {
        unlinkSync(temp);
      } catch {
        // never created
      }
      const e = err instanceof LtError ? err : new LtError('UNAVAILABLE', (err as Error).message);
      process.stderr.write(terminalSafe(`attachment ${ref.name} of ${m.id} not saved: ${e.code} ${e.message}`) + '\n');
    }
  }
  return ok;
}

function sendResultJson(r: SendResult): Record<string, unknown> {
  return { id: r.id, seq: r.seq, duplicate: r.duplicate, envelope: r.envelope };
}

function positiveInt(value: string, flag: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0)
    throw new LtError('VALIDATION_FAILED', `${flag} must be a positive whole number, got ${JSON.stringify(value)}`, { field: flag.slice(2) });
  return n;
}

/** Connects as --as with its key, runs fn, always closes. */
async function withClient(c: CliContext, o: AgencyOptions, extra: Partial<ConnectOptions>, fn: (lt: LienThongClient) => Promise<void>): Promise<void> {
  const agencyCode = parseAgencyCode(o.as);
  const keyFile = o.key ?? keyPaths.agency(c.dataDir, agencyCode);
  if (!existsSync(keyFile)) {
    throw new LtError('VALIDATION_FAILED', `no private key for ${agencyCode}: ${keyFile} does not exist; pass --key FILE (npm start writes demo keys there)`, {
      field: 'key',
    });
  }
  // the handled-id register follows --data-dir
  const lt = await connect({ natsUrl: c.natsUrl, natsOptions: c.agencyNatsOptions(agencyCode), ns: c.ns, agencyCode, keyFile, stateDir: join(c.dataDir, 'sdk'), ...extra });
  try {
    await fn(lt);
  } finally {
    await lt.close();
  }
}
