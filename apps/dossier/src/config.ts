import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { ConfigError } from '@lt/platform';

/** Settings of the dossier service on top of HubConfig, validated at boot. */
export interface DossierSettings {
  /** how often the overdue scanner runs (LT_DOSSIER_SCAN_SECONDS, default 60) */
  scanIntervalMs: number;
  /** folder of `<year>.json` working-day calendars (LT_CALENDAR_DIR, default config/calendar) */
  calendarDir: string;
  /** procedure catalog (LT_PROCEDURES_FILE, default config/procedures.json) */
  proceduresFile: string;
}

/** The repository's `config/` folder: walks up from here (src under Jest, dist/… when built). */
export function findConfigDir(start = __dirname): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'config', 'procedures.json'))) return join(dir, 'config');
    if (dirname(dir) === dir) return resolve('config');
  }
}

export function loadDossierSettings(env: Record<string, string | undefined> = process.env): DossierSettings {
  const raw = env.LT_DOSSIER_SCAN_SECONDS;
  let seconds = 60;
  if (raw !== undefined && raw !== '') {
    seconds = Number(raw);
    if (!Number.isInteger(seconds) || seconds < 1 || seconds > 86_400) {
      throw new ConfigError('LT_DOSSIER_SCAN_SECONDS', `must be an integer from 1 to 86400 (got ${JSON.stringify(raw)})`);
    }
  }
  const configDir = findConfigDir();
  const calendarDir = env.LT_CALENDAR_DIR || join(configDir, 'calendar');
  const proceduresFile = env.LT_PROCEDURES_FILE || join(configDir, 'procedures.json');
  if (!existsSync(calendarDir)) throw new ConfigError('LT_CALENDAR_DIR', `folder ${calendarDir} does not exist`);
  if (!existsSync(proceduresFile)) throw new ConfigError('LT_PROCEDURES_FILE', `file ${proceduresFile} does not exist`);
  return { scanIntervalMs: seconds * 1000, calendarDir, proceduresFile };
}
