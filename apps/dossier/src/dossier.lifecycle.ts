import { Inject, Injectable, type OnApplicationBootstrap, type OnModuleDestroy } from '@nestjs/common';
import { every, LOGGER, type Logger, type PeriodicTask } from '@lt/platform';
import { DOSSIER_OPTIONS, type DossierOptions } from './dossier.options';
import { AGENCY_FEED, type AgencyFeed } from './ports';
import { PublishOutbox } from './use-cases/publish-outbox/publish-outbox.use-case';
import { ScanOverdue } from './use-cases/scan-overdue/scan-overdue.use-case';

/**
 * Boot: loads the agency directory (nothing is applied against a half-loaded one), then starts
 * the outbox relay and the overdue scanner; request-reply is subscribed after this hook.
 * Shutdown (request-reply already unsubscribed): stops the timers, lets a running relay or scan
 * settle, then stops the directory feed.
 */
@Injectable()
export class DossierLifecycle implements OnApplicationBootstrap, OnModuleDestroy {
  private readonly tasks: PeriodicTask[] = [];

  constructor(
    @Inject(AGENCY_FEED) private readonly agencies: AgencyFeed,
    private readonly outbox: PublishOutbox,
    private readonly scanOverdue: ScanOverdue,
    @Inject(DOSSIER_OPTIONS) private readonly options: DossierOptions,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.agencies.start();
    this.log.info({ agencies: this.agencies.size }, 'agency directory loaded');
    const { outboxIntervalMs, scanIntervalMs, calendar, catalog, hubAgency } = this.options;
    this.tasks.push(
      every(outboxIntervalMs, () => this.outbox.drain(), { name: 'outbox', log: this.log }),
      every(scanIntervalMs, () => this.scanOverdue.execute(), { name: 'overdue-scan', log: this.log }),
    );
    this.log.info({ calendarYears: calendar.years, procedures: catalog.list().length, hubAgency }, 'dossier service started');
  }

  async onModuleDestroy(): Promise<void> {
    await Promise.allSettled(this.tasks.splice(0).map((t) => t.stop()));
    await this.agencies.stop();
  }
}
