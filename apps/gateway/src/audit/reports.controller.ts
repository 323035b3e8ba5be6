import { TOPOLOGY } from '@lt/messaging';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import { AUDIT_RPC, type AgencyReport, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { RPC } from '../infra/hub.tokens';
import { CurrentCaller } from '../auth/auth.guard';
import { Roles, type Caller } from '../auth/roles';
import { assertOwnReport } from './agency-scope';
import { callAudit } from './audit-rpc';
import { AGENCY_CODE_PARAM, ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import { AgencyReportDto, DirectionStatsDto } from './audit.dto';

@ApiTags('audit')
@ApiAuthenticatedRpcErrors()
@ApiExtraModels(DirectionStatsDto)
@Controller('v1/reports')
export class AgencyReportsController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get('agencies/:code')
  @Roles('auditor', 'agency')
  @ApiOperation({
    summary:
      'Decree 30 figures for one agency over [from, to): sent, received, confirmed the same day, refused, unconfirmed past due, median time to 01/03/06, per counterpart tier. Agency tokens: their own agency only',
  })
  @ApiQuery({ name: 'from', required: false, description: 'YYYY-MM-DD (Vietnam midnight) or ISO date-time; default 30 days before `to`' })
  @ApiQuery({ name: 'to', required: false, description: 'exclusive; default now' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiOkResponse({ type: AgencyReportDto })
  @ApiErrors(404, 422)
  agency(@Param('code') code: string, @CurrentCaller() caller: Caller, @Query('from') from?: string, @Query('to') to?: string): Promise<AgencyReport> {
    assertOwnReport(caller, code);
    return callAudit(this.rpc, this.topo, AUDIT_RPC.agencyReport, { code, from, to }, 30_000);
  }
}
