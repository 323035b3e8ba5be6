import { join } from 'node:path';
import { loadCalendar, loadProcedureCatalog, type ProcedureCatalog, type WorkingCalendar } from '@lt/dossier-domain';
import { DEFAULT_HUB_AGENCY, findConfigDir } from '@lt/platform';

/** What the dossier service is told at boot, beyond its connections. */
export interface DossierOptionsInput {
  /** default: config/calendar of the repository */
  calendarDir?: string;
  /** default: config/procedures.json of the repository */
  proceduresFile?: string;
  /** already loaded calendar / catalog (take precedence over the paths) */
  calendar?: WorkingCalendar;
  catalog?: ProcedureCatalog;
  /** `from` of hub-signed envelopes (HubConfig.hubAgency); default DEFAULT_HUB_AGENCY */
  hubAgency?: string;
  /** overdue scanner period; default 60 s; 0 = no timer (call useCases.scanOverdue yourself) */
  scanIntervalMs?: number;
  /** outbox relay period; default 5 s; 0 = no timer */
  outboxIntervalMs?: number;
}

/** The same, loaded and defaulted (provided as DOSSIER_OPTIONS). */
export interface DossierOptions {
  calendar: WorkingCalendar;
  catalog: ProcedureCatalog;
  hubAgency: string;
  scanIntervalMs: number;
  outboxIntervalMs: number;
}

export const DOSSIER_OPTIONS = Symbol('DOSSIER_OPTIONS');

/** Loads the calendar and the procedure catalog (from the repository's config/ unless told otherwise) and applies the defaults. */
export function resolveDossierOptions(o: DossierOptionsInput): DossierOptions {
  const configDir = o.calendarDir && o.proceduresFile ? '' : findConfigDir();
  return {
    calendar: o.calendar ?? loadCalendar(o.calendarDir ?? join(configDir, 'calendar')),
    catalog: o.catalog ?? loadProcedureCatalog(o.proceduresFile ?? join(configDir, 'procedures.json')),
    hubAgency: o.hubAgency ?? DEFAULT_HUB_AGENCY,
    scanIntervalMs: o.scanIntervalMs ?? 60_000,
    outboxIntervalMs: o.outboxIntervalMs ?? 5_000,
  };
}
