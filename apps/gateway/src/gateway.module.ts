import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { InfraModule } from './infra/infra.module';
import { AuthModule } from './auth/auth.module';
import { AuthGuard } from './auth/auth.guard';
import { ErrorFilter } from './http/error.filter';
import { HealthController } from './health/health.controller';
import { ServiceStatusProbe } from './health/service-status.probe';
import { AgenciesController } from './registry/agencies.controller';
import { GATEWAY_FEATURE_CONTROLLERS } from './features';
import { HUB_KEYS_CONTROLLERS } from './hub-keys';
import { SCHEMA_CONTROLLERS } from './schemas';

@Module({
  imports: [InfraModule, AuthModule],
  controllers: [HealthController, AgenciesController, ...HUB_KEYS_CONTROLLERS, ...SCHEMA_CONTROLLERS, ...GATEWAY_FEATURE_CONTROLLERS],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
    ServiceStatusProbe,
  ],
})
export class GatewayModule {}
