import { Module, type DynamicModule } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ErrorFilter } from '@lt/platform';
import type { ConnectorDeps } from '../deps';
import type { CallerPolicy } from '../settings';
import { CALLER_POLICY, CallerGuard } from './caller.guard';
import { HealthController } from './health.controller';
import { InboxController } from './inbox.controller';
import { OutboxController } from './outbox.controller';
import { StatusController } from './status.controller';
import { WebhooksController } from './webhooks.controller';
import { CONNECTOR_DEPS } from './tokens';

/** The connector's HTTP API over its use cases; errors leave as {error: {code, message, details}}. */
@Module({})
export class ConnectorHttpModule {
  static forRoot(deps: ConnectorDeps, policy: CallerPolicy): DynamicModule {
    return {
      module: ConnectorHttpModule,
      controllers: [OutboxController, InboxController, StatusController, WebhooksController, HealthController],
      providers: [
        { provide: CONNECTOR_DEPS, useValue: deps },
        { provide: CALLER_POLICY, useValue: policy },
        CallerGuard,
        { provide: APP_FILTER, useClass: ErrorFilter },
      ],
    };
  }
}
