import { NATS_CONNECTION } from '@lt/messaging';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Pool } from 'pg';
import type { NatsConnection } from '@lt/messaging';
import { PG_POOL } from '../infra/hub.tokens';
import { Public } from '../auth/roles';
import { HealthDto } from './health.dto';

interface Check {
  ok: boolean;
  latencyMs?: number;
  error?: string;
}

@ApiTags('health')
@Controller()
export class HealthController {
  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(PG_POOL) private readonly pool: Pool,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({ summary: 'NATS and PostgreSQL reachability (no auth). 200 when both answer, 503 otherwise.' })
  @ApiOkResponse({ type: HealthDto, description: 'both answer' })
  @ApiServiceUnavailableResponse({ type: HealthDto, description: 'NATS or PostgreSQL does not answer (status degraded)' })
  async health(@Res() res: Response): Promise<void> {
    const [nats, postgres] = await Promise.all([this.check(() => this.nc.flush()), this.check(() => this.pool.query('SELECT 1'))]);
    const ok = nats.ok && postgres.ok;
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', nats, postgres });
  }

  private async check(probe: () => Promise<unknown>): Promise<Check> {
    const t = performance.now();
    try {
      await Promise.race([probe(), new Promise((_, rej) => setTimeout(() => rej(new Error('no answer within 2 s')), 2000))]);
      return { ok: true, latencyMs: Math.round((performance.now() - t) * 10) / 10 };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    }
  }
}
