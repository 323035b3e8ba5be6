import { AckPolicy, DeliverPolicy, jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { nanos, type MsgHdrs } from '@nats-io/nats-core';
import { outcomeConsumerNames } from '@lt/messaging';
import {
  LtError,
  parseDossierCode,
  parseInboxHeaders,
  uuidv7,
  validateDossierBody,
  validateDossierHubBody,
  type AttachmentRef,
  type DossierAppliedBody,
  type DossierBody,
  type DossierStateCode,
  type ErrorCode,
  type RecipientSelector,
  type StatusBody,
  type Tier,
} from '@lt/contracts';
import type { LienThongClient } from './client';
import type { SendResult } from './types';
import { verifyInbound } from './verify-inbound';

/**
 * One-stop-shop dossiers ("một cửa liên thông") over the SDK. Every dossier step is a signed
 * `dossier` envelope; the hub's dossier service applies it before the router delivers it, then
 * answers the sender in its inbox with a hub-signed `applied` message carrying the dossier code
 * (or the router bounces a status 02 with the refusal code). `wait` turns that into a return
 * value or an LtError with the hub's code (ILLEGAL_TRANSITION, UNKNOWN_PROCEDURE, AGENCY_CLOSED...).
 *
 *   const d = dossiers(client);
 *   const { outcome } = await d.submit({ procedureCode: 'DEMO-HT-XNTTHN', applicant }, { wait: true });
 *   console.log(outcome.dossierCode); // 000.12.05.H41-260302-0001
 */

export interface DossierSendOptions {
  /** envelope id (UUIDv7) to re-send after a crash: the hub applies an id once */
  id?: string;
  /** recipients; default: the agency the step goes to (see each method) */
  to?: RecipientSelector[];
  /** wait for the hub's answer in this agency's inbox (default false) */
  wait?: boolean;
  /** how long to wait (default 30 s): TIMEOUT after that */
  timeoutMs?: number;
}

export interface DossierSendResult {
  sent: SendResult<DossierBody>;
  /** the hub's answer, when `wait` was set */
  outcome?: DossierAppliedBody;
}

export interface SubmitDossierInput {
  procedureCode: string;
  /** only the fields the procedure lists (the hub refuses others) */
  applicant: Record<string, string | number | boolean | string[]>;
  /** when the one-stop desk received it; default now */
  receivedAt?: Date | string;
  /** the agency registering it; default this client's agency (a portal submits for a desk) */
  receivingAgency?: string;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface TransferDossierInput {
  dossierCode: string;
  procedureCode: string;
  toAgency: string;
  toTier?: Tier;
  /** step budget in working days, or an explicit step deadline (`YYYY-MM-DD`): exactly one */
  stepWorkingDays?: number;
  stepDueAt?: string;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface ReturnDossierInput {
  dossierCode: string;
  procedureCode: string;
  attachments?: AttachmentRef[];
  note?: string;
}

export interface TransitionDossierInput {
  dossierCode: string;
  procedureCode: string;
  toState: DossierStateCode;
  reason?: string;
  /** required when settling (9) after the deadline: the apology slip with the new date */
  apology?: { newDueAt: string; reason: string; issuedAt?: string };
  attachments?: AttachmentRef[];
  note?: string;
}

function iso(v: Date | string | undefined, now: Date): string {
  if (v === undefined) return now.toISOString();
  return typeof v === 'string' ? v : v.toISOString();
}

function optional<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** The one-stop desk of a dossier: the agency part of its code (a natural addressee of every step). */
export function receivingAgencyOf(dossierCode: string): string {
  return parseDossierCode(dossierCode).agencyCode;
}

export class DossierClient {
  constructor(readonly client: LienThongClient) {}

  /** Registers a dossier at the receiving agency (default: this one); the hub issues its code. */
  submit(input: SubmitDossierInput, opts: DossierSendOptions = {}): Promise<DossierSendResult> {
    const body = validateDossierBody(
      optional({
        action: 'submit',
        procedureCode: input.procedureCode,
        receivedAt: iso(input.receivedAt, new Date()),
        applicant: input.applicant,
        attachments: input.attachments,
        note: input.note,
      }),
    );
    return this.send(body, opts.to ?? [input.receivingAgency ?? this.client.agencyCode], opts);
  }

  /** Sends the dossier on to another agency for part of the procedure (addressed to it). */
  transfer(input: TransferDossierInput, opts: DossierSendOptions = {}): Promise<DossierSendResult> {
    const body = validateDossierBody(optional({ action: 'transfer', ...input }));
    return this.send(body, opts.to ?? [input.toAgency], opts);
  }

  /** Sends the dossier back to the agency that transferred it here (addressed to the one-stop desk unless `to`). */
  giveBack(input: ReturnDossierInput, opts: DossierSendOptions = {}): Promise<DossierSendResult> {
    const body = validateDossierBody(optional({ action: 'return', ...input }));
    return this.send(body, opts.to ?? [receivingAgencyOf(input.dossierCode)], opts);
  }

  /** A state change of the national portal's lifecycle (addressed to the one-stop desk unless `to`). */
  transition(input: TransitionDossierInput, opts: DossierSendOptions = {}): Promise<DossierSendResult> {
    const body = validateDossierBody(optional({ action: 'transition', ...input }));
    return this.send(body, opts.to ?? [receivingAgencyOf(input.dossierCode)], opts);
  }

  private async send(body: DossierBody, to: RecipientSelector[], opts: DossierSendOptions): Promise<DossierSendResult> {
    if (!opts.wait) {
      const sent = await this.client.sendEnvelope<DossierBody>({ kind: 'dossier', to, body, ...(opts.id ? { id: opts.id } : {}) });
      return { sent };
    }
    // watch the inbox from before the publish, so the answer cannot slip by
    const since = new Date(Date.now() - 5_000);
    const id = opts.id ?? uuidv7();
    const outcome = this.waitForOutcome(id, { since, timeoutMs: opts.timeoutMs });
    outcome.catch(() => undefined);
    const sent = await this.client.sendEnvelope<DossierBody>({ kind: 'dossier', to, body, id });
    return { sent, outcome: await outcome };
  }

  /**
   * The hub's answer to dossier envelope `envelopeId`, read from this agency's inbox stream with
   * an outcome consumer of its own (the agency's durable inbox consumer is left untouched):
   * resolves with the hub-signed `applied` body, rejects with the hub's refusal code (status 02)
   * or TIMEOUT. Only hub-signed copies that verify against the hub keys count.
   */
  async waitForOutcome(envelopeId: string, opts: { since?: Date; timeoutMs?: number } = {}): Promise<DossierAppliedBody> {
    const timeoutMs = opts.timeoutMs ?? 30_000;
    const { name, jsm } = await this.createOutcomeConsumer(opts.since ?? new Date(Date.now() - 60_000));
    const stream = this.client.topo.streams.inbox;
    try {
      const consumer = await jetstream(this.client.nc).consumers.get(stream, name);
      const messages = await consumer.consume();
      const timer = setTimeout(() => void messages.stop(), timeoutMs);
      try {
        for await (const m of messages) {
          const outcome = this.outcomeIn(m.headers, m.data, envelopeId);
          if (outcome) return outcome;
        }
      } finally {
        clearTimeout(timer);
        await messages.close().catch(() => undefined);
      }
    } finally {
      // an outcome consumer left behind (crash, refused delete) expires after OUTCOME_IDLE_NS
      await jsm.consumers.delete(stream, name).catch(() => undefined);
    }
    throw new LtError('TIMEOUT', `no answer from the hub to dossier message ${envelopeId} within ${timeoutMs} ms (is the dossier service running?)`, {
      envelopeId,
    });
  }

  /**
   * Creates one of the agency's outcome consumers (names its NATS user may use:
   * outcomeConsumerNames), trying the next slot while another wait of the same agency holds one.
   */
  private async createOutcomeConsumer(since: Date): Promise<{ name: string; jsm: JetStreamManager }> {
    const jsm = await jetstreamManager(this.client.nc);
    const errors: string[] = [];
    for (const name of outcomeConsumerNames(this.client.agencyCode)) {
      try {
        await jsm.consumers.add(this.client.topo.streams.inbox, {
          name,
          // one subject, as a string: nats-server 2.9 knows filter_subject only
          filter_subject: this.client.topo.inboxSubject(this.client.agencyCode),
          deliver_policy: DeliverPolicy.StartTime,
          opt_start_time: since.toISOString(),
          ack_policy: AckPolicy.None,
          inactive_threshold: OUTCOME_IDLE_NS,
          mem_storage: true,
        });
        return { name, jsm };
      } catch (err) {
        errors.push(`${name}: ${(err as Error).message}`);
      }
    }
    throw new LtError('UNAVAILABLE', `cannot open an outcome consumer for ${this.client.agencyCode}: ${errors.join('; ')}`, { agencyCode: this.client.agencyCode });
  }

  /** The hub's answer to `envelopeId` in one inbox copy, or undefined; a refusal throws its code. */
  private outcomeIn(headers: MsgHdrs | undefined, data: Uint8Array, envelopeId: string): DossierAppliedBody | undefined {
    const h = parseInboxHeaders(headers);
    if (h.responseFor !== envelopeId || !h.hubSigned) return undefined;
    let verified;
    try {
      verified = verifyInbound(data, this.client.directory);
    } catch {
      return undefined; // not verifiable as the hub's: never trusted
    }
    if (!verified.hubSigned) return undefined;
    const { envelope } = verified;
    if (envelope.kind === 'status') {
      const s = envelope.body as StatusBody;
      if (s.responseFor === envelopeId && s.statusCode === '02') {
        throw LtError.fromBody({ code: (s.reasonCode ?? 'INTERNAL') as ErrorCode, message: s.description ?? 'refused by the hub', details: { envelopeId } });
      }
      return undefined;
    }
    if (envelope.kind === 'dossier') {
      const body = validateDossierHubBody(envelope.body);
      if (body.action === 'applied' && body.responseFor === envelopeId) return body;
    }
    return undefined;
  }
}

/** an outcome consumer nobody pulls from is removed by the server after this long (nanoseconds) */
const OUTCOME_IDLE_NS = nanos(10_000);

/** Dossier helpers bound to a connected client. */
export function dossiers(client: LienThongClient): DossierClient {
  return new DossierClient(client);
}
