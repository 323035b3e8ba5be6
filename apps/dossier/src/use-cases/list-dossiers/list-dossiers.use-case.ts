import { LtError, isAgencyCode, isDossierStateCode, type DossierListQuery, type DossierPage, type DossierViewer } from '@lt/contracts';
import type { Clock } from '@lt/platform';
import { summaryOf } from '../../domain/stored-dossier';
import type { DossierRepository } from '../../ports';
import { canReadAll } from '../get-dossier/get-dossier.use-case';

const MAX_LIMIT = 500;

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

function encodeCursor(receivedAt: string, code: string): string {
  return Buffer.from(JSON.stringify([receivedAt, code])).toString('base64url');
}

function decodeCursor(cursor: string): { receivedAt: string; code: string } {
  try {
    const [receivedAt, code] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [string, string];
    if (typeof receivedAt === 'string' && typeof code === 'string' && !Number.isNaN(Date.parse(receivedAt))) return { receivedAt, code };
  } catch {
    // fall through
  }
  throw invalid('cursor', 'is not a cursor returned by a previous page');
}

/** Dossiers newest first, optionally of one agency (received, holds or held), one state, overdue now. */
export class ListDossiers {
  constructor(private readonly deps: { repo: DossierRepository; clock: Clock }) {}

  async execute(input: unknown, viewer?: DossierViewer): Promise<DossierPage> {
    const q = (input ?? {}) as DossierListQuery & Record<string, unknown>;
    if (typeof q !== 'object' || Array.isArray(q)) throw invalid('query', 'must be an object');
    let agency = q.agency;
    if (agency !== undefined && !isAgencyCode(agency)) throw invalid('agency', `must be an agency code, got ${JSON.stringify(agency)}`);
    if (!canReadAll(viewer)) {
      if (agency !== undefined && agency !== viewer?.agencyCode)
        throw new LtError('FORBIDDEN', `an agency token may only list its own dossiers (${viewer?.agencyCode}), not ${agency}`, { agency });
      agency = viewer?.agencyCode;
      if (!agency) throw new LtError('FORBIDDEN', 'this token may not list dossiers');
    }
    const state = q.state === undefined ? undefined : Number(q.state);
    if (state !== undefined && !isDossierStateCode(state)) throw invalid('state', `must be a dossier state 1-10, got ${JSON.stringify(q.state)}`);
    const limit = q.limit === undefined ? 50 : Number(q.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) throw invalid('limit', `must be an integer from 1 to ${MAX_LIMIT}`);
    const overdue = q.overdue === true || (q.overdue as unknown) === 'true';
    const rows = await this.deps.repo.list({
      ...(agency !== undefined ? { agency } : {}),
      ...(state !== undefined ? { state } : {}),
      ...(overdue ? { overdue } : {}),
      ...(typeof q.cursor === 'string' && q.cursor ? { after: decodeCursor(q.cursor) } : {}),
      limit: limit + 1,
      now: this.deps.clock.now(),
    });
    const page = rows.slice(0, limit);
    const last = page[page.length - 1];
    return { items: page.map(summaryOf), nextCursor: rows.length > limit && last ? encodeCursor(last.receivedAt, last.code) : null };
  }
}
