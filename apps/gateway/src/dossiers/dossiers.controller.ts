import { TOPOLOGY } from '@lt/messaging';
import { Controller, Get, Inject, Param, Query } from '@nestjs/common';
import { ApiExtraModels, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import {
  AGENCY_CODE_PATTERN,
  callerTokenHeaders,
  DOSSIER_RPC,
  type DossierPage,
  type DossierReportResult,
  type DossierView,
  type Topology,
} from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { CallerToken } from '../auth/auth.guard';
import { Roles } from '../auth/roles';
import { RPC } from '../infra/hub.tokens';
import { ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import { DossierPageDto, DossierReportDto, DossierReportGroupsDto, DossierViewDto } from './dossiers.dto';

/**
 * One RPC to the dossier service with the caller's own bearer token (Lt-Caller-Token): the
 * service verifies it and decides from it what an agency may read.
 */
function callDossier<T>(rpc: RpcClient, topo: Topology, token: string, method: string, payload: unknown, timeoutMs?: number): Promise<T> {
  return rpc.withHeaders(callerTokenHeaders(token)).call<T>(topo.rpcSubject('dossier', method), payload, timeoutMs);
}

/** Drops absent and empty query parameters. */
function defined(q: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(Object.entries(q).filter(([, v]) => v !== undefined && v !== '')) as Record<string, string>;
}

/**
 * Dossier reads. The gateway never changes a dossier: agencies send signed `dossier` envelopes
 * through the SDK and the router has the dossier service apply them.
 */
@ApiTags('dossiers')
@ApiAuthenticatedRpcErrors()
@Controller('v1/dossiers')
export class DossiersController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get()
  @Roles('any')
  @ApiOperation({ summary: 'Dossiers newest first; an agency token sees the dossiers it received, holds or held' })
  @ApiQuery({
    name: 'agency',
    required: false,
    description: 'dossiers this agency received, holds or held',
    schema: { type: 'string', pattern: AGENCY_CODE_PATTERN },
  })
  @ApiQuery({ name: 'state', required: false, description: 'national portal state 1-10', schema: { type: 'integer', minimum: 1, maximum: 10 } })
  @ApiQuery({ name: 'overdue', required: false, enum: ['true', 'false'] })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: DossierPageDto })
  @ApiErrors(422)
  list(@Query() q: Record<string, string | undefined>, @CallerToken() token: string): Promise<DossierPage> {
    const { agency, state, overdue, cursor, limit } = q;
    return callDossier(this.rpc, this.topo, token, DOSSIER_RPC.list, {
      ...defined({ agency, cursor }),
      ...(state ? { state: Number(state) } : {}),
      ...(limit ? { limit: Number(limit) } : {}),
      ...(overdue === 'true' ? { overdue: true } : {}),
    });
  }

  @Get(':code')
  @Roles('any')
  @ApiOperation({
    summary: 'One dossier: state, holder, deadlines, transfer steps, pauses, apology slips, history; agencies only for dossiers they take part in',
  })
  @ApiParam({ name: 'code', description: 'dossier code <agency code>-YYMMDD-NNNN', example: '000.12.05.H41-260302-0001' })
  @ApiOkResponse({ type: DossierViewDto })
  @ApiErrors(404, 422)
  get(@Param('code') code: string, @CallerToken() token: string): Promise<DossierView> {
    return callDossier(this.rpc, this.topo, token, DOSSIER_RPC.get, { code });
  }
}

@ApiTags('dossiers')
@ApiAuthenticatedRpcErrors()
@ApiExtraModels(DossierReportDto, DossierReportGroupsDto)
@Controller('v1/reports/dossiers')
export class DossierReportsController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get()
  @Roles('any')
  @ApiOperation({
    summary:
      'Dossiers received, settled early / on time / late, on-time rate, in progress, overdue now, mean and p90 settlement time (working days, pauses excluded), per receiving agency and tier over [from, to]; agency tokens get their own figures',
  })
  @ApiQuery({ name: 'from', required: false, type: String, description: 'YYYY-MM-DD (Vietnam day) or ISO date-time; default 1 January of this year' })
  @ApiQuery({ name: 'to', required: false, type: String, description: 'YYYY-MM-DD inclusive or ISO date-time exclusive; default end of today' })
  @ApiQuery({ name: 'agency', required: false, schema: { type: 'string', pattern: AGENCY_CODE_PATTERN } })
  @ApiQuery({ name: 'tier', required: false, enum: ['central', 'province', 'district', 'commune'] })
  @ApiQuery({ name: 'asOf', required: false, type: String, description: 'instant for in-progress and overdue counts; default end of period or now' })
  @ApiQuery({ name: 'groupBy', required: false, enum: ['agency', 'tier'] })
  @ApiOkResponse({
    description: 'one report, or one per group with groupBy',
    schema: { oneOf: [{ $ref: getSchemaPath(DossierReportDto) }, { $ref: getSchemaPath(DossierReportGroupsDto) }] },
  })
  @ApiErrors(422)
  report(@Query() q: Record<string, string | undefined>, @CallerToken() token: string): Promise<DossierReportResult> {
    const { from, to, agency, tier, asOf, groupBy } = q;
    return callDossier(this.rpc, this.topo, token, DOSSIER_RPC.report, defined({ from, to, agency, tier, asOf, groupBy }), 30_000);
  }
}
