import type { Provider, Type } from '@nestjs/common';
import { CLOCK, LOGGER, type Clock, type Logger } from '@lt/platform';
import { DOSSIER_OPTIONS, type DossierOptions } from './dossier.options';
import { AGENCY_LOOKUP, DOSSIER_REPOSITORY, type AgencyLookup, type DossierRepository } from './ports';
import { ApplyDossierMessage } from './use-cases/apply-dossier-message/apply-dossier-message.use-case';
import { DossierReportUseCase } from './use-cases/dossier-report/dossier-report.use-case';
import { GetDossier } from './use-cases/get-dossier/get-dossier.use-case';
import { ListDossiers } from './use-cases/list-dossiers/list-dossiers.use-case';
import { PublishOutbox } from './use-cases/publish-outbox/publish-outbox.use-case';
import { ScanOverdue } from './use-cases/scan-overdue/scan-overdue.use-case';

/** Every use case of the dossier service, also usable in-process (tests, scripts). */
export interface DossierUseCases {
  applyDossierMessage: ApplyDossierMessage;
  scanOverdue: ScanOverdue;
  getDossier: GetDossier;
  listDossiers: ListDossiers;
  dossierReport: DossierReportUseCase;
  publishOutbox: PublishOutbox;
}

const USE_CASE_CLASSES: { [K in keyof DossierUseCases]: Type<DossierUseCases[K]> } = {
  applyDossierMessage: ApplyDossierMessage,
  scanOverdue: ScanOverdue,
  getDossier: GetDossier,
  listDossiers: ListDossiers,
  dossierReport: DossierReportUseCase,
  publishOutbox: PublishOutbox,
};

/**
 * The use cases as providers. They stay plain classes taking their ports as one object (the
 * bench builds one by hand); the module hands them the bound ports. PublishOutbox is provided
 * by the module itself, next to the publisher it drives.
 */
export const DOSSIER_USE_CASE_PROVIDERS: Provider[] = [
  {
    provide: ApplyDossierMessage,
    useFactory: (repo: DossierRepository, outbox: PublishOutbox, agencies: AgencyLookup, clock: Clock, log: Logger, o: DossierOptions) =>
      new ApplyDossierMessage({ repo, outbox, agencies, calendar: o.calendar, catalog: o.catalog, clock, log, hubAgency: o.hubAgency }),
    inject: [DOSSIER_REPOSITORY, PublishOutbox, AGENCY_LOOKUP, CLOCK, LOGGER, DOSSIER_OPTIONS],
  },
  {
    provide: ScanOverdue,
    useFactory: (repo: DossierRepository, outbox: PublishOutbox, agencies: AgencyLookup, clock: Clock, log: Logger, o: DossierOptions) =>
      new ScanOverdue({ repo, outbox, agencies, clock, log, hubAgency: o.hubAgency }),
    inject: [DOSSIER_REPOSITORY, PublishOutbox, AGENCY_LOOKUP, CLOCK, LOGGER, DOSSIER_OPTIONS],
  },
  { provide: GetDossier, useFactory: (repo: DossierRepository, clock: Clock) => new GetDossier({ repo, clock }), inject: [DOSSIER_REPOSITORY, CLOCK] },
  { provide: ListDossiers, useFactory: (repo: DossierRepository, clock: Clock) => new ListDossiers({ repo, clock }), inject: [DOSSIER_REPOSITORY, CLOCK] },
  {
    provide: DossierReportUseCase,
    useFactory: (repo: DossierRepository, clock: Clock) => new DossierReportUseCase({ repo, clock }),
    inject: [DOSSIER_REPOSITORY, CLOCK],
  },
];

/** The use case instances of a booted dossier service (tests and scripts call them in-process). */
export function resolveUseCases(app: { get<T>(type: Type<T>): T }): DossierUseCases {
  const entries = Object.entries(USE_CASE_CLASSES) as Array<[keyof DossierUseCases, Type<unknown>]>;
  return Object.fromEntries(entries.map(([name, type]) => [name, app.get(type)])) as unknown as DossierUseCases;
}
