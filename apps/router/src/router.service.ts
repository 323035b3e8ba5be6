import { topology } from '@lt/contracts';
import { HubSigner, type HubPublicKey } from '@lt/crypto';
import { AgencyDirectory, type DirectoryReader } from '@lt/directory';
import { bootHubService, BootedService } from '@lt/messaging';
import type { KeyFile } from '@lt/platform';
import { RouterModule, type RouterModuleDeps } from './router.module';
import { SubmissionProcessor, type RouterStats } from './use-cases/route-submission/submission-processor';

export interface RouterServiceDeps extends Omit<RouterModuleDeps, 'topology' | 'signer' | 'directory'> {
  /** namespace of streams and subjects (`lt` in production) */
  ns: string;
  /** the hub key file (loadOrCreateHubKey): refusals are signed with it */
  hubKey: KeyFile;
}

export interface RouterService {
  /** loads the directory (waits for the KV watch's initial values), publishes the hub key, starts consuming */
  start(): Promise<void>;
  /** stops pulling, lets the batch in hand settle, stops the watch and the workers */
  stop(): Promise<void>;
  /** counters of the running (or last stopped) router */
  readonly stats: RouterStats;
  /** readable before start(): empty until the directory is loaded */
  readonly directory: DirectoryReader;
  readonly hubPublicKey: HubPublicKey;
}

const NO_STATS: RouterStats = { batches: 0, delivered: 0, copies: 0, refused: 0, replayed: 0, flagged: 0, deadLettered: 0, retried: 0, redelivered: 0 };

/**
 * The router as a library: the integration tests and the bench boot the same Nest module as
 * main.ts. The signer and the directory are made here, so both can be read before start().
 */
export function createRouterService(deps: RouterServiceDeps): RouterService {
  const { ns, hubKey, ...rest } = deps;
  const topo = topology(ns);
  const signer = new HubSigner(hubKey);
  const directory = new AgencyDirectory();
  const module = RouterModule.forRoot({ ...rest, topology: topo, signer, directory });
  const service = new BootedService('the router service', (app) => app.get(SubmissionProcessor));

  return {
    get stats() {
      return service.partsIfStarted?.stats ?? NO_STATS;
    },
    directory,
    hubPublicKey: signer.publicKey,

    async start() {
      await service.start(() => bootHubService(module, { nc: deps.nc, log: deps.log, topology: topo, service: 'router' }));
    },

    stop: () => service.stop(),
  };
}
