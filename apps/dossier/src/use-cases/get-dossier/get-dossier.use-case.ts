import { LtError, parseDossierCode, type DossierView, type DossierViewer } from '@lt/contracts';
import type { Clock } from '@lt/platform';
import { participantsOf, viewOf } from '../../domain/stored-dossier';
import type { DossierRepository } from '../../ports';

/** Roles that may read every dossier; agencies read only the dossiers they take part in. */
export const READ_ALL_ROLES: readonly string[] = ['admin', 'auditor'];

export function canReadAll(viewer: DossierViewer | undefined): boolean {
  return viewer === undefined || READ_ALL_ROLES.includes(viewer.role);
}

/**
 * One dossier with its lifecycle history. An agency that never received, held or was sent it gets
 * UNKNOWN_DOSSIER, the same answer as for a code that does not exist (codes are guessable).
 * `viewer` absent = an in-process caller (tests); over request-reply the controller always sets it
 * from the verified caller token.
 */
export class GetDossier {
  constructor(private readonly deps: { repo: DossierRepository; clock: Clock }) {}

  async execute(code: unknown, viewer?: DossierViewer): Promise<DossierView> {
    const parsed = parseDossierCode(code);
    const stored = await this.deps.repo.findDossier(parsed.code);
    const notFound = () => new LtError('UNKNOWN_DOSSIER', `unknown dossier ${parsed.code}`, { dossierCode: parsed.code });
    if (!stored) throw notFound();
    if (!canReadAll(viewer)) {
      const agency = viewer?.agencyCode;
      if (!agency || !participantsOf(stored.state).includes(agency)) throw notFound();
    }
    return viewOf(stored.state, this.deps.clock.now());
  }
}
