import { topology } from '@lt/contracts';
import { bootHubService, BootedService } from '@lt/messaging';
import { DossierModule, type DossierModuleDeps } from './dossier.module';
import { resolveUseCases, type DossierUseCases } from './dossier.use-cases';

export type { DossierUseCases } from './dossier.use-cases';
export { DossierModule, type DossierModuleDeps } from './dossier.module';
export type { DossierOptionsInput } from './dossier.options';

export interface DossierServiceDeps extends Omit<DossierModuleDeps, 'topology'> {
  /** topology namespace */
  ns: string;
}

export interface DossierService {
  /** boots DossierModule: loads the agency directory (waits for the KV watch's initial values), runs the timers, then serves */
  start(): Promise<void>;
  /** stops serving and the timers, lets running tasks settle, stops the directory watch */
  stop(): Promise<void>;
  /** once started (and still after stop) */
  readonly useCases: DossierUseCases;
}

/**
 * The dossier service as a library: the integration tests and the CLI test boot the same Nest
 * module as main.ts. `useCases` are the module's instances, callable in-process once started.
 */
export function createDossierService(deps: DossierServiceDeps): DossierService {
  const { ns, ...rest } = deps;
  const topo = topology(ns);
  const module = DossierModule.forRoot({ ...rest, topology: topo });
  const service = new BootedService('the dossier service', resolveUseCases);

  return {
    get useCases() {
      return service.parts;
    },
    async start() {
      await service.start(() => bootHubService(module, { nc: deps.nc, log: deps.log, topology: topo, service: 'dossier' }));
    },
    stop: () => service.stop(),
  };
}
