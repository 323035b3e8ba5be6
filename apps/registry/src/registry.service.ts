import { topology, type Topology } from '@lt/contracts';
import { JetStreamPublisher, RpcClient, RpcServer, openAgencyKv, type NatsConnection } from '@lt/messaging';
import { systemClock, type Clock, type Logger } from '@lt/platform';
import type { KV } from '@nats-io/kv';
import type { DataSource } from 'typeorm';
import { KvAgencyMirror } from './adapters/kv-agency-mirror';
import { NatsRegistryEvents } from './adapters/nats-registry-events';
import { PostgresAgencyRepository } from './adapters/postgres-agency.repository';
import { ChangeRelay, type ChangeRelayOptions } from './outbox/change-relay';
import type { AgencyMirror } from './ports';
import { buildUseCases, type RegistryUseCases } from './registry.use-cases';
import { serveRegistryRpc } from './rpc/registry.rpc';
import type { ImportOptions } from './use-cases/import-agencies/import-agencies.use-case';

export interface RegistryServiceDeps {
  ds: DataSource;
  nc: NatsConnection;
  /** namespace of subjects, streams and the KV bucket (`lt` in production) */
  ns: string;
  log: Logger;
  clock?: Clock;
  relay?: ChangeRelayOptions;
  import?: ImportOptions;
}

export interface RegistryService {
  readonly topology: Topology;
  readonly useCases: RegistryUseCases;
  /** the outbox: `flush()` resolves once every committed change is published and mirrored */
  readonly relay: ChangeRelay;
  /** publishes what a previous run left unpublished, then serves request-reply (unless serveRpc is false) */
  start(opts?: { serveRpc?: boolean }): Promise<void>;
  stop(): Promise<void>;
}

/** Opens the bucket on first use and again after a failure (the bucket may be created after boot). */
class LazyKvMirror implements AgencyMirror {
  private kv?: Promise<KV>;
  constructor(private readonly open: () => Promise<KV>) {}

  async put(entries: Parameters<AgencyMirror['put']>[0]): Promise<void> {
    this.kv ??= this.open();
    try {
      await new KvAgencyMirror(await this.kv).put(entries);
    } catch (err) {
      this.kv = undefined;
      throw err;
    }
  }
}

/** The registry as a library: `main.ts`, `npm start` and the end-to-end tests all run it through this. */
export function createRegistryService(deps: RegistryServiceDeps): RegistryService {
  const topo = topology(deps.ns);
  const log = deps.log;
  const repo = new PostgresAgencyRepository(deps.ds);
  const events = new NatsRegistryEvents(new JetStreamPublisher(deps.nc, topo));
  const mirror = new LazyKvMirror(() => openAgencyKv(deps.nc, topo));
  const relay = new ChangeRelay(repo, events, mirror, log, deps.relay);
  const useCases = buildUseCases({ repo, clock: deps.clock ?? systemClock, outbox: relay }, deps.import);
  let servers: RpcServer[] = [];

  return {
    topology: topo,
    useCases,
    relay,
    async start(opts = {}) {
      await relay.start();
      useCases.importAgencies.start();
      if (opts.serveRpc === false) return;
      const shared = new RpcServer(deps.nc, log, 'registry');
      const replica = new RpcServer(deps.nc, log, `registry-${useCases.importAgencies.instanceId}`);
      serveRegistryRpc(shared, topo, useCases, { replicaServer: replica, client: new RpcClient(deps.nc) });
      servers = [shared, replica];
      log.info({ ns: topo.ns, instance: useCases.importAgencies.instanceId }, 'registry serving request-reply');
    },
    async stop() {
      for (const s of servers) await s.close();
      servers = [];
      useCases.importAgencies.stop();
      await relay.stop();
    },
  };
}
