import {
  asLocalDate,
  DOSSIER_STATES,
  isDossierStateCode,
  isTier,
  localDayNumber,
  LtError,
  parseAgencyCode,
  parseDossierCode,
  TIERS,
  toVnLocalDate,
  vnEndOfDay,
  type AttachmentRef,
  type DossierState,
  type DossierStateCode,
  type LocalDate,
  type Tier,
} from '@lt/contracts';
import type { DayInput, WorkingCalendar } from './calendar';
import { validateApplicant, type Procedure } from './procedures';

/**
 * The dossier lifecycle (one-stop-shop dossiers): which state changes the hub accepts, who may make
 * them, and how transfers, pauses and settlements move the deadlines. Pure functions over the
 * DossierState of @lt/contracts; a new state is returned, the input is never modified.
 */

/** States that stop the legal clock; leaving them (to 4) pushes the deadlines back. */
export const PAUSING_STATES: readonly DossierStateCode[] = [5, 6, 8];
/** Not settled and not closed: the clock runs (or is paused) and the dossier can become overdue. */
export const OPEN_STATES: readonly DossierStateCode[] = [1, 2, 4, 5, 6, 8];
/** Settled: processed (9) and result returned (10). */
export const SETTLED_STATES: readonly DossierStateCode[] = [9, 10];
/** No further transition: not accepted, withdrawn, result returned. */
export const TERMINAL_STATES: readonly DossierStateCode[] = [3, 7, 10];

function stateLabel(s: DossierStateCode): string {
  return `${s} (${DOSSIER_STATES[s]})`;
}

/**
 * Who may perform a transition: `receiving` is the one-stop desk that registered the dossier
 * (it speaks for the citizen: withdrawals, supplements handed in, result handed over);
 * `holder` is the agency currently holding it (the receiving agency, or the target of the
 * innermost open transfer step).
 */
export type TransitionActor = 'holder' | 'receiving';

export interface TransitionRule {
  from: DossierStateCode;
  to: DossierStateCode;
  by: readonly TransitionActor[];
  meaning: string;
}

/**
 * The transition table the hub enforces. Anything not listed is ILLEGAL_TRANSITION.
 *
 *   1 newly registered  -> 2 accepted | 3 not accepted (reason) | 7 withdrawn
 *   2 accepted          -> 4 in progress | 7 withdrawn
 *   4 in progress       -> 5 supplement requested (reason) | 6 financial obligation requested
 *                          | 8 stopped (reason) | 9 processed | 7 withdrawn
 *   5, 6, 8 (paused)    -> 4 in progress (resume: supplement received, obligation paid,
 *                          processing restarted) | 7 withdrawn
 *   9 processed         -> 10 result returned
 *   3, 7, 10            terminal
 *
 * Transfers are not state changes: while in state 4 the holder may `transfer` the dossier to
 * another agency (a step with its own deadline) and the step's target may `return` it; steps
 * nest (commune -> district -> province, then back in reverse order). Settling (-> 9) requires
 * every step to have come back, so the receiving agency is the holder that settles it.
 * A late settlement (after the paused-adjusted deadline) must carry an apology slip unless one
 * was already recorded: the hub refuses it otherwise (Decree 61/2018 "phiếu xin lỗi và hẹn lại").
 */
export const DOSSIER_TRANSITIONS: readonly TransitionRule[] = [
  { from: 1, to: 2, by: ['receiving'], meaning: 'accepted at the one-stop desk' },
  { from: 1, to: 3, by: ['receiving'], meaning: 'not accepted (reason required)' },
  { from: 1, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 2, to: 4, by: ['holder'], meaning: 'processing started' },
  { from: 2, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 4, to: 5, by: ['holder'], meaning: 'supplement requested (reason required); clock paused' },
  { from: 4, to: 6, by: ['holder'], meaning: 'financial obligation requested; clock paused' },
  { from: 4, to: 8, by: ['holder'], meaning: 'processing stopped (reason required); clock paused' },
  { from: 4, to: 9, by: ['holder'], meaning: 'processed (settled); all transfer steps must have returned' },
  { from: 4, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 5, to: 4, by: ['holder', 'receiving'], meaning: 'supplement received; clock resumes' },
  { from: 5, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 6, to: 4, by: ['holder', 'receiving'], meaning: 'financial obligation fulfilled; clock resumes' },
  { from: 6, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 8, to: 4, by: ['holder'], meaning: 'processing restarted; clock resumes' },
  { from: 8, to: 7, by: ['receiving'], meaning: 'withdrawn by the citizen' },
  { from: 9, to: 10, by: ['receiving'], meaning: 'result returned to the citizen' },
];

/** Target states that need a `reason`. */
export const REASON_REQUIRED_STATES: readonly DossierStateCode[] = [3, 5, 8];

export function findTransition(from: DossierStateCode, to: DossierStateCode): TransitionRule | undefined {
  return DOSSIER_TRANSITIONS.find((r) => r.from === from && r.to === to);
}

export function allowedTargets(from: DossierStateCode): DossierStateCode[] {
  return DOSSIER_TRANSITIONS.filter((r) => r.from === from).map((r) => r.to);
}

export interface ApologyInput {
  newDueAt: DayInput;
  reason: string;
  /** when the slip was handed to the citizen; defaults to the transition time */
  issuedAt?: Date;
}

export type DossierAction =
  | { type: 'transition'; by: string; toState: DossierStateCode; reason?: string; apology?: ApologyInput }
  | {
      type: 'transfer';
      by: string;
      toAgency: string;
      toTier?: Tier;
      /** step budget in working days from the sending day (see WorkingCalendar.addWorkingDays) */
      stepWorkingDays?: number;
      /** or an explicit step deadline; the end of that local day is used */
      stepDueAt?: DayInput;
    }
  | { type: 'return'; by: string };

export interface RegisterDossierInput {
  code: string;
  procedure: Procedure;
  receivingAgency: string;
  receivingTier: Tier;
  receivedAt: Date;
  /** validated against the procedure's applicant fields, then not kept: the envelope carries it */
  applicant: unknown;
  attachments?: AttachmentRef[];
  by?: string;
}

function iso(d: Date): string {
  return d.toISOString();
}

function validInstant(d: unknown, field: string): Date {
  if (!(d instanceof Date) || Number.isNaN(d.getTime())) {
    throw new LtError('VALIDATION_FAILED', `${field} must be a valid Date`, { field });
  }
  return d;
}

function dayOf(isoOrDate: string | Date): number {
  return localDayNumber(toVnLocalDate(typeof isoOrDate === 'string' ? new Date(isoOrDate) : isoOrDate));
}

/** State 1 (newly registered): legal deadline = calendar.addWorkingDays(receivedAt, procedure.workingDays). */
export function registerDossier(input: RegisterDossierInput, calendar: WorkingCalendar): DossierState {
  const parsed = parseDossierCode(input.code);
  const receivingAgency = parseAgencyCode(input.receivingAgency);
  if (parsed.agencyCode !== receivingAgency) {
    throw new LtError('VALIDATION_FAILED', `dossier code ${input.code} belongs to ${parsed.agencyCode}, not to the receiving agency ${receivingAgency}`, {
      field: 'code',
    });
  }
  if (!isTier(input.receivingTier)) {
    throw new LtError('VALIDATION_FAILED', `receivingTier must be one of ${TIERS.join(', ')}, got ${JSON.stringify(input.receivingTier)}`, { field: 'receivingTier' });
  }
  const receivedAt = validInstant(input.receivedAt, 'receivedAt');
  validateApplicant(input.procedure, input.applicant);
  const dueAt = iso(calendar.addWorkingDays(receivedAt, input.procedure.workingDays));
  const at = iso(receivedAt);
  return {
    code: input.code,
    procedureCode: input.procedure.code,
    receivingAgency,
    receivingTier: input.receivingTier,
    holder: receivingAgency,
    state: 1,
    receivedAt: at,
    initialDueAt: dueAt,
    dueAt,
    steps: [],
    pauses: [],
    apologies: [],
    attachments: (input.attachments ?? []).map((a) => ({ ...a })),
    history: [{ at, by: input.by ?? receivingAgency, action: 'register', toState: 1 }],
    updatedAt: at,
  };
}

function illegal(d: DossierState, attempted: DossierStateCode | 'transfer' | 'return', why: string): LtError {
  const what = typeof attempted === 'number' ? `transition to ${stateLabel(attempted)}` : attempted;
  return new LtError('ILLEGAL_TRANSITION', `dossier ${d.code} is in state ${stateLabel(d.state)}: ${what} is not allowed (${why})`, {
    dossierCode: d.code,
    currentState: d.state,
    currentStateName: DOSSIER_STATES[d.state],
    attempted,
    allowed: allowedTargets(d.state),
  });
}

function forbidden(d: DossierState, attempted: DossierStateCode | 'transfer' | 'return', by: string, allowedActors: string[]): LtError {
  const what = typeof attempted === 'number' ? `move it to ${stateLabel(attempted)}` : attempted === 'transfer' ? 'transfer it' : 'return it';
  return new LtError('FORBIDDEN', `agency ${by} may not ${what}: dossier ${d.code} (state ${stateLabel(d.state)}) can only be acted on here by ${allowedActors.join(' or ')}`, {
    dossierCode: d.code,
    currentState: d.state,
    attempted,
    by,
    allowedActors,
  });
}

/** Index of the innermost open step (open steps always form a chain from the receiving agency). */
export function openStepIndex(d: DossierState): number {
  for (let i = d.steps.length - 1; i >= 0; i--) if (d.steps[i]!.returnedAt === undefined) return i;
  return -1;
}

function cloneState(d: DossierState): DossierState {
  return {
    ...d,
    steps: d.steps.map((s) => ({ ...s })),
    pauses: d.pauses.map((p) => ({ ...p })),
    apologies: d.apologies.map((a) => ({ ...a })),
    attachments: d.attachments.map((a) => ({ ...a })),
    history: d.history.map((h) => ({ ...h })),
  };
}

/** End of the local day of a day input (deadlines are whole days). */
function deadlineOf(input: DayInput, field: string): string {
  if (input instanceof Date) validInstant(input, field);
  return iso(vnEndOfDay(asLocalDate(input, field)));
}

/**
 * Applies one action and returns a NEW state; the input is never modified. Refusals:
 * ILLEGAL_TRANSITION (not in the table, or transfer/return/settle in the wrong situation; details
 * carry currentState and attempted), FORBIDDEN (legal move, wrong agency), VALIDATION_FAILED
 * (missing reason, apology, bad step deadline, `at` before the last change).
 */
export function applyTransition(dossier: DossierState, action: DossierAction, at: Date, calendar: WorkingCalendar): DossierState {
  validInstant(at, 'at');
  if (at.getTime() < new Date(dossier.updatedAt).getTime()) {
    throw new LtError('VALIDATION_FAILED', `at ${iso(at)} is before the dossier's last change ${dossier.updatedAt}`, { field: 'at' });
  }
  switch (action.type) {
    case 'transition':
      return applyStateChange(dossier, action, at, calendar);
    case 'transfer':
      return applyTransfer(dossier, action, at, calendar);
    case 'return':
      return applyReturn(dossier, action, at);
    default: {
      const unknown = (action as { type?: unknown }).type;
      throw new LtError('VALIDATION_FAILED', `unknown dossier action type ${JSON.stringify(unknown)}`, { field: 'type' });
    }
  }
}

function actorsFor(d: DossierState, rule: TransitionRule): string[] {
  const codes = rule.by.map((a) => (a === 'holder' ? d.holder : d.receivingAgency));
  return [...new Set(codes)];
}

function applyStateChange(
  d: DossierState,
  action: Extract<DossierAction, { type: 'transition' }>,
  at: Date,
  calendar: WorkingCalendar,
): DossierState {
  const to = action.toState;
  if (!isDossierStateCode(to)) {
    throw new LtError('VALIDATION_FAILED', `toState must be a dossier state 1-10, got ${JSON.stringify(to)}`, { field: 'toState' });
  }
  const rule = findTransition(d.state, to);
  if (!rule) {
    const allowed = allowedTargets(d.state);
    throw illegal(d, to, allowed.length ? `allowed from ${d.state}: ${allowed.join(', ')}` : `state ${d.state} is terminal`);
  }
  const actors = actorsFor(d, rule);
  if (!actors.includes(action.by)) throw forbidden(d, to, action.by, actors);
  if (REASON_REQUIRED_STATES.includes(to) && !(typeof action.reason === 'string' && action.reason.trim())) {
    throw new LtError('VALIDATION_FAILED', `reason is required to move dossier ${d.code} to ${stateLabel(to)}`, { field: 'reason' });
  }
  if (action.apology !== undefined && to !== 9) {
    throw new LtError('VALIDATION_FAILED', `apology is only recorded when settling (state 9), not with ${stateLabel(to)}`, { field: 'apology' });
  }
  const open = openStepIndex(d);
  if (to === 9 && open >= 0) {
    throw illegal(d, 9, `transfer step ${open} to ${d.steps[open]!.to} has not returned; settle once every step is back`);
  }

  const next = cloneState(d);
  const atIso = iso(at);

  // leaving a pause: the clock restarts and every deadline moves back by the paused working days
  if (PAUSING_STATES.includes(d.state)) {
    const pause = next.pauses[next.pauses.length - 1];
    if (pause && pause.to === undefined) {
      const clockStart = calendar.effectiveStartDay(new Date(d.receivedAt));
      const pauseDay = toVnLocalDate(new Date(pause.from));
      const countFrom: LocalDate = localDayNumber(pauseDay) > localDayNumber(clockStart) ? pauseDay : clockStart;
      const paused = Math.max(0, calendar.workingDaysBetween(countFrom, at));
      if (paused > 0) {
        next.dueAt = iso(calendar.addWorkingDays(new Date(next.dueAt), paused));
        for (const s of next.steps) {
          if (s.returnedAt === undefined) s.stepDueAt = iso(calendar.addWorkingDays(new Date(s.stepDueAt), paused));
        }
      }
      pause.to = atIso;
      pause.workingDays = paused;
      pause.dueAtAfter = next.dueAt;
    }
  }
  if (PAUSING_STATES.includes(to)) next.pauses.push({ state: to as 5 | 6 | 8, from: atIso });

  if (to === 9) {
    const late = dayOf(at) > dayOf(next.dueAt);
    if (action.apology) {
      const a = action.apology;
      if (!(typeof a.reason === 'string' && a.reason.trim())) {
        throw new LtError('VALIDATION_FAILED', 'apology.reason is required', { field: 'apology.reason' });
      }
      const newDueAt = deadlineOf(a.newDueAt, 'apology.newDueAt');
      if (dayOf(newDueAt) <= dayOf(next.dueAt)) {
        throw new LtError('VALIDATION_FAILED', `apology.newDueAt ${newDueAt} must be after the deadline ${next.dueAt}`, { field: 'apology.newDueAt' });
      }
      const issuedAt = a.issuedAt === undefined ? at : validInstant(a.issuedAt, 'apology.issuedAt');
      next.apologies.push({ issuedAt: iso(issuedAt), newDueAt, reason: a.reason, by: action.by });
    } else if (late && next.apologies.length === 0) {
      throw new LtError(
        'VALIDATION_FAILED',
        `dossier ${d.code} is settled after its deadline ${next.dueAt}: an apology slip with a new date is required (apology.newDueAt, apology.reason)`,
        { field: 'apology', dueAt: next.dueAt },
      );
    }
    next.settledAt = atIso;
    const clockStart = calendar.effectiveStartDay(new Date(d.receivedAt));
    const pausedTotal = next.pauses.reduce((sum, p) => sum + (p.workingDays ?? 0), 0);
    next.settlementWorkingDays = Math.max(0, calendar.workingDaysBetween(clockStart, at) - pausedTotal);
  }
  if (to === 10) next.resultReturnedAt = atIso;
  if (to === 3 || to === 7) next.closedAt = atIso;

  next.state = to;
  next.history.push({
    at: atIso,
    by: action.by,
    action: 'transition',
    fromState: d.state,
    toState: to,
    ...(action.reason !== undefined ? { reason: action.reason } : {}),
  });
  next.updatedAt = atIso;
  return next;
}

function applyTransfer(
  d: DossierState,
  action: Extract<DossierAction, { type: 'transfer' }>,
  at: Date,
  calendar: WorkingCalendar,
): DossierState {
  if (d.state !== 4) throw illegal(d, 'transfer', 'a dossier is transferred only while in state 4 (in_progress)');
  if (action.by !== d.holder) throw forbidden(d, 'transfer', action.by, [d.holder]);
  const toAgency = parseAgencyCode(action.toAgency);
  const chain = [d.receivingAgency, ...d.steps.filter((s) => s.returnedAt === undefined).map((s) => s.to)];
  if (chain.includes(toAgency)) {
    throw new LtError('VALIDATION_FAILED', `toAgency ${toAgency} already holds dossier ${d.code} in its transfer chain; use return to send it back`, {
      field: 'toAgency',
    });
  }
  const hasDays = action.stepWorkingDays !== undefined;
  const hasDate = action.stepDueAt !== undefined;
  if (hasDays === hasDate) {
    throw new LtError('VALIDATION_FAILED', 'a transfer needs exactly one of stepWorkingDays or stepDueAt', { field: 'stepWorkingDays' });
  }
  let stepDueAt: string;
  if (hasDays) {
    const n = action.stepWorkingDays!;
    if (!Number.isInteger(n) || n < 1 || n > 365) {
      throw new LtError('VALIDATION_FAILED', `stepWorkingDays must be an integer from 1 to 365, got ${n}`, { field: 'stepWorkingDays' });
    }
    stepDueAt = iso(calendar.addWorkingDays(at, n));
  } else {
    stepDueAt = deadlineOf(action.stepDueAt!, 'stepDueAt');
    if (dayOf(stepDueAt) < dayOf(at)) {
      throw new LtError('VALIDATION_FAILED', `stepDueAt ${stepDueAt} is before the transfer day`, { field: 'stepDueAt' });
    }
  }
  const next = cloneState(d);
  const atIso = iso(at);
  next.steps.push({
    from: d.holder,
    to: toAgency,
    ...(action.toTier !== undefined ? { toTier: action.toTier } : {}),
    sentAt: atIso,
    stepDueAt,
  });
  next.holder = toAgency;
  next.history.push({ at: atIso, by: action.by, action: 'transfer', fromState: 4, toState: 4, toAgency });
  next.updatedAt = atIso;
  return next;
}

function applyReturn(d: DossierState, action: Extract<DossierAction, { type: 'return' }>, at: Date): DossierState {
  if (d.state !== 4) throw illegal(d, 'return', 'a dossier is returned only while in state 4 (in_progress)');
  const i = openStepIndex(d);
  if (i < 0) throw illegal(d, 'return', 'it has no open transfer step');
  const step = d.steps[i]!;
  if (action.by !== step.to) throw forbidden(d, 'return', action.by, [step.to]);
  const next = cloneState(d);
  const atIso = iso(at);
  next.steps[i]!.returnedAt = atIso;
  next.holder = step.from;
  next.history.push({ at: atIso, by: action.by, action: 'return', fromState: 4, toState: 4, toAgency: step.from });
  next.updatedAt = atIso;
  return next;
}
