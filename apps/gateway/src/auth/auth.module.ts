import { Inject, Injectable, Module, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import type { Topology } from '@lt/contracts';
import { NATS_CONNECTION, TOPOLOGY, type NatsConnection } from '@lt/messaging';
import { createLogger } from '@lt/platform';
import { AgencyStatuses } from './agency-status';
import { TokenRevocations } from './revocations';
import { TokensController } from './tokens.controller';

/** Loads the revocation list and the agency statuses before the gateway serves, and stops their watches at shutdown. */
@Injectable()
class AuthLists implements OnApplicationBootstrap, OnModuleDestroy {
  constructor(
    @Inject(TokenRevocations) private readonly revocations: TokenRevocations,
    @Inject(AgencyStatuses) private readonly agencies: AgencyStatuses,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await Promise.all([this.revocations.start(), this.agencies.start()]);
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.all([this.revocations.stop(), this.agencies.stop()]);
  }
}

/** What the AuthGuard checks besides the token itself (revocations, closed agencies), and the revocation route. */
@Module({
  controllers: [TokensController],
  providers: [
    {
      provide: TokenRevocations,
      useFactory: (nc: NatsConnection, topo: Topology) => new TokenRevocations(nc, topo, createLogger('gateway')),
      inject: [NATS_CONNECTION, TOPOLOGY],
    },
    {
      provide: AgencyStatuses,
      useFactory: (nc: NatsConnection, topo: Topology) => new AgencyStatuses(nc, topo, createLogger('gateway')),
      inject: [NATS_CONNECTION, TOPOLOGY],
    },
    AuthLists,
  ],
  exports: [TokenRevocations, AgencyStatuses],
})
export class AuthModule {}
