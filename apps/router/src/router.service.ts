import { HUB_KID_PREFIX, topology, type PublishedHubKey } from '@lt/contracts';
import { HubSigner, type HubPublicKey } from '@lt/crypto';
import { AgencyDirectory, type DirectoryReader } from '@lt/directory';
import { bootHubService, BootedService } from '@lt/messaging';
import type { HubKeyFile, KeyFile } from '@lt/platform';
import { RouterModule, type RouterModuleDeps } from './router.module';
import { emptyRouterStats, SubmissionProcessor, type RouterStats } from './use-cases/route-submission/submission-processor';

export interface RouterServiceDeps extends Omit<RouterModuleDeps, 'topology' | 'signer' | 'directory' | 'publishedKeys'> {
  /** namespace of streams and subjects (`lt` in production) */
  ns: string;
  /** the hub's envelope key (loadOrCreateHubKey(dataDir, 'envelope')): refusals are signed with it */
  hubKey: KeyFile | HubKeyFile;
  /** published at start (default: the envelope key alone) */
  publishedKeys?: PublishedHubKey[];
}

/** The envelope key as published; a bare KeyFile (tests, bench) counts as valid since the epoch. */
export function envelopeKeyRecord(hubKey: KeyFile | HubKeyFile): PublishedHubKey {
  return {
    kid: `${HUB_KID_PREFIX}${hubKey.keyId}`,
    keyId: hubKey.keyId,
    purpose: 'envelope',
    alg: hubKey.alg,
    publicJwk: hubKey.publicJwk,
    notBefore: 'notBefore' in hubKey ? hubKey.notBefore : new Date(0).toISOString(),
    notAfter: null,
    status: 'active',
  };
}

export interface RouterService {
  /** publishes the hub keys, loads the directory (waits for the KV watch's initial values), starts consuming */
  start(): Promise<void>;
  /** stops pulling, lets the batch in hand settle, stops the watch and the workers */
  stop(): Promise<void>;
  /** counters of the running (or last stopped) router */
  readonly stats: RouterStats;
  /** readable before start(): empty until the directory is loaded */
  readonly directory: DirectoryReader;
  readonly hubPublicKey: HubPublicKey;
  /** what start() publishes under HUB_KEYS_KV_KEY */
  readonly publishedKeys: PublishedHubKey[];
}

const NO_STATS: RouterStats = emptyRouterStats();

/**
 * The router as a library: the integration tests and the bench boot the same Nest module as
 * main.ts. The signer and the directory are made here, so both can be read before start().
 */
export function createRouterService(deps: RouterServiceDeps): RouterService {
  const { ns, hubKey, publishedKeys = [envelopeKeyRecord(hubKey)], ...rest } = deps;
  const topo = topology(ns);
  const signer = new HubSigner(hubKey);
  const directory = new AgencyDirectory();
  const module = RouterModule.forRoot({ ...rest, topology: topo, signer, directory, publishedKeys });
  const service = new BootedService('the router service', (app) => app.get(SubmissionProcessor));

  return {
    get stats() {
      return service.partsIfStarted?.stats ?? NO_STATS;
    },
    directory,
    hubPublicKey: signer.publicKey,
    publishedKeys,

    async start() {
      await service.start(() => bootHubService(module, { nc: deps.nc, log: deps.log, topology: topo, service: 'router' }));
    },

    stop: () => service.stop(),
  };
}
