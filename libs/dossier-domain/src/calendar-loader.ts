import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';
import { parseCalendarYear, WorkingCalendar, type CalendarYearData } from './calendar';

const YEAR_FILE_RE = /^(\d{4})\.json$/;

/**
 * Reads every `<year>.json` in `dir` (e.g. `config/calendar`) into a WorkingCalendar. The only
 * I/O of the dossier domain lives here so the calendar itself stays pure.
 */
export function loadCalendar(dir: string): WorkingCalendar {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (e) {
    throw new LtError('INTERNAL', `cannot read calendar directory ${dir}: ${(e as Error).message}`, { reason: 'calendar_dir_unreadable', dir });
  }
  const years: CalendarYearData[] = [];
  for (const name of names.sort()) {
    const m = YEAR_FILE_RE.exec(name);
    if (!m) continue;
    const file = join(dir, name);
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(file, 'utf8'));
    } catch (e) {
      throw new LtError('VALIDATION_FAILED', `${file}: not valid JSON (${(e as Error).message})`, { source: file, field: '(root)' });
    }
    const data = parseCalendarYear(json, file);
    if (data.year !== Number(m[1])) {
      throw new LtError('VALIDATION_FAILED', `${file}: year is ${data.year} but the file name says ${m[1]}`, { source: file, field: 'year' });
    }
    years.push(data);
  }
  if (years.length === 0) {
    throw new LtError('INTERNAL', `no calendar year files (<year>.json) in ${dir}`, { reason: 'calendar_year_missing', dir });
  }
  return new WorkingCalendar(years);
}
