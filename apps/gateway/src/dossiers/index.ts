import { DossierReportsController, DossiersController } from './dossiers.controller';

/** Dossier routes (GET /v1/dossiers, /v1/dossiers/:code, /v1/reports/dossiers), registered in ../features.ts. */
export const DOSSIER_CONTROLLERS = [DossiersController, DossierReportsController];
export { DossiersController, DossierReportsController } from './dossiers.controller';
