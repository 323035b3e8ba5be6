import {
  DOSSIER_STATES,
  uuidv7,
  type ApplyDossierResult,
  type DossierAppliedBody,
  type DossierBody,
  type DossierState,
  type Envelope,
  type HubEvent,
  type HubEventMap,
} from '@lt/contracts';
import { columnsOf, currentStepDueAt, deliverToFor, type StoredDossier } from '../../domain/stored-dossier';
import type { AppliedRecord } from '../../ports';

type AppliedEventType = 'dossier.registered' | 'dossier.transitioned' | 'dossier.transferred';
/** An event's type with its payload, kept paired (a union of pairs, not a pair of unions). */
type AppliedEvent = AppliedEventType extends infer T ? (T extends AppliedEventType ? { type: T; data: HubEventMap[T] } : never) : never;

/**
 * Everything one applied envelope leaves behind: the answer to the router, the event for the
 * audit and the hub-signed confirmation for the sender. Ids are fixed here and stored, so a
 * re-publish after a crash carries the same message ids (deduplicated by JetStream).
 */
export function appliedRecord(args: {
  envelopeId: string;
  body: DossierBody;
  sender: string;
  before: DossierState | null;
  after: StoredDossier;
  at: Date;
  now: Date;
  /** `from` of the hub-signed confirmation */
  hubAgency: string;
}): AppliedRecord {
  const { body, sender, before, at } = args;
  const d = args.after.state;
  const stepDueAt = currentStepDueAt(d);
  const result: ApplyDossierResult = {
    envelopeId: args.envelopeId,
    action: body.action,
    dossierCode: d.code,
    state: d.state,
    stateName: DOSSIER_STATES[d.state],
    receivingAgency: d.receivingAgency,
    holder: d.holder,
    dueAt: d.dueAt,
    ...(stepDueAt !== undefined ? { stepDueAt } : {}),
    deliverTo: deliverToFor(body.action, before, d, sender),
  };
  const agencies = [...new Set([sender, d.receivingAgency, ...result.deliverTo, ...(before ? [before.holder] : []), d.holder])];
  const event: HubEvent = {
    id: uuidv7(args.now.getTime()),
    at: at.toISOString(),
    source: 'dossier',
    messageId: args.envelopeId,
    agencies,
    ...appliedEvent(body, sender, before, args.after, at),
  };
  const confirmationBody: DossierAppliedBody = {
    action: 'applied',
    responseFor: args.envelopeId,
    appliedAction: body.action,
    dossierCode: d.code,
    state: d.state,
    holder: d.holder,
    dueAt: d.dueAt,
    ...(stepDueAt !== undefined ? { stepDueAt } : {}),
  };
  const confirmation: Envelope<DossierAppliedBody> = {
    id: uuidv7(args.now.getTime()),
    kind: 'dossier',
    from: args.hubAgency,
    to: [sender],
    issuedAt: args.now.toISOString(),
    body: confirmationBody,
  };
  return {
    envelopeId: args.envelopeId,
    dossierCode: d.code,
    seq: args.after.version,
    action: body.action,
    agency: sender,
    at: at.toISOString(),
    fromState: before ? before.state : null,
    toState: d.state,
    holder: d.holder,
    result,
    event,
    confirmation,
  };
}

function appliedEvent(body: DossierBody, sender: string, before: DossierState | null, after: StoredDossier, at: Date): AppliedEvent {
  const d = after.state;
  const common = { dossierCode: d.code, procedureCode: d.procedureCode, by: sender, at: at.toISOString(), state: d.state, holder: d.holder, dueAt: d.dueAt };
  switch (body.action) {
    case 'submit':
      return {
        type: 'dossier.registered',
        data: { ...common, receivingAgency: d.receivingAgency, receivingTier: d.receivingTier, receivedAt: d.receivedAt, attachments: d.attachments.length },
      };
    case 'transfer':
    case 'return': {
      const step =
        body.action === 'transfer'
          ? d.steps[d.steps.length - 1]!
          : d.steps.find((s, i) => s.returnedAt !== undefined && before?.steps[i]?.returnedAt === undefined)!;
      return {
        type: 'dossier.transferred',
        data: {
          ...common,
          direction: body.action,
          from: before?.holder ?? sender,
          to: d.holder,
          stepDueAt: step.stepDueAt,
          ...(step.toTier ? { toTier: step.toTier } : {}),
        },
      };
    }
    case 'transition': {
      const c = columnsOf(after);
      return {
        type: 'dossier.transitioned',
        data: {
          ...common,
          fromState: before?.state,
          toState: d.state,
          ...(body.reason !== undefined ? { reason: body.reason } : {}),
          ...(c.settledClass && d.state === 9 ? { settledAt: c.settledAt, settledClass: c.settledClass, settlementWorkingDays: c.settlementWorkingDays } : {}),
          ...(body.apology !== undefined ? { apology: d.apologies[d.apologies.length - 1] } : {}),
          ...(before && before.dueAt !== d.dueAt ? { previousDueAt: before.dueAt } : {}),
        },
      };
    }
  }
}
