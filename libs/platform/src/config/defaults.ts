import { existsSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

/** The operator of the national axis: `from` of hub-signed envelopes unless LT_HUB_AGENCY says otherwise. */
export const DEFAULT_HUB_AGENCY = '000.00.00.G22';

/**
 * The repository's `config/` folder (working-day calendars, procedure catalog), the dossier
 * service's default for LT_CALENDAR_DIR and LT_PROCEDURES_FILE. Walks up from here, so it is
 * found from the sources under Jest and from dist/ when built; `./config` when none is found.
 */
export function findConfigDir(start = __dirname): string {
  for (let dir = resolve(start); ; dir = dirname(dir)) {
    if (existsSync(join(dir, 'config', 'procedures.json'))) return join(dir, 'config');
    if (dirname(dir) === dir) return resolve('config');
  }
}
