import {
  LIMITS,
  LtError,
  formatDossierCode,
  toVnLocalDate,
  type ApplyDossierResult,
  type DossierBody,
  type DossierSubmitBody,
  type ErrorCode,
} from '@lt/contracts';
import { applyTransition, dossierActionFromBody, registerDossier, validateApplicant, type ProcedureCatalog, type WorkingCalendar } from '@lt/dossier-domain';
import type { Clock, Logger } from '@lt/platform';
import type { StoredDossier } from '../../domain/stored-dossier';
import { EnvelopeAlreadyApplied, type AgencyInfo, type AgencyLookup, type AppliedRecord, type DossierRepository, type DossierTx } from '../../ports';
import type { PublishOutbox } from '../publish-outbox/publish-outbox.use-case';
import { appliedRecord } from './applied-record';
import { parseApplyRequest, type ParsedApplyRequest } from './apply-request';

/** Refusals that are final for an envelope: stored, so a retried apply gets the same answer. */
const FINAL_REFUSALS: ReadonlySet<ErrorCode> = new Set<ErrorCode>([
  'ILLEGAL_TRANSITION',
  'UNKNOWN_PROCEDURE',
  'UNKNOWN_DOSSIER',
  'UNKNOWN_AGENCY',
  'VALIDATION_FAILED',
  'SCHEMA_INVALID',
  'INVALID_AGENCY_CODE',
  'FORBIDDEN',
  'AGENCY_CLOSED',
  'AGENCY_SUSPENDED',
]);

export interface ApplyDossierDeps {
  repo: DossierRepository;
  outbox: PublishOutbox;
  /** registered agencies: the receiving one and transfer targets must be active */
  agencies: AgencyLookup;
  calendar: WorkingCalendar;
  catalog: ProcedureCatalog;
  clock: Clock;
  log: Logger;
  /** `from` of hub-signed confirmations (HubConfig.hubAgency) */
  hubAgency: string;
  /** how far before the hub's receipt a submit's `receivedAt` may lie (default 30 days) */
  maxBackdateMs?: number;
}

const DAY_MS = 86_400_000;

/**
 * Applies one `dossier` envelope, in ONE transaction, idempotent by envelope id:
 * - submit: issues `<agency>-<YYMMDD>-<NNNN>` from the receiving agency's gap-free daily
 *   sequence, computes the legal deadline with the working calendar, stores the dossier;
 * - transfer / return / transition: locks the dossier, applies the lifecycle (refusals leave the
 *   row untouched), stores the new state and a history row.
 * After the commit the event and the sender's hub-signed confirmation are published.
 */
export class ApplyDossierMessage {
  private readonly maxBackdateMs: number;

  constructor(private readonly deps: ApplyDossierDeps) {
    this.maxBackdateMs = deps.maxBackdateMs ?? 30 * DAY_MS;
  }

  async execute(input: unknown): Promise<ApplyDossierResult> {
    const req = parseApplyRequest(input);
    const prior = await this.deps.repo.findOutcome(req.envelopeId);
    if (prior) return this.replay(req.envelopeId, prior);

    let record: AppliedRecord | ApplyDossierResult;
    try {
      record = await this.deps.repo.transaction((tx) => (req.body.action === 'submit' ? this.submit(tx, req, req.body) : this.change(tx, req, req.body)));
    } catch (err) {
      if (err instanceof EnvelopeAlreadyApplied) {
        const again = await this.deps.repo.findOutcome(req.envelopeId);
        if (again) return this.replay(req.envelopeId, again);
      }
      if (err instanceof LtError && FINAL_REFUSALS.has(err.code)) {
        await this.deps.repo
          .recordRefusal(req.envelopeId, err.toJSON())
          .catch((e) => this.deps.log.error({ err: e, envelopeId: req.envelopeId }, 'could not record refusal'));
        this.deps.log.info({ envelopeId: req.envelopeId, from: req.from, code: err.code, reason: err.message }, 'dossier message refused');
      }
      throw err;
    }
    // a concurrent duplicate found the committed answer under the lock
    if (!('event' in record)) return record;
    this.deps.log.info(
      { envelopeId: req.envelopeId, from: req.from, dossierCode: record.dossierCode, action: record.action, state: record.toState },
      'dossier message applied',
    );
    await this.deps.outbox
      .publishApplied([record])
      .catch((e) => this.deps.log.warn({ err: e, envelopeId: req.envelopeId }, 'publish after apply failed; the outbox relay retries'));
    return record.result;
  }

  private async replay(envelopeId: string, prior: { result: ApplyDossierResult } | { error: unknown }): Promise<ApplyDossierResult> {
    if ('error' in prior) throw LtError.fromBody(prior.error as never);
    this.deps.log.info({ envelopeId, dossierCode: prior.result.dossierCode }, 'dossier message already applied; same answer');
    return prior.result;
  }

  private async submit(tx: DossierTx, req: ParsedApplyRequest, body: DossierSubmitBody): Promise<AppliedRecord> {
    const procedure = this.deps.catalog.get(body.procedureCode);
    if (req.to.length !== 1) {
      throw new LtError(
        'VALIDATION_FAILED',
        `a dossier submit is addressed to exactly one agency, the receiving one; it resolved to ${req.to.length} (${req.to.join(', ') || 'none'})`,
        {
          field: 'to',
          recipients: req.to,
        },
      );
    }
    const receiving = req.to[0]!;
    // applicant data limited to what the procedure needs, checked before any lock is taken
    validateApplicant(procedure, body.applicant);
    const receivedAt = new Date(body.receivedAt);
    const hubAt = req.receivedAt.getTime();
    if (receivedAt.getTime() > hubAt + LIMITS.maxClockSkewMs) {
      throw new LtError('VALIDATION_FAILED', `body.receivedAt ${body.receivedAt} is after the hub received the message (${req.receivedAt.toISOString()})`, {
        field: 'body.receivedAt',
      });
    }
    if (receivedAt.getTime() < hubAt - this.maxBackdateMs) {
      throw new LtError(
        'VALIDATION_FAILED',
        `body.receivedAt ${body.receivedAt} is more than ${Math.round(this.maxBackdateMs / DAY_MS)} days before the hub received the message`,
        {
          field: 'body.receivedAt',
        },
      );
    }
    const agency = requireOpen(this.deps.agencies.agency(receiving), receiving, 'receiving agency');

    const seq = await tx.nextDailySeq(receiving, toVnLocalDate(receivedAt));
    const code = formatDossierCode(receiving, receivedAt, seq);
    const state = registerDossier(
      {
        code,
        procedure,
        receivingAgency: receiving,
        receivingTier: agency.tier,
        receivedAt,
        applicant: body.applicant,
        attachments: body.attachments ?? req.envelope.attachments ?? [],
        by: req.from,
      },
      this.deps.calendar,
    );
    const stored: StoredDossier = { state, overdueNotified: [], version: 1, submitEnvelopeId: req.envelopeId };
    await tx.insertDossier(stored);
    const record = appliedRecord({
      envelopeId: req.envelopeId,
      body,
      sender: req.from,
      before: null,
      after: stored,
      at: receivedAt,
      now: this.deps.clock.now(),
      hubAgency: this.deps.hubAgency,
    });
    await tx.insertApplied(record);
    return record;
  }

  private async change(tx: DossierTx, req: ParsedApplyRequest, body: Exclude<DossierBody, DossierSubmitBody>): Promise<AppliedRecord | ApplyDossierResult> {
    const stored = await tx.lockDossier(body.dossierCode);
    if (!stored) throw new LtError('UNKNOWN_DOSSIER', `unknown dossier ${body.dossierCode}`, { field: 'body.dossierCode', dossierCode: body.dossierCode });
    // under the row lock: a concurrent apply of the same envelope has committed or not at all
    const done = await tx.findApplied(req.envelopeId);
    if (done) return done;
    const before = stored.state;
    if (body.procedureCode !== before.procedureCode) {
      throw new LtError(
        'VALIDATION_FAILED',
        `body.procedureCode ${body.procedureCode} does not match dossier ${before.code}'s procedure ${before.procedureCode}`,
        {
          field: 'body.procedureCode',
        },
      );
    }
    let action = dossierActionFromBody(body, req.from);
    if (action.type === 'transfer') {
      const target = requireOpen(this.deps.agencies.agency(action.toAgency), action.toAgency, 'transfer target');
      if (action.toTier !== undefined && action.toTier !== target.tier) {
        throw new LtError('VALIDATION_FAILED', `body.toTier ${action.toTier} does not match ${target.code}'s registered tier ${target.tier}`, {
          field: 'body.toTier',
        });
      }
      action = { ...action, toTier: target.tier };
    }
    // steps never go back in time, even if two routers hand messages over slightly out of order
    const at = new Date(Math.max(req.receivedAt.getTime(), Date.parse(before.updatedAt)));
    const next = applyTransition(before, action, at, this.deps.calendar);
    const after: StoredDossier = { ...stored, state: next, version: stored.version + 1 };
    await tx.updateDossier(after);
    const record = appliedRecord({
      envelopeId: req.envelopeId,
      body,
      sender: req.from,
      before,
      after,
      at,
      now: this.deps.clock.now(),
      hubAgency: this.deps.hubAgency,
    });
    await tx.insertApplied(record);
    return record;
  }
}

/** The agency must be registered and active: AGENCY_CLOSED names its successor. */
function requireOpen(agency: AgencyInfo | undefined, code: string, role: string): AgencyInfo {
  if (!agency) throw new LtError('UNKNOWN_AGENCY', `${role} ${code} is not a registered agency`, { agencyCode: code });
  if (agency.status === 'closed') {
    throw new LtError('AGENCY_CLOSED', `${role} ${code} is closed${agency.successorCode ? `; its successor is ${agency.successorCode}` : ''}`, {
      agencyCode: code,
      successorCode: agency.successorCode,
    });
  }
  if (agency.status === 'suspended') throw new LtError('AGENCY_SUSPENDED', `${role} ${code} is suspended`, { agencyCode: code });
  return agency;
}
