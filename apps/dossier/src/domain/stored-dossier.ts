import { DOSSIER_STATES, type DossierBody, type DossierState, type DossierSummary, type DossierView, type Timeliness } from '@lt/contracts';
import { classifySettlement, isOverdue, OPEN_STATES, openStepIndex, PAUSING_STATES } from '@lt/dossier-domain';

/**
 * A dossier as the service stores it: the domain's DossierState plus the deadlines already
 * notified as overdue (so the scanner notifies each missed deadline once) and a version that
 * counts applied messages.
 */
export interface StoredDossier {
  state: DossierState;
  /** keys of deadlines already notified: `dossier@<dueAt>` / `step<i>@<stepDueAt>` */
  overdueNotified: string[];
  version: number;
  /** envelope id of the submit that registered it */
  submitEnvelopeId: string;
}

/** The narrow report/scanner columns of the `dossiers` table, all derived from the state. */
export interface DossierColumns {
  code: string;
  procedureCode: string;
  receivingAgency: string;
  receivingTier: string;
  holder: string;
  state: number;
  receivedAt: string;
  initialDueAt: string;
  dueAt: string;
  stepDueAt: string | null;
  acceptedAt: string | null;
  pausedSince: string | null;
  settledAt: string | null;
  settledClass: Timeliness | null;
  settlementWorkingDays: number | null;
  closedAt: string | null;
  resultReturnedAt: string | null;
  nextDeadlineAt: string | null;
  participants: string[];
  submitEnvelopeId: string;
  version: number;
  updatedAt: string;
}

export interface Deadline {
  key: string;
  scope: 'dossier' | 'step';
  stepIndex?: number;
  at: string;
}

/** Deadlines that can be missed now: the legal one and every open step's, while the dossier is open. */
export function openDeadlines(d: DossierState): Deadline[] {
  if (!OPEN_STATES.includes(d.state)) return [];
  const out: Deadline[] = [{ key: deadlineKey('dossier', d.dueAt), scope: 'dossier', at: d.dueAt }];
  d.steps.forEach((s, i) => {
    if (s.returnedAt === undefined) out.push({ key: deadlineKey('step', s.stepDueAt, i), scope: 'step', stepIndex: i, at: s.stepDueAt });
  });
  return out;
}

export function deadlineKey(scope: 'dossier' | 'step', dueAt: string, stepIndex?: number): string {
  return scope === 'dossier' ? `dossier@${dueAt}` : `step${stepIndex}@${dueAt}`;
}

/** Earliest deadline not yet notified; null when the dossier is closed or every one was notified. */
export function nextDeadline(d: DossierState, notified: readonly string[]): string | null {
  let min: string | null = null;
  for (const dl of openDeadlines(d)) {
    if (notified.includes(dl.key)) continue;
    if (min === null || Date.parse(dl.at) < Date.parse(min)) min = dl.at;
  }
  return min;
}

/** Receiving agency and every agency a transfer step touched (who may read the dossier). */
export function participantsOf(d: DossierState): string[] {
  const set = new Set<string>([d.receivingAgency]);
  for (const s of d.steps) {
    set.add(s.from);
    set.add(s.to);
  }
  return [...set];
}

/** Deadline of the innermost open transfer step. */
export function currentStepDueAt(d: DossierState): string | undefined {
  const i = openStepIndex(d);
  return i >= 0 ? d.steps[i]!.stepDueAt : undefined;
}

export function openPauseSince(d: DossierState): string | null {
  if (!PAUSING_STATES.includes(d.state)) return null;
  const p = d.pauses[d.pauses.length - 1];
  return p && p.to === undefined ? p.from : null;
}

/** When it first left state 1 for 2 (accepted); reports count state 1 as "awaiting acceptance". */
export function acceptedAt(d: DossierState): string | null {
  return d.history.find((h) => h.action === 'transition' && h.fromState === 1 && h.toState === 2)?.at ?? null;
}

export function columnsOf(s: StoredDossier): DossierColumns {
  const d = s.state;
  return {
    code: d.code,
    procedureCode: d.procedureCode,
    receivingAgency: d.receivingAgency,
    receivingTier: d.receivingTier,
    holder: d.holder,
    state: d.state,
    receivedAt: d.receivedAt,
    initialDueAt: d.initialDueAt,
    dueAt: d.dueAt,
    stepDueAt: currentStepDueAt(d) ?? null,
    acceptedAt: acceptedAt(d),
    pausedSince: openPauseSince(d),
    settledAt: d.settledAt ?? null,
    settledClass: d.settledAt !== undefined ? classifySettlement(d) : null,
    settlementWorkingDays: d.settlementWorkingDays ?? null,
    closedAt: d.closedAt ?? null,
    resultReturnedAt: d.resultReturnedAt ?? null,
    nextDeadlineAt: nextDeadline(d, s.overdueNotified),
    participants: participantsOf(d),
    submitEnvelopeId: s.submitEnvelopeId,
    version: s.version,
    updatedAt: d.updatedAt,
  };
}

/**
 * Who the router delivers an applied dossier message to (never the sender):
 * - submit: the receiving agency (when another agency, e.g. a portal, submitted for it);
 * - transfer: the agency it was transferred to; return: the agency it went back to;
 * - transition: the receiving agency and every agency in the open transfer chain, so the
 *   one-stop desk and whoever holds it both learn the new state.
 */
export function deliverToFor(action: DossierBody['action'], before: DossierState | null, after: DossierState, sender: string): string[] {
  const set = new Set<string>();
  switch (action) {
    case 'submit':
      set.add(after.receivingAgency);
      break;
    case 'transfer':
    case 'return':
      set.add(after.holder);
      break;
    case 'transition': {
      set.add(after.receivingAgency);
      const chainOf = (d: DossierState) => d.steps.filter((s) => s.returnedAt === undefined).map((s) => s.to);
      for (const a of chainOf(before ?? after)) set.add(a);
      break;
    }
  }
  set.delete(sender);
  return [...set];
}

export function viewOf(d: DossierState, now: Date): DossierView {
  const stepDueAt = currentStepDueAt(d);
  return {
    ...d,
    stateName: DOSSIER_STATES[d.state],
    ...(d.settledAt !== undefined ? { settledClass: classifySettlement(d) } : {}),
    overdue: isOverdue(d, now),
    ...(stepDueAt !== undefined ? { stepDueAt } : {}),
    participants: participantsOf(d),
  };
}

export function summaryOf(c: DossierColumns): DossierSummary {
  return {
    code: c.code,
    procedureCode: c.procedureCode,
    receivingAgency: c.receivingAgency,
    receivingTier: c.receivingTier as DossierSummary['receivingTier'],
    holder: c.holder,
    state: c.state as DossierSummary['state'],
    stateName: DOSSIER_STATES[c.state as DossierSummary['state']],
    receivedAt: c.receivedAt,
    dueAt: c.dueAt,
    settledAt: c.settledAt,
    settledClass: c.settledClass,
    updatedAt: c.updatedAt,
  };
}
