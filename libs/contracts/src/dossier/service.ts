import type { Envelope } from '../envelope/envelope';
import { LtError } from '../errors';
import type { Page } from '../registry/registry';
import type { Tier } from '../tiers';
import { isDossierCode } from './dossier-code';
import type { DossierBody, DossierBodyAction } from './dossier-body';
import { DOSSIER_STATES, isDossierStateCode, type DossierState, type DossierStateCode, type DossierStateName, type Timeliness } from './dossier-state';

/**
 * The dossier service's public surface (apps/dossier): request-reply methods and the bodies of
 * the hub-signed dossier messages the service puts in agencies' inboxes (the inbox-copy header
 * with a dossier's code, DOSSIER_CODE_HEADER, is in messaging/inbox-headers.ts). Pure types and
 * validators; no I/O.
 */

/** Request-reply methods: subject = topology.rpcSubject('dossier', method). */
export const DOSSIER_RPC = {
  /** router -> dossier service, before delivering a `dossier` envelope */
  apply: 'apply',
  get: 'get',
  list: 'list',
  report: 'report',
} as const;

/** What the router sends on `dossier.apply` once signature, sender and recipients are verified. */
export interface ApplyDossierRequest {
  envelope: Envelope<DossierBody>;
  envelopeId: string;
  /** the authenticated sender (= envelope.from) */
  from: string;
  /** recipient codes as the router resolved them */
  to: string[];
  /** when the hub took the submission (ISO); the time of every lifecycle step but a submit's */
  receivedAt: string;
}

/** Answer of `dossier.apply`: identical for a retried apply of the same envelope id. */
export interface ApplyDossierResult {
  envelopeId: string;
  action: DossierBodyAction;
  dossierCode: string;
  state: DossierStateCode;
  stateName: DossierStateName;
  receivingAgency: string;
  holder: string;
  /** legal deadline (pause-adjusted), end of a Vietnam-local day */
  dueAt: string;
  /** deadline of the innermost open transfer step, if any */
  stepDueAt?: string;
  /** agencies the router delivers the envelope to (never the sender) */
  deliverTo: string[];
}

/** Who asks (the gateway passes the token's role): agencies see only dossiers they take part in. */
export interface DossierViewer {
  role: string;
  agencyCode?: string;
}

/** `dossier.get` answer: the dossier's state plus what is derived from it. */
export interface DossierView extends DossierState {
  stateName: DossierStateName;
  /** set once settled */
  settledClass?: Timeliness;
  /** open and past its (pause-adjusted) due day now */
  overdue: boolean;
  stepDueAt?: string;
  /** receiving agency and every agency a transfer step touched */
  participants: string[];
}

export interface DossierSummary {
  code: string;
  procedureCode: string;
  receivingAgency: string;
  receivingTier: Tier;
  holder: string;
  state: DossierStateCode;
  stateName: DossierStateName;
  receivedAt: string;
  dueAt: string;
  settledAt: string | null;
  settledClass: Timeliness | null;
  updatedAt: string;
}

export interface DossierListQuery {
  /** dossiers this agency received, holds or held */
  agency?: string;
  state?: DossierStateCode;
  /** only open dossiers past their due time now */
  overdue?: boolean;
  cursor?: string;
  limit?: number;
}

export type DossierPage = Page<DossierSummary>;

/**
 * `dossier.report`: half-open period [from, to); a `YYYY-MM-DD` bound is a Vietnam-local day
 * (`to` inclusive: the period ends at the end of that day). `asOf` (in-progress and overdue
 * counts) defaults to the period's last millisecond, or now if earlier.
 */
export interface DossierReportQuery {
  from?: string;
  to?: string;
  agency?: string;
  tier?: Tier;
  asOf?: string;
  /** one report per receiving agency or per tier instead of one total */
  groupBy?: 'agency' | 'tier';
}

/** Figures of one `dossier.report` over a period (computed by libs/dossier-domain timeliness.ts). */
export interface DossierReport {
  period: { from: string; to: string };
  agency?: string;
  tier?: Tier;
  asOf: string;
  /** registered (receivedAt) within the period */
  received: number;
  /** reached 3 (not accepted) within the period */
  notAccepted: number;
  /** reached 7 (withdrawn) within the period */
  withdrawn: number;
  /** settled (reached 9) within the period, whenever received */
  settled: { total: number; early: number; onTime: number; late: number };
  /** (early + onTime) / total, a fraction 0..1; null when nothing was settled */
  onTimeRate: number | null;
  /** at asOf: in state 1, registered but not yet accepted */
  awaitingAcceptance: number;
  /** at asOf: accepted and not settled (states 2, 4, 5, 6, 8), whenever received */
  inProgress: number;
  /** at asOf: open (states 1, 2, 4, 5, 6, 8) and past the due day (see isOverdue) */
  overdueNow: number;
  /** over dossiers settled in the period, in working days with paused time excluded */
  settlementWorkingDays: { mean: number | null; p90: number | null };
}

export interface DossierReportGroup extends DossierReport {
  /** the agency code or tier of this group */
  key: string;
}

export type DossierReportResult =
  DossierReport | { period: { from: string; to: string }; asOf: string; groupBy: 'agency' | 'tier'; groups: DossierReportGroup[] };

// ---------------------------------------------------------------- hub-signed dossier messages

/**
 * Bodies of `dossier` envelopes the HUB signs (kid `hub#<key id>`, from `hub`, header
 * Lt-Hub-Signed: 1). Agencies never send these actions: the dossier service refuses them.
 * - `applied`: to the sender, once its dossier message was applied (carries the issued code).
 * - `overdue-notice`: to the agency answerable for a missed deadline and its parent.
 */
export const DOSSIER_HUB_ACTIONS = ['applied', 'overdue-notice'] as const;
export type DossierHubAction = (typeof DOSSIER_HUB_ACTIONS)[number];

export interface DossierAppliedBody {
  action: 'applied';
  /** envelope id of the applied message */
  responseFor: string;
  appliedAction: DossierBodyAction;
  dossierCode: string;
  state: DossierStateCode;
  holder: string;
  dueAt: string;
  stepDueAt?: string;
}

export interface DossierOverdueNoticeBody {
  action: 'overdue-notice';
  dossierCode: string;
  /** `dossier`: the legal deadline; `step`: a transfer step's deadline */
  scope: 'dossier' | 'step';
  stepIndex?: number;
  /** agency answerable for the deadline */
  responsible: string;
  dueAt: string;
  detectedAt: string;
}

export type DossierHubBody = DossierAppliedBody | DossierOverdueNoticeBody;

export function isDossierHubAction(value: unknown): value is DossierHubAction {
  return typeof value === 'string' && (DOSSIER_HUB_ACTIONS as readonly string[]).includes(value);
}

const ISO_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?Z$/;
const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function fail(path: string, message: string): never {
  throw new LtError('SCHEMA_INVALID', `${path} ${message}`, { field: path });
}

function only(o: Record<string, unknown>, allowed: readonly string[]): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`body.${k}`, `is not a known field here (allowed: ${allowed.join(', ')})`);
}

function iso(v: unknown, path: string): string {
  if (typeof v !== 'string' || !ISO_RE.test(v) || Number.isNaN(Date.parse(v))) fail(path, `must be an ISO UTC timestamp, got ${JSON.stringify(v)}`);
  return v;
}

function code(v: unknown, path: string): string {
  if (!isDossierCode(v)) fail(path, `must be a dossier code, got ${JSON.stringify(v)}`);
  return v;
}

function agency(v: unknown, path: string): string {
  if (typeof v !== 'string' || !/^\d{3}\.\d{2}\.\d{2}\.[A-K]\d{2}$/.test(v)) fail(path, `must be an agency code, got ${JSON.stringify(v)}`);
  return v;
}

/** Checks the body of a hub-signed dossier envelope, throwing SCHEMA_INVALID naming the path. */
export function validateDossierHubBody(body: unknown): DossierHubBody {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) fail('body', 'must be an object');
  const o = body as Record<string, unknown>;
  if (o.action === 'applied') {
    only(o, ['action', 'responseFor', 'appliedAction', 'dossierCode', 'state', 'holder', 'dueAt', 'stepDueAt']);
    if (typeof o.responseFor !== 'string' || !UUID_RE.test(o.responseFor)) fail('body.responseFor', 'must be the envelope id (UUID) of the applied message');
    if (!['submit', 'transfer', 'return', 'transition'].includes(o.appliedAction as string))
      fail('body.appliedAction', 'must be submit, transfer, return or transition');
    if (!isDossierStateCode(o.state)) fail('body.state', `must be a dossier state 1-10, got ${JSON.stringify(o.state)}`);
    const out: DossierAppliedBody = {
      action: 'applied',
      responseFor: o.responseFor,
      appliedAction: o.appliedAction as DossierBodyAction,
      dossierCode: code(o.dossierCode, 'body.dossierCode'),
      state: o.state,
      holder: agency(o.holder, 'body.holder'),
      dueAt: iso(o.dueAt, 'body.dueAt'),
    };
    if (o.stepDueAt !== undefined) out.stepDueAt = iso(o.stepDueAt, 'body.stepDueAt');
    return out;
  }
  if (o.action === 'overdue-notice') {
    only(o, ['action', 'dossierCode', 'scope', 'stepIndex', 'responsible', 'dueAt', 'detectedAt']);
    if (o.scope !== 'dossier' && o.scope !== 'step') fail('body.scope', 'must be dossier or step');
    const out: DossierOverdueNoticeBody = {
      action: 'overdue-notice',
      dossierCode: code(o.dossierCode, 'body.dossierCode'),
      scope: o.scope,
      responsible: agency(o.responsible, 'body.responsible'),
      dueAt: iso(o.dueAt, 'body.dueAt'),
      detectedAt: iso(o.detectedAt, 'body.detectedAt'),
    };
    if (o.scope === 'step') {
      if (typeof o.stepIndex !== 'number' || !Number.isInteger(o.stepIndex) || o.stepIndex < 0)
        fail('body.stepIndex', 'must be a non-negative integer for a step notice');
      out.stepIndex = o.stepIndex;
    } else if (o.stepIndex !== undefined) fail('body.stepIndex', 'is only allowed when scope is step');
    return out;
  }
  fail('body.action', `must be one of ${DOSSIER_HUB_ACTIONS.join(', ')} in a hub-signed dossier message, got ${JSON.stringify(o.action)}`);
}

export function dossierStateName(state: DossierStateCode): DossierStateName {
  return DOSSIER_STATES[state];
}
