import { Inject, Injectable, Optional } from '@nestjs/common';
import { LtError, toLtError } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import { endSpan, SpanKind, startSpan, streamLimitHit, traceContextOf, type JsMsg, type Span, type TraceContext } from '@lt/messaging';
import { CLOCK, LOGGER, type Clock, type Logger } from '@lt/platform';
import type { AwaitingSignature, Deliver, Outcome, Refuse, RoutingDecision, Submission, SubmissionFacts } from '../../domain/decision';
import {
  ATTACHMENT_GATE,
  DOSSIER_GATE,
  OUTCOME_PUBLISHER,
  ROUTING_REGISTER,
  SIGNATURE_VERIFIER,
  type AttachmentGate,
  type DossierGate,
  type OutcomePublisher,
  type RoutingRegister,
  type SignatureVerifier,
} from '../../ports';
import { recordRoutingOutcomes } from './routing-metrics';
import { applyEnvelopeRegister, applyNumberRegister, envelopeRecordsOf, numberCandidatesOf } from './outcome';
import { checkSubmissionRate, decideRouting, prepareSubmission, ROUTING_CONTEXT, type RoutingContext } from './route-submission';

export interface ProcessorOptions {
  /** deliveries after which a submission that keeps failing for its own sake is dead-lettered */
  maxDeliver: number;
  /** first redelivery delay after a failure, doubled per delivery up to nakMaxMs */
  nakBaseMs: number;
  nakMaxMs: number;
}

export const PROCESSOR_OPTIONS = Symbol('PROCESSOR_OPTIONS');

export interface RouterStats {
  batches: number;
  delivered: number;
  copies: number;
  refused: number;
  replayed: number;
  flagged: number;
  deadLettered: number;
  retried: number;
  /** submissions found already recorded under their own sequence: re-run after a crash */
  redelivered: number;
  /** refused RATE_LIMITED (counted in refused too) */
  rateLimited: number;
  /** times a submission was kept for later because a stream of the hub was full (inbox, events, dead letters) */
  heldStreamFull: number;
}

/** Every counter at zero: a new processor's, and what a router that never started reports. */
export function emptyRouterStats(): RouterStats {
  return {
    batches: 0,
    delivered: 0,
    copies: 0,
    refused: 0,
    replayed: 0,
    flagged: 0,
    deadLettered: 0,
    retried: 0,
    redelivered: 0,
    rateLimited: 0,
    heldStreamFull: 0,
  };
}

/** Test-only crash points: awaited between the steps of a batch (e.g. to drop the connection). */
export interface CrashPoints {
  afterRecord?: (batch: readonly JsMsg[]) => Promise<void>;
  afterPublish?: (batch: readonly JsMsg[]) => Promise<void>;
}

export const CRASH_POINTS = Symbol('CRASH_POINTS');

interface Item {
  m: JsMsg;
  sub: Submission;
  /** refused for its agency's rate, decided once when the submission first arrives */
  overRate: Refuse | null;
  /** the routing span, child of the sender's trace (non-recording when tracing is off), ended when settled */
  span: Span;
  /** what the submission's copies, events and dossier request carry on */
  trace: TraceContext;
}

type Settled = { ok: true } | { ok: false; err: LtError | Error };

interface Decided {
  items: Item[];
  /** submissions with a decision, in order */
  live: Item[];
  decisions: RoutingDecision[];
  /** submissions whose processing threw: redelivered, or dead-lettered at the last delivery */
  failed: Map<Item, Error>;
}

/**
 * One batch, exactly once as observed by the agencies:
 *  1. decode, verify, decide every submission (pure; a submission that throws is set aside);
 *  2. record the envelope ids and the Decree 30 numbers (one statement);
 *  3. publish every inbox copy, refusal and event together and await all PubAcks;
 *  4. ack every submission (plain acks; a lost one only means a recognised redelivery).
 * A crash anywhere before 4 leaves the submissions unacked; they come back, find their own rows
 * in the register (same sequence = redelivery), are decided again and re-published under the
 * same message ids, which the streams drop as duplicates.
 */
@Injectable()
export class SubmissionProcessor {
  readonly stats: RouterStats = emptyRouterStats();

  constructor(
    @Inject(ROUTING_CONTEXT) private readonly ctx: RoutingContext,
    @Inject(SIGNATURE_VERIFIER) private readonly verifier: SignatureVerifier,
    @Inject(ROUTING_REGISTER) private readonly register: RoutingRegister,
    @Inject(OUTCOME_PUBLISHER) private readonly out: OutcomePublisher,
    @Inject(CLOCK) private readonly clock: Clock,
    @Inject(LOGGER) private readonly log: Logger,
    @Inject(PROCESSOR_OPTIONS) private readonly opts: ProcessorOptions,
    @Inject(CRASH_POINTS) private readonly crash: CrashPoints,
    @Inject(DOSSIER_GATE) private readonly dossiers: DossierGate,
    @Optional() @Inject(ATTACHMENT_GATE) private readonly attachments?: AttachmentGate,
  ) {}

  /** the register stage of the batch handed over last: statements run one after another */
  private registerTail: Promise<unknown> = Promise.resolve();
  /** the publish stage of the batch handed over last: publishes run one after another */
  private publishTail: Promise<void> = Promise.resolve();
  /** publish stage of the batch before the last one, for backpressure */
  private previousPublish: Promise<void> = Promise.resolve();

  /**
   * BatchHandler for DurableConsumerRunner. Settles every message itself and never throws.
   * A three-stage pipeline: while this batch is decided (CPU: decode, verify, validate), the
   * previous one may be in Postgres and the one before it publishing. Each stage runs its batches
   * strictly in stream order, so the register always holds every earlier batch when a batch is
   * registered, and copies never overtake each other. Returns once the previous batch is
   * registered and the one before it published: at most three batches are in hand.
   */
  readonly handle = async (batch: JsMsg[]): Promise<void> => {
    const items = batch.map((m): Item => {
      const sub = toSubmission(m);
      const { span, ctx } = startSpan('router route', SpanKind.CONSUMER, traceContextOf(m.headers), () => ({
        'messaging.system': 'nats',
        'messaging.destination.name': m.subject,
        'lt.submit_seq': sub.seq,
        'lt.delivery': m.info.deliveryCount,
      }));
      return { m, sub, overRate: this.rateVerdict(m, sub), span, trace: ctx };
    });
    let decided: Decided | Error;
    try {
      decided = await this.decide(items);
    } catch (err) {
      decided = err instanceof Error ? err : toLtError(err);
    }
    const previousRegister = this.registerTail;
    const registered: Promise<Outcome[]> =
      decided instanceof Error ? Promise.reject(decided) : previousRegister.then(() => this.registerStage(decided as Decided));
    registered.catch(() => undefined); // observed by finish()
    this.registerTail = registered.catch(() => undefined);
    const beforePrevious = this.previousPublish;
    const previousPublish = this.publishTail;
    this.previousPublish = previousPublish;
    this.publishTail = previousPublish.then(() => this.finish(items, decided, registered));
    await Promise.all([previousRegister, beforePrevious]);
  };

  /**
   * The rate check, before any other work. A redelivery is not counted again: it was counted on
   * its first delivery, and refusing it now could contradict a decision already recorded.
   */
  private rateVerdict(m: JsMsg, sub: Submission): Refuse | null {
    if (m.info.deliveryCount > 1) return null;
    try {
      return checkSubmissionRate(sub, this.ctx);
    } catch (err) {
      this.log.warn({ err: (err as Error).message, submitSeq: sub.seq }, 'rate check failed; submission routed as usual');
      return null;
    }
  }

  /** Resolves when every batch handed over so far has been settled. */
  async drain(): Promise<void> {
    let seen: Promise<void>;
    do {
      seen = this.publishTail;
      await seen;
    } while (seen !== this.publishTail);
  }

  private async finish(items: Item[], decided: Decided | Error, registered: Promise<Outcome[]>): Promise<void> {
    const r = await this.attempt(async () => {
      if (decided instanceof Error) throw decided;
      await this.publishStage(decided, await registered);
    });
    if (r.ok) return;
    const full = streamLimitHit(r.err);
    if (full) {
      // nothing is lost: the submissions stay unacked in the submit stream and come back with backoff
      this.log.warn({ limit: full, size: items.length }, `a stream of the hub is full (${r.err.message}); batch kept for a retry`);
      for (const item of items) await this.settleFailure(item, r.err);
      return;
    }
    if (!isTransient(r.err) && items.length > 1) {
      // one bad submission must not hold back the others: retry them one by one
      this.log.warn({ err: r.err.message, size: items.length }, 'batch failed; isolating its submissions');
      for (const item of items) {
        const one = await this.attempt(async () => {
          const d = await this.decide([item]);
          await this.publishStage(d, await this.registerStage(d));
        });
        if (!one.ok) await this.settleFailure(item, one.err);
      }
      return;
    }
    this.log.error({ err: r.err.message, size: items.length }, 'batch failed; will be redelivered');
    for (const item of items) await this.settleFailure(item, r.err);
  }

  private async attempt(run: () => Promise<void>): Promise<Settled> {
    try {
      await run();
      return { ok: true };
    } catch (err) {
      return { ok: false, err: err instanceof Error ? err : toLtError(err) };
    }
  }

  /** 1. decide (pure), setting aside submissions whose processing itself throws. */
  private async decide(items: Item[]): Promise<Decided> {
    const failed = new Map<Item, Error>();
    const prepared: Array<AwaitingSignature | Refuse | null> = items.map((it) => {
      if (it.overRate) return it.overRate;
      try {
        return prepareSubmission(it.sub, this.ctx);
      } catch (err) {
        failed.set(it, err as Error);
        return null;
      }
    });
    const toVerify = prepared.filter((p): p is AwaitingSignature => p !== null && p.type === 'verify');
    const verdicts = await this.verifier.verify(toVerify);
    const valid = new Map<AwaitingSignature, boolean>();
    toVerify.forEach((p, i) => valid.set(p, verdicts[i]!));

    const live: Item[] = [];
    const decisions: RoutingDecision[] = [];
    items.forEach((it, i) => {
      const p = prepared[i];
      if (!p) return;
      try {
        decisions.push(p.type === 'verify' ? decideRouting(p, valid.get(p)!, this.ctx) : p);
        live.push(it);
      } catch (err) {
        failed.set(it, err as Error);
      }
    });
    return { items, live, decisions, failed };
  }

  /** 2. registers, one statement: replays, redeliveries, Decree 30 numbers. */
  private async registerStage(d: Decided): Promise<Outcome[]> {
    const records = envelopeRecordsOf(d.decisions);
    const registered = await this.register.record(records, numberCandidatesOf(d.decisions), this.clock.now());
    for (const r of records) {
      const p = registered.priors.get(r.id);
      if (p && p.seq === r.seq && p.digest === r.digest) this.stats.redelivered++;
    }
    const outcomes = applyNumberRegister(applyEnvelopeRegister(d.decisions, registered.priors), registered.numbers);
    await this.crash.afterRecord?.(d.items.map((i) => i.m));
    return outcomes;
  }

  /** 3.-4. publish and ack. Throws when the batch as a whole could not be published. */
  private async publishStage(d: Decided, outcomes: Outcome[]): Promise<void> {
    this.stats.batches++;
    const { items, live, failed } = d;
    // 3. every publish of the batch in flight together
    outcomes = await this.gateDossiers(outcomes, live);
    if (outcomes.some(namesUploads)) outcomes = await this.bindAttachments(outcomes);
    const routedAt = this.clock.now();
    const pending: Promise<unknown>[] = [];
    outcomes.forEach((o, i) => pending.push(...this.out.publish(o, live[i]!.sub.data, routedAt, live[i]!.trace)));
    await Promise.all(pending);
    const writtenAtMs = Date.now();
    await this.crash.afterPublish?.(items.map((i) => i.m));

    // 4. plain acks, unconfirmed: what they acknowledge is already stored, and an ack lost in a
    // crash only brings back a redelivery, which the register recognises and the streams
    // deduplicate. (A confirmed ack cost the server and this thread a request-reply per batch,
    // i.e. per submission at low rates.) stop() flushes the connection so none is left unsent.
    for (const it of live) it.m.ack();
    for (const [it, err] of failed) await this.settleFailure(it, err);
    endRoutingSpans(live, outcomes);
    this.count(outcomes);
    recordRoutingOutcomes(outcomes, writtenAtMs);
    this.logOutcomes(outcomes);
  }

  /**
   * Dossier envelopes pass the dossier service's lifecycle check before delivery (rare next to
   * documents, so one request each is fine). A refusal becomes a bounced 02 with the service's
   * code; an outage throws, and the batch is retried later: nothing is delivered half-checked.
   */
  private async gateDossiers(outcomes: Outcome[], live: Item[]): Promise<Outcome[]> {
    return Promise.all(
      outcomes.map(async (o, i): Promise<Outcome> => {
        if (o.type !== 'deliver' || o.envelope.kind !== 'dossier') return o;
        try {
          const r = await this.dossiers.apply(
            {
              envelope: o.envelope as never,
              envelopeId: o.envelopeId,
              from: o.sender,
              to: o.copies.map((c) => c.recipient),
              receivedAt: new Date(o.facts.receivedAtMs).toISOString(),
            },
            live[i]!.trace,
          );
          const forwarded = new Map(o.copies.map((c) => [c.recipient, c.forwardedFrom]));
          return {
            ...o,
            dossierCode: r.dossierCode,
            copies: r.deliverTo.map((recipient) => ({ recipient, ...(forwarded.get(recipient) ? { forwardedFrom: forwarded.get(recipient) } : {}) })),
          };
        } catch (err) {
          return refusedByService(o, err);
        }
      }),
    );
  }

  /**
   * Envelopes naming uploaded attachments: the attachments service binds the uploads to the
   * envelope and the agencies that get a copy (successors included) before any copy goes out, so
   * a recipient can read them as soon as it has the copy. A refusal is bounced with its code; an
   * outage throws and the batch is retried. Binding again on a redelivery is a no-op.
   */
  private async bindAttachments(outcomes: Outcome[]): Promise<Outcome[]> {
    return Promise.all(
      outcomes.map(async (o): Promise<Outcome> => {
        if (!namesUploads(o) || o.type !== 'deliver') return o;
        try {
          if (!this.attachments) throw new LtError('UNAVAILABLE', 'no attachments service is wired to this router');
          await this.attachments.bind({
            envelopeId: o.envelopeId,
            sender: o.sender,
            recipients: o.copies.map((c) => c.recipient),
            attachments: o.envelope.attachments!,
            receivedAt: new Date(o.facts.receivedAtMs).toISOString(),
          });
          return o;
        } catch (err) {
          return refusedByService(o, err);
        }
      }),
    );
  }

  /**
   * A submission that could not be processed: redelivered with backoff, or, once it has been
   * delivered maxDeliver times and the failure is its own (not an outage), dead-lettered.
   */
  private async settleFailure(it: Item, err: Error): Promise<void> {
    const deliveries = it.m.info.deliveryCount;
    if (isTransient(err) || deliveries < this.opts.maxDeliver) {
      this.stats.retried++;
      const full = streamLimitHit(err) !== null;
      if (full) this.stats.heldStreamFull++;
      const delay = Math.min(this.opts.nakMaxMs, this.opts.nakBaseMs * 2 ** Math.max(0, deliveries - 1));
      // a full stream is logged once per batch (finish); per submission it would flood the log
      if (!full) this.log.warn({ err: err.message, submitSeq: it.sub.seq, deliveries, retryInMs: delay }, 'submission not routed; will be redelivered');
      safeNak(it.m, delay);
      endSpan(it.span, err);
      return;
    }
    try {
      const facts: SubmissionFacts = {
        seq: it.sub.seq,
        subject: it.sub.subject,
        receivedAtMs: it.sub.receivedAtMs,
        digest: sha256Hex(it.sub.data),
        subjectAgency: null,
      };
      const reason = `${err instanceof LtError ? `${err.code}: ` : ''}${err.message}`;
      await Promise.all(this.out.deadLetter(facts, it.sub.data, reason, deliveries, this.clock.now(), it.trace));
      await it.m.ackAck();
      this.stats.deadLettered++;
      this.log.error({ submitSeq: it.sub.seq, deliveries, reason }, 'submission dead-lettered');
    } catch (dlqErr) {
      this.log.error({ err: (dlqErr as Error).message, submitSeq: it.sub.seq }, 'dead-lettering failed; will be redelivered');
      safeNak(it.m, this.opts.nakMaxMs);
    }
    endSpan(it.span, err);
  }

  private count(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      if (o.type === 'deliver') {
        this.stats.delivered++;
        this.stats.copies += o.copies.length;
        if (o.flags.length) this.stats.flagged++;
      } else if (o.type === 'refuse') {
        this.stats.refused++;
        if (o.reasonCode === 'RATE_LIMITED') this.stats.rateLimited++;
      } else this.stats.replayed++;
    }
  }

  private logOutcomes(outcomes: Outcome[]): void {
    for (const o of outcomes) {
      if (o.type === 'deliver') {
        if (o.flags.length) {
          this.log.warn({ messageId: o.envelopeId, agencyCode: o.sender, flags: o.flags, firstEnvelopeId: o.firstEnvelopeWithNumber }, 'routed with flags');
        } else if (this.log.isLevelEnabled('debug')) {
          this.log.debug({ messageId: o.envelopeId, agencyCode: o.sender, copies: o.copies.length }, 'routed');
        }
      } else if (o.type === 'refuse') {
        this.log.info(
          {
            messageId: o.envelopeId,
            agencyCode: o.bounceTo ?? o.facts.subjectAgency,
            reasonCode: o.reasonCode,
            bounced: o.bounceTo !== null,
            submitSeq: o.facts.seq,
          },
          `refused: ${o.reason}`,
        );
      } else {
        this.log.info({ messageId: o.envelopeId, agencyCode: o.sender, submitSeq: o.facts.seq, firstSubmitSeq: o.firstSubmitSeq }, 'replay ignored');
      }
    }
  }
}

/** A delivery whose envelope names attachments uploaded to the hub (they carry an id). */
function namesUploads(o: Outcome): boolean {
  return o.type === 'deliver' && o.envelope.attachments !== undefined && o.envelope.attachments.some((a) => a.id !== undefined);
}

/** Ends the routing spans of a published batch with what became of each submission. */
function endRoutingSpans(live: Item[], outcomes: Outcome[]): void {
  live.forEach((it, i) => {
    const o = outcomes[i]!;
    if (it.span.isRecording()) {
      it.span.setAttributes({
        'lt.outcome': o.type,
        ...(o.envelopeId ? { 'lt.envelope_id': o.envelopeId } : {}),
        ...(o.type === 'deliver' ? { 'lt.copies': o.copies.length } : o.type === 'refuse' ? { 'lt.reason_code': o.reasonCode } : {}),
      });
    }
    it.span.end();
  });
}

/** A nak on a dropped connection throws; the ack wait brings the message back anyway. */
function safeNak(m: JsMsg, delayMs: number): void {
  try {
    m.nak(delayMs);
  } catch {
    // connection gone: redelivered after ack wait
  }
}

export function toSubmission(m: JsMsg): Submission {
  return { subject: m.subject, data: m.data, seq: m.info.streamSequence, receivedAtMs: Math.floor(m.info.timestampNanos / 1e6) };
}

const TRANSIENT_PG_CLASSES = ['08', '40', '53', '55', '57', '58'];
const TRANSIENT_NODE_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * An outage (database or NATS unreachable, timeouts) is retried without dead-lettering: the
 * submission is fine, the hub is not. Anything else (a value Postgres refuses, a bug) counts
 * against the submission's delivery budget.
 */
export function isTransient(err: unknown): boolean {
  // a full stream empties as copies age out or are read: never the submission's fault
  if (streamLimitHit(err)) return true;
  if (err instanceof LtError) return err.code === 'UNAVAILABLE' || err.code === 'TIMEOUT';
  if (err instanceof TypeError || err instanceof RangeError || err instanceof SyntaxError) return false;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string') {
    if (/^[0-9A-Z]{5}$/.test(code) && !code.startsWith('E')) return TRANSIENT_PG_CLASSES.includes(code.slice(0, 2));
    if (TRANSIENT_NODE_CODES.has(code)) return true;
  }
  // NATS client errors (timeouts, closed connection, no responders) and connection drops
  return true;
}

/**
 * A delivery another hub service refused (the dossier service's lifecycle check, the attachments
 * service's binding): bounced to the sender with the service's code. An outage is thrown, so the
 * batch is retried and nothing is delivered half-checked.
 */
function refusedByService(o: Deliver, err: unknown): Outcome {
  const lt = toLtError(err);
  if (isTransient(lt)) throw lt;
  return {
    type: 'refuse',
    facts: o.facts,
    reasonCode: lt.code,
    reason: lt.message,
    ...(lt.details ? { details: lt.details } : {}),
    authenticated: true,
    bounceTo: o.sender,
    envelopeId: o.envelopeId,
    from: o.sender,
    kind: o.envelope.kind,
    kid: o.kid,
  };
}
