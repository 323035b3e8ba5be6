import { Global, Inject, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Pool } from 'pg';
import { topology } from '@lt/contracts';
import { connectNats, RpcClient, type NatsConnection } from '@lt/messaging';
import { importPublicKey, type VerifyKey } from '@lt/crypto';
import { loadConfig, loadOrCreateHubKey, type HubConfig } from '@lt/platform';
import { CONFIG, HUB_KEYS, NATS, PG_POOL, RPC, TOPOLOGY } from './hub.tokens';

/** Every side effect of the gateway sits behind these providers: NATS, Postgres (health only), hub keys. */
@Global()
@Module({
  providers: [
    { provide: CONFIG, useFactory: (): HubConfig => loadConfig() },
    { provide: TOPOLOGY, useFactory: (cfg: HubConfig) => topology(cfg.ns), inject: [CONFIG] },
    { provide: NATS, useFactory: (cfg: HubConfig) => connectNats(cfg.natsUrl, 'lienthong-gateway'), inject: [CONFIG] },
    { provide: RPC, useFactory: (nc: NatsConnection) => new RpcClient(nc), inject: [NATS] },
    {
      provide: HUB_KEYS,
      useFactory: (cfg: HubConfig): Map<string, VerifyKey> => {
        const hub = loadOrCreateHubKey(cfg.dataDir);
        return new Map([[hub.keyId, importPublicKey(hub.publicJwk, hub.alg)]]);
      },
      inject: [CONFIG],
    },
    { provide: PG_POOL, useFactory: (cfg: HubConfig) => new Pool({ connectionString: cfg.databaseUrl, max: 2, connectionTimeoutMillis: 2000 }), inject: [CONFIG] },
  ],
  exports: [CONFIG, TOPOLOGY, NATS, RPC, HUB_KEYS, PG_POOL],
})
export class InfraModule implements OnApplicationShutdown {
  constructor(
    @Inject(NATS) private readonly nc: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    await this.nc.drain().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }
}
