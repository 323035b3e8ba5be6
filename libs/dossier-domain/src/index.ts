/**
 * The dossier domain of the hub: the working-day calendar, the procedure catalog, the lifecycle
 * state machine and the timeliness rules, plus the two file loaders that read `config/`. The wire
 * shapes these work on (DossierState, dossier bodies, codes, report types) are in @lt/contracts.
 */
export { WorkingCalendar, parseCalendarYear, type CalendarHoliday, type CalendarYearData, type DayInput } from './calendar';
export { loadCalendar } from './calendar-loader';
export {
  APPLICANT_LIMITS,
  DEMO_PROCEDURES,
  DEMO_PROCEDURE_CATALOG,
  ProcedureCatalog,
  getProcedure,
  parseProcedure,
  parseProcedureCatalog,
  stepWorkingDaysFor,
  validateApplicant,
  type ApplicantData,
  type Procedure,
  type ProcedureStep,
} from './procedures';
export { loadProcedureCatalog } from './procedure-loader';
export {
  DOSSIER_TRANSITIONS,
  OPEN_STATES,
  PAUSING_STATES,
  REASON_REQUIRED_STATES,
  SETTLED_STATES,
  TERMINAL_STATES,
  allowedTargets,
  applyTransition,
  findTransition,
  openStepIndex,
  registerDossier,
  type ApologyInput,
  type DossierAction,
  type RegisterDossierInput,
  type TransitionActor,
  type TransitionRule,
} from './lifecycle';
export { dossierActionFromBody } from './action-from-body';
export {
  classifySettlement,
  computeReport,
  dossierAt,
  isOverdue,
  nearestRankPercentile,
  overdueNotices,
  type DossierSnapshot,
  type OverdueNotice,
  type ReportOptions,
  type ReportPeriod,
} from './timeliness';
