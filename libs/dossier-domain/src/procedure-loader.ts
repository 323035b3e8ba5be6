import { readFileSync } from 'node:fs';
import { LtError } from '@lt/contracts';
import { parseProcedureCatalog, type ProcedureCatalog } from './procedures';

/** Reads a catalog file such as `config/procedures.json`; the only I/O of procedures. */
export function loadProcedureCatalog(file: string): ProcedureCatalog {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (e) {
    throw new LtError('VALIDATION_FAILED', `${file}: cannot read procedure catalog (${(e as Error).message})`, { source: file, field: '(root)' });
  }
  try {
    return parseProcedureCatalog(json);
  } catch (e) {
    if (e instanceof LtError) throw new LtError(e.code, `${file}: ${e.message}`, { ...e.details, source: file });
    throw e;
  }
}
