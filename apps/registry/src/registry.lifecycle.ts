import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Topology } from '@lt/contracts';
import { TOPOLOGY } from '@lt/messaging';
import { LOGGER } from '@lt/platform';
import type { Logger } from 'pino';
import { ChangeRelay } from './outbox/change-relay';
import { ImportAgenciesUseCase } from './use-cases/import-agencies/import-agencies.use-case';

/** Starts the outbox relay and the import-session sweeper before requests are served; stops them after. */
@Injectable()
export class RegistryLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    private readonly relay: ChangeRelay,
    private readonly importAgencies: ImportAgenciesUseCase,
    @Inject(TOPOLOGY) private readonly topo: Topology,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    // what a previous run committed but never published goes out first
    await this.relay.start();
    this.importAgencies.start();
    this.log.info({ ns: this.topo.ns, instance: this.importAgencies.instanceId }, 'registry started');
  }

  async onModuleDestroy(): Promise<void> {
    this.importAgencies.stop();
    await this.relay.stop();
  }
}
