import type { INestApplicationContext } from '@nestjs/common';
import { topology, type Topology } from '@lt/contracts';
import { bootHubContext, bootHubService, BootedService, CallerVerifier, type NatsConnection } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import type { DataSource } from 'typeorm';
import { ChangeRelay, type ChangeRelayOptions } from './outbox/change-relay';
import { RegistryModule } from './registry.module';
import { resolveUseCases, type RegistryUseCases } from './registry.use-cases';
import { newReplicaId, type ImportOptions } from './use-cases/import-agencies/import-agencies.use-case';

export interface RegistryServiceDeps {
  ds: DataSource;
  nc: NatsConnection;
  /** namespace of subjects, streams and the KV bucket (`lt` in production) */
  ns: string;
  log: Logger;
  /** the data folder whose token key verifies the callers of writes (LT_DATA_DIR) */
  dataDir: string;
  clock?: Clock;
  relay?: ChangeRelayOptions;
  /** `instanceId` is the replica id (a fresh one by default) */
  import?: ImportOptions;
}

export interface RegistryService {
  readonly topology: Topology;
  /** once started */
  readonly useCases: RegistryUseCases;
  /** the outbox: `flush()` resolves once every committed change is published and mirrored (once started) */
  readonly relay: ChangeRelay;
  /** boots RegistryModule: publishes what a previous run left unpublished, then serves request-reply (unless serveRpc is false) */
  start(opts?: { serveRpc?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/**
 * The registry as a library: the end-to-end tests, the bench and `npm start` boot the same Nest
 * module as main.ts. `serveRpc: false` boots it as an application context (use cases in-process,
 * no subscriptions).
 */
export function createRegistryService(deps: RegistryServiceDeps): RegistryService {
  const topo = topology(deps.ns);
  const { instanceId, ...importOptions } = deps.import ?? {};
  const replicaId = instanceId ?? newReplicaId();
  const callers = CallerVerifier.fromDataDir(deps.dataDir);
  const module = RegistryModule.forRoot({
    ds: deps.ds,
    nc: deps.nc,
    topology: topo,
    log: deps.log,
    replicaId,
    callers,
    clock: deps.clock,
    relay: deps.relay,
    import: importOptions,
  });
  // read from the running app only: after stop() the registry reads as not started
  const service = new BootedService<void, INestApplicationContext>('the registry service');

  return {
    topology: topo,
    get useCases() {
      return resolveUseCases(service.app);
    },
    get relay() {
      return service.app.get(ChangeRelay);
    },
    async start(opts = {}) {
      await service.start(() =>
        opts.serveRpc === false
          ? bootHubContext(module, deps.log)
          : bootHubService(module, { nc: deps.nc, log: deps.log, topology: topo, service: 'registry', replicaId }),
      );
    },
    stop: () => service.stop(),
  };
}
