import { Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD } from '@nestjs/core';
import { InfraModule } from './infra/infra.module';
import { AuthGuard } from './auth/auth.guard';
import { ErrorFilter } from './http/error.filter';
import { HealthController } from './health/health.controller';
import { AgenciesController } from './registry/agencies.controller';
import { GATEWAY_FEATURE_CONTROLLERS } from './features';

@Module({
  imports: [InfraModule],
  controllers: [HealthController, AgenciesController, ...GATEWAY_FEATURE_CONTROLLERS],
  providers: [
    { provide: APP_GUARD, useClass: AuthGuard },
    { provide: APP_FILTER, useClass: ErrorFilter },
  ],
})
export class GatewayModule {}
