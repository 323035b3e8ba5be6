import { loadCalendar, loadProcedureCatalog, topology, type ProcedureCatalog, type WorkingCalendar } from '@lt/contracts';
import { JetStreamPublisher, RpcServer, type NatsConnection } from '@lt/messaging';
import { systemClock, type Clock, type KeyFile, type Logger } from '@lt/platform';
import type { DataSource } from 'typeorm';
import { DEFAULT_HUB_AGENCY, HubSigner } from './adapters/hub-signer';
import { NatsDossierPublisher } from './adapters/nats-dossier-publisher';
import { PostgresDossierRepository } from './adapters/postgres-dossier.repository';
import { findConfigDir } from './config';
import type { DossierUseCases } from './dossier.use-cases';
import { serveDossierRpc } from './rpc/dossier.rpc';
import { ApplyDossierMessage } from './use-cases/apply-dossier-message/apply-dossier-message.use-case';
import { DossierReportUseCase } from './use-cases/dossier-report/dossier-report.use-case';
import { GetDossier } from './use-cases/get-dossier/get-dossier.use-case';
import { ListDossiers } from './use-cases/list-dossiers/list-dossiers.use-case';
import { PublishOutbox } from './use-cases/publish-outbox/publish-outbox.use-case';
import { ScanOverdue } from './use-cases/scan-overdue/scan-overdue.use-case';
import { join } from 'node:path';

export type { DossierUseCases } from './dossier.use-cases';
export { loadDossierSettings, findConfigDir, type DossierSettings } from './config';
export { HubSigner } from './adapters/hub-signer';

export interface DossierServiceDeps {
  nc: NatsConnection;
  /** migrated database holding the registry's `agencies` table and the dossier tables */
  ds: DataSource;
  /** topology namespace */
  ns: string;
  log: Logger;
  /** the hub signing key (loadOrCreateHubKey): signs confirmations and overdue notices */
  hubKey: KeyFile;
  clock?: Clock;
  /** default: config/calendar of the repository */
  calendarDir?: string;
  /** default: config/procedures.json of the repository */
  proceduresFile?: string;
  /** already loaded calendar / catalog (take precedence over the paths) */
  calendar?: WorkingCalendar;
  catalog?: ProcedureCatalog;
  /** `from` of hub-signed envelopes (HubConfig.hubAgency); default 000.00.00.G22 */
  hubAgency?: string;
  /** overdue scanner period; default 60 s; 0 = no timer (call useCases.scanOverdue yourself) */
  scanIntervalMs?: number;
  /** outbox relay period; default 5 s; 0 = no timer */
  outboxIntervalMs?: number;
}

export interface DossierService {
  start(): Promise<void>;
  stop(): Promise<void>;
  useCases: DossierUseCases;
}

/**
 * The dossier service: request-reply `dossier.apply|get|list|report`, the overdue scanner and
 * the outbox relay. `useCases` are usable in-process without start() (tests, scripts).
 */
export function createDossierService(deps: DossierServiceDeps): DossierService {
  const clock = deps.clock ?? systemClock;
  const topo = topology(deps.ns);
  const configDir = deps.calendarDir && deps.proceduresFile ? '' : findConfigDir();
  const calendar = deps.calendar ?? loadCalendar(deps.calendarDir ?? join(configDir, 'calendar'));
  const catalog = deps.catalog ?? loadProcedureCatalog(deps.proceduresFile ?? join(configDir, 'procedures.json'));
  const hubAgency = deps.hubAgency ?? DEFAULT_HUB_AGENCY;
  const repo = new PostgresDossierRepository(deps.ds);
  const publisher = new NatsDossierPublisher(new JetStreamPublisher(deps.nc, topo), topo, new HubSigner(deps.hubKey), clock);
  const publishOutbox = new PublishOutbox(repo, publisher, deps.log);
  const useCases: DossierUseCases = {
    applyDossierMessage: new ApplyDossierMessage({ repo, outbox: publishOutbox, calendar, catalog, clock, log: deps.log, hubAgency }),
    scanOverdue: new ScanOverdue({ repo, outbox: publishOutbox, clock, log: deps.log, hubAgency }),
    getDossier: new GetDossier({ repo, clock }),
    listDossiers: new ListDossiers({ repo, clock }),
    dossierReport: new DossierReportUseCase({ repo, clock }),
    publishOutbox,
  };

  const rpc = new RpcServer(deps.nc, deps.log, 'dossier');
  const timers: NodeJS.Timeout[] = [];
  const running = new Set<Promise<unknown>>();
  let stopped = false;
  /** runs `task` every `ms`, never two at once, logging failures */
  const every = (ms: number, name: string, task: () => Promise<unknown>) => {
    if (ms <= 0) return;
    let busy = false;
    const tick = () => {
      if (busy || stopped) return;
      busy = true;
      const p = task()
        .catch((err) => deps.log.error({ err, task: name }, 'periodic task failed'))
        .finally(() => {
          busy = false;
          running.delete(p);
        });
      running.add(p);
    };
    const t = setInterval(tick, ms);
    t.unref();
    timers.push(t);
    tick();
  };

  return {
    useCases,
    async start() {
      serveDossierRpc(rpc, topo, useCases);
      every(deps.outboxIntervalMs ?? 5_000, 'outbox', () => publishOutbox.drain());
      every(deps.scanIntervalMs ?? 60_000, 'overdue-scan', () => useCases.scanOverdue.execute());
      deps.log.info({ calendarYears: calendar.years, procedures: catalog.list().length, hubAgency }, 'dossier service started');
    },
    async stop() {
      stopped = true;
      for (const t of timers) clearInterval(t);
      await rpc.close();
      await Promise.allSettled([...running]);
    },
  };
}
