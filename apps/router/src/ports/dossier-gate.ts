import type { ApplyDossierRequest, ApplyDossierResult } from '@lt/contracts';
import type { TraceContext } from '@lt/messaging';

/**
 * The dossier service owns the one-stop-shop lifecycle: the router asks it, after every other
 * check, whether a `dossier` envelope may go and to whom. An illegal transition comes back as an
 * LtError (ILLEGAL_TRANSITION, UNKNOWN_PROCEDURE, ...) and is bounced like any refusal; the
 * service being down (UNAVAILABLE, TIMEOUT) is an outage, and the submission waits for it.
 */
export interface DossierGate {
  /** `trace`: the submission's routing span, which the dossier service's span continues */
  apply(req: ApplyDossierRequest, trace?: TraceContext): Promise<ApplyDossierResult>;
}

export const DOSSIER_GATE = Symbol('DOSSIER_GATE');
