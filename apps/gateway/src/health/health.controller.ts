import { NATS_CONNECTION } from '@lt/messaging';
import { Controller, Get, Inject, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import type { Pool } from 'pg';
import type { NatsConnection } from '@lt/messaging';
import { PG_POOL } from '../infra/hub.tokens';
import { Public } from '../auth/roles';
import { failingChecks, HUB_SERVICES, summarizeServices, type ServiceStatus } from '@lt/observability';
import { HealthDto } from './health.dto';
import { ServiceStatusProbe } from './service-status.probe';

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
    private readonly probe: ServiceStatusProbe,
  ) {}

  @Public()
  @Get('health')
  @ApiOperation({
    summary:
      "NATS and PostgreSQL reachability and each hub service's processes, live and ready (no auth). 200 when both answer and every service has a ready process, 503 otherwise.",
  })
  @ApiOkResponse({ type: HealthDto, description: 'NATS and PostgreSQL answer, every service has a live and ready process' })
  @ApiServiceUnavailableResponse({
    type: HealthDto,
    description: 'NATS or PostgreSQL does not answer, or a service has no live or no ready process (status degraded)',
  })
  async health(@Res() res: Response): Promise<void> {
    const [nats, postgres, answers] = await Promise.all([
      this.check(() => this.nc.flush()),
      this.check(() => this.pool.query('SELECT 1')),
      // NATS down: no answers, and the nats check says why
      this.probe.statuses().catch((): ServiceStatus[] => []),
    ]);
    const services = Object.fromEntries(
      Object.entries(summarizeServices(answers, HUB_SERVICES)).map(([name, s]) => [
        name,
        {
          live: s.live,
          ready: s.ready,
          // no hosts, URLs or failure reasons: this route needs no token (`lienthong status` has them)
          instances: s.instances.map((i) => ({
            instance: i.instance,
            version: i.version,
            startedAt: i.startedAt,
            uptimeSeconds: i.uptimeSeconds,
            live: i.live,
            ready: i.ready.ready,
            failing: failingChecks(i).map((f) => f.name),
          })),
        },
      ]),
    );
    const ok = nats.ok && postgres.ok && Object.values(services).every((s) => s.live && s.ready);
    res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', nats, postgres, services });
  }

  private async check(probe: () => Promise<unknown>): Promise<Check> {
    const t = performance.now();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([probe(), new Promise((_, rej) => (timer = setTimeout(() => rej(new Error('no answer within 2 s')), 2000)))]);
      return { ok: true, latencyMs: Math.round((performance.now() - t) * 10) / 10 };
    } catch (err) {
      return { ok: false, error: (err as Error).message };
    } finally {
      clearTimeout(timer);
    }
  }
}
