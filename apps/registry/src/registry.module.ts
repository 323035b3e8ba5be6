import { Module, type DynamicModule } from '@nestjs/common';
import {
  CallerVerifier,
  hubServiceProviders,
  JetStreamPublisher,
  NATS_CONNECTION,
  openAgencyKv,
  RpcClient,
  type HubServiceInfra,
  type NatsConnection,
} from '@lt/messaging';
import { CLOCK, type Clock } from '@lt/platform';
import { DataSource } from 'typeorm';
import { LazyKvAgencyMirror } from './adapters/kv-agency-mirror';
import { NatsRegistryEvents } from './adapters/nats-registry-events';
import { PostgresAgencyRepository } from './adapters/postgres-agency.repository';
import { RpcImportForwarder } from './adapters/rpc-import-forwarder';
import { ChangeRelay, RELAY_OPTIONS, type ChangeRelayOptions } from './outbox/change-relay';
import { AGENCY_MIRROR, AGENCY_REPOSITORY, IMPORT_FORWARDER, REGISTRY_EVENTS, type AgencyRepository } from './ports';
import { RegistryLifecycle } from './registry.lifecycle';
import { REGISTRY_USE_CASES } from './registry.use-cases';
import { RegistryController } from './rpc/registry.controller';
import { IMPORT_OPTIONS, type ImportOptions } from './use-cases/import-agencies/import-agencies.use-case';
import { REGISTRY_CONTEXT, type RegistryContext } from './use-cases/shared/registry-context';

export interface RegistryModuleDeps extends HubServiceInfra {
  /** PostgreSQL, the source of truth (opened and closed by the caller) */
  ds: DataSource;
  /** this replica's id: prefix of its import ids, suffix of its own import subject (bootHubService's replicaId) */
  replicaId: string;
  /** verifies the caller token of writes (CallerVerifier.fromDataDir(LT_DATA_DIR)) */
  callers: CallerVerifier;
  relay?: ChangeRelayOptions;
  import?: Omit<ImportOptions, 'instanceId'>;
}

/**
 * The registry: PostgreSQL is the source of truth; committed changes go out through the outbox
 * relay as events on JetStream and entries in the agencies KV bucket; request-reply is served by
 * RegistryController.
 */
@Module({})
export class RegistryModule {
  static forRoot(deps: RegistryModuleDeps): DynamicModule {
    const topo = deps.topology;
    return {
      module: RegistryModule,
      controllers: [RegistryController],
      providers: [
        ...hubServiceProviders(deps),
        { provide: DataSource, useValue: deps.ds },
        { provide: CallerVerifier, useValue: deps.callers },
        { provide: RELAY_OPTIONS, useValue: deps.relay ?? {} },
        { provide: IMPORT_OPTIONS, useValue: { ...deps.import, instanceId: deps.replicaId } satisfies ImportOptions },
        { provide: AGENCY_REPOSITORY, useFactory: (ds: DataSource) => new PostgresAgencyRepository(ds), inject: [DataSource] },
        { provide: REGISTRY_EVENTS, useFactory: (nc: NatsConnection) => new NatsRegistryEvents(new JetStreamPublisher(nc, topo)), inject: [NATS_CONNECTION] },
        // the bucket is opened on first use (and again after a failure), so boot does not wait for it
        { provide: AGENCY_MIRROR, useFactory: (nc: NatsConnection) => new LazyKvAgencyMirror(() => openAgencyKv(nc, topo)), inject: [NATS_CONNECTION] },
        { provide: IMPORT_FORWARDER, useFactory: (nc: NatsConnection) => new RpcImportForwarder(new RpcClient(nc), topo), inject: [NATS_CONNECTION] },
        ChangeRelay,
        {
          provide: REGISTRY_CONTEXT,
          useFactory: (repo: AgencyRepository, clock: Clock, outbox: ChangeRelay): RegistryContext => ({ repo, clock, outbox }),
          inject: [AGENCY_REPOSITORY, CLOCK, ChangeRelay],
        },
        ...REGISTRY_USE_CASES,
        RegistryLifecycle,
      ],
    };
  }
}
