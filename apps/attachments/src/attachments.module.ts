import { Inject, Module, type DynamicModule, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { AttachmentEndpoint, AttachmentService, type AttachmentSettings } from '@lt/attachments';
import { hubServiceProviders, NATS_CONNECTION, type HubServiceInfra, type NatsConnection } from '@lt/messaging';
import { CLOCK, every, LOGGER, type Clock, type Logger, type PeriodicTask } from '@lt/platform';

export const ATTACHMENT_SETTINGS = Symbol('ATTACHMENT_SETTINGS');

export interface AttachmentsModuleDeps extends HubServiceInfra {
  settings: AttachmentSettings;
  /** bucket storage (tests: memory) */
  storage?: 'file' | 'memory';
}

/** Starts the endpoint and the sweeper once the buckets are open; stops both first on shutdown. */
class AttachmentsLifecycle implements OnApplicationBootstrap, OnApplicationShutdown {
  private endpoint?: AttachmentEndpoint;
  private sweeper?: PeriodicTask;

  constructor(
    @Inject(AttachmentService) private readonly service: AttachmentService,
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(ATTACHMENT_SETTINGS) private readonly settings: AttachmentSettings,
    @Inject(LOGGER) private readonly log: Logger,
  ) {}

  onApplicationBootstrap(): void {
    this.endpoint = new AttachmentEndpoint(this.nc, this.service, this.log);
    this.endpoint.start();
    this.sweeper = every(this.settings.sweepIntervalMs, () => this.service.sweep(), { name: 'attachments sweep', log: this.log });
    this.log.info({ subjects: this.service.subjects.wildcard, bucket: this.service.subjects.bucket }, 'attachments service ready');
  }

  async onApplicationShutdown(): Promise<void> {
    await this.sweeper?.stop();
    await this.endpoint?.stop();
    this.service.close();
  }
}

/** The attachments service: a thin Nest shell over libs/attachments. */
@Module({})
export class AttachmentsModule {
  static forRoot(deps: AttachmentsModuleDeps): DynamicModule {
    return {
      module: AttachmentsModule,
      providers: [
        ...hubServiceProviders(deps),
        { provide: ATTACHMENT_SETTINGS, useValue: deps.settings },
        {
          provide: AttachmentService,
          useFactory: (nc: NatsConnection, clock: Clock, log: Logger) => AttachmentService.open(nc, deps.topology, deps.settings, clock, log, deps.storage),
          inject: [NATS_CONNECTION, CLOCK, LOGGER],
        },
        AttachmentsLifecycle,
      ],
      exports: [AttachmentService],
    };
  }
}
