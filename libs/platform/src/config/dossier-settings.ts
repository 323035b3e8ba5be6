import type { Env } from './config-error';
import { readVariable } from './schema';

/** Dossier service settings beyond the hub-wide ones. */
export interface DossierSettings {
  /** LT_DOSSIER_SCAN_SECONDS, in ms: how often the overdue scanner runs */
  scanIntervalMs: number;
  /** LT_CALENDAR_DIR: folder of `<year>.json` working-day calendars (default: the repository's config/calendar, findConfigDir) */
  calendarDir: string;
  /** LT_PROCEDURES_FILE: procedure catalog (default: the repository's config/procedures.json) */
  proceduresFile: string;
}

/** Reads the dossier variables; the calendar folder and catalog file must exist. */
export function loadDossierSettings(env: Env = process.env): DossierSettings {
  return {
    scanIntervalMs: readVariable(env, 'LT_DOSSIER_SCAN_SECONDS') * 1000,
    calendarDir: readVariable(env, 'LT_CALENDAR_DIR'),
    proceduresFile: readVariable(env, 'LT_PROCEDURES_FILE'),
  };
}
