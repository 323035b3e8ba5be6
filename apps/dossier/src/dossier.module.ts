import { Module, type DynamicModule } from '@nestjs/common';
import { HubSigner } from '@lt/crypto';
import { CallerVerifier, hubServiceProviders, JetStreamPublisher, NATS_CONNECTION, type HubServiceInfra, type NatsConnection } from '@lt/messaging';
import { CLOCK, LOGGER, type Clock, type KeyFile, type Logger } from '@lt/platform';
import { DataSource } from 'typeorm';
import { KvAgencyLookup } from './adapters/kv-agency-lookup';
import { NatsDossierPublisher } from './adapters/nats-dossier-publisher';
import { PostgresDossierRepository } from './adapters/postgres-dossier.repository';
import { DossierLifecycle } from './dossier.lifecycle';
import { DOSSIER_OPTIONS, resolveDossierOptions, type DossierOptionsInput } from './dossier.options';
import { DOSSIER_USE_CASE_PROVIDERS } from './dossier.use-cases';
import { AGENCY_FEED, AGENCY_LOOKUP, DOSSIER_PUBLISHER, DOSSIER_REPOSITORY, type DossierPublisher, type DossierRepository } from './ports';
import { DossierController } from './rpc/dossier.controller';
import { PublishOutbox } from './use-cases/publish-outbox/publish-outbox.use-case';

export interface DossierModuleDeps extends DossierOptionsInput, HubServiceInfra {
  /** migrated database holding the dossier tables (opened and closed by the caller); agencies come from the registry's KV directory */
  ds: DataSource;
  /** the hub's envelope key (loadOrCreateHubKey(dataDir, 'envelope')): signs confirmations and overdue notices */
  hubKey: KeyFile;
  /** verifies the caller token of reads (CallerVerifier.fromDataDir(LT_DATA_DIR)) */
  callers: CallerVerifier;
}

/**
 * The one-stop-shop dossier service: request-reply `dossier.apply|get|list|report`
 * (DossierController), the outbox relay and the overdue scanner (DossierLifecycle). Dossiers
 * live in PostgreSQL; agencies are read from the registry's KV directory feed.
 */
@Module({})
export class DossierModule {
  static forRoot(deps: DossierModuleDeps): DynamicModule {
    const topo = deps.topology;
    return {
      module: DossierModule,
      controllers: [DossierController],
      providers: [
        ...hubServiceProviders(deps),
        { provide: DataSource, useValue: deps.ds },
        { provide: CallerVerifier, useValue: deps.callers },
        // the calendar and the catalog are read from disk once, at boot
        { provide: DOSSIER_OPTIONS, useFactory: () => resolveDossierOptions(deps) },
        { provide: DOSSIER_REPOSITORY, useFactory: (ds: DataSource) => new PostgresDossierRepository(ds), inject: [DataSource] },
        { provide: AGENCY_LOOKUP, useFactory: (nc: NatsConnection, log: Logger) => new KvAgencyLookup(nc, topo, log), inject: [NATS_CONNECTION, LOGGER] },
        { provide: AGENCY_FEED, useExisting: AGENCY_LOOKUP },
        {
          provide: DOSSIER_PUBLISHER,
          useFactory: (nc: NatsConnection, clock: Clock) => new NatsDossierPublisher(new JetStreamPublisher(nc, topo), topo, new HubSigner(deps.hubKey), clock),
          inject: [NATS_CONNECTION, CLOCK],
        },
        {
          provide: PublishOutbox,
          useFactory: (repo: DossierRepository, publisher: DossierPublisher, log: Logger) => new PublishOutbox(repo, publisher, log),
          inject: [DOSSIER_REPOSITORY, DOSSIER_PUBLISHER, LOGGER],
        },
        ...DOSSIER_USE_CASE_PROVIDERS,
        DossierLifecycle,
      ],
    };
  }
}
