import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { topology } from '@lt/contracts';
import { connectHub, RpcClient, type NatsConnection, NATS_CONNECTION, TOPOLOGY } from '@lt/messaging';
import type { VerifyKey } from '@lt/crypto';
import { loadConfig, type HubConfig, HUB_CONFIG } from '@lt/platform';
import { HUB_KEYS, PG_POOL, RPC } from './hub.tokens';
import { tokenVerifyKeys } from './token-keys';

/** Every side effect of the gateway sits behind these providers: NATS, Postgres (health only), hub keys. */
@Global()
@Module({
  providers: [
    { provide: HUB_CONFIG, useFactory: (): HubConfig => loadConfig() },
    { provide: TOPOLOGY, useFactory: (cfg: HubConfig) => topology(cfg.ns), inject: [HUB_CONFIG] },
    { provide: NATS_CONNECTION, useFactory: (cfg: HubConfig) => connectHub(cfg, 'lienthong-gateway'), inject: [HUB_CONFIG] },
    { provide: RPC, useFactory: (nc: NatsConnection) => new RpcClient(nc), inject: [NATS_CONNECTION] },
    {
      provide: HUB_KEYS,
      // public halves of the token keys only: the gateway holds no private key and never creates one
      useFactory: (cfg: HubConfig): Map<string, VerifyKey> => tokenVerifyKeys(cfg.dataDir),
      inject: [HUB_CONFIG],
    },
    { provide: PG_POOL, useFactory: (cfg: HubConfig) => new Pool({ connectionString: cfg.databaseUrl, max: 2, connectionTimeoutMillis: 2000 }), inject: [HUB_CONFIG] },
  ],
  exports: [HUB_CONFIG, TOPOLOGY, NATS_CONNECTION, RPC, HUB_KEYS, PG_POOL],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
