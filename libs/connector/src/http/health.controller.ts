import { Controller, Get, Inject } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { ConnectorDeps } from '../deps';
import { HealthDto } from './dto';
import { CONNECTOR_DEPS } from './tokens';

@ApiTags('health')
@Controller('health')
export class HealthController {
  constructor(@Inject(CONNECTOR_DEPS) private readonly deps: ConnectorDeps) {}

  @Get()
  @ApiOperation({ summary: 'is the connector up and connected to the hub (no authentication)' })
  @ApiResponse({ status: 200, type: HealthDto })
  async health(): Promise<HealthDto> {
    const hub = !this.deps.client.nc.isClosed();
    const parked = await this.deps.store.countParked();
    return { status: hub ? 'ok' : 'degraded', agency: this.deps.agencyCode, hub, parked };
  }
}
