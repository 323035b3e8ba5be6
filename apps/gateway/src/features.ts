import { AUDIT_CONTROLLERS } from './audit';
import { DOSSIER_CONTROLLERS } from './dossiers';

/**
 * Controllers of feature areas (audit, dossiers, agency messaging over HTTP). Each area adds
 * its controllers here; the module wiring stays in gateway.module.ts.
 */
export const GATEWAY_FEATURE_CONTROLLERS: Array<new (...args: never[]) => unknown> = [...AUDIT_CONTROLLERS, ...DOSSIER_CONTROLLERS];
