import type { ApplyDossierMessage } from './use-cases/apply-dossier-message/apply-dossier-message.use-case';
import type { DossierReportUseCase } from './use-cases/dossier-report/dossier-report.use-case';
import type { GetDossier } from './use-cases/get-dossier/get-dossier.use-case';
import type { ListDossiers } from './use-cases/list-dossiers/list-dossiers.use-case';
import type { PublishOutbox } from './use-cases/publish-outbox/publish-outbox.use-case';
import type { ScanOverdue } from './use-cases/scan-overdue/scan-overdue.use-case';

/** Every use case of the dossier service, also usable in-process (tests, scripts). */
export interface DossierUseCases {
  applyDossierMessage: ApplyDossierMessage;
  scanOverdue: ScanOverdue;
  getDossier: GetDossier;
  listDossiers: ListDossiers;
  dossierReport: DossierReportUseCase;
  publishOutbox: PublishOutbox;
}
