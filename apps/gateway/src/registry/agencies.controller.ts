import { TOPOLOGY } from '@lt/messaging';
import { Body, Controller, Get, Inject, Param, Patch, Post, Query, Req } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import {
  AGENCY_CODE_PATTERN,
  callerTokenHeaders,
  LtError,
  REGISTRY_RPC,
  type Agency,
  type AgencyKey,
  type AgencyTreeNode,
  type ImportResult,
  type Page,
  type Topology,
} from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { RPC } from '../infra/hub.tokens';
import { CallerToken } from '../auth/auth.guard';
import { Roles } from '../auth/roles';
import { AGENCY_CODE_PARAM, ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import {
  AddKeyDto,
  AgencyDto,
  AgencyHistoryPageDto,
  AgencyKeyDto,
  AgencyPageDto,
  AgencyTreeNodeDto,
  CloseAgencyDto,
  CreateAgencyDto,
  ImportResultDto,
  RevokeKeyDto,
  UpdateAgencyDto,
} from './agencies.dto';

/**
 * Registry HTTP surface under /v1/agencies: admin writes, every role reads. Thin: each route is
 * one RPC, made with the caller's own bearer token in the Lt-Caller-Token header: the registry
 * checks the caller itself and records who wrote from that token, never from the payload.
 */
@ApiTags('registry')
@ApiAuthenticatedRpcErrors()
@Controller('v1/agencies')
export class AgenciesController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  private call<T>(token: string, method: string, payload: unknown, timeoutMs?: number): Promise<T> {
    return this.rpc.withHeaders(callerTokenHeaders(token)).call<T>(this.topo.rpcSubject('registry', method), payload, timeoutMs);
  }

  @Post()
  @Roles('admin')
  @ApiOperation({ summary: 'Register an agency (admin)' })
  @ApiBody({
    type: CreateAgencyDto,
    examples: { province: { value: { code: '000.00.05.H41', name: 'Sở Y tế tỉnh Nghệ An', tier: 'province', parentCode: '000.00.00.H41' } } },
  })
  @ApiCreatedResponse({ type: AgencyDto, description: 'the agency as registered' })
  @ApiErrors(409, 422)
  create(@Body() body: unknown, @CallerToken() token: string): Promise<Agency> {
    return this.call(token, REGISTRY_RPC.create, asObject(body), 30_000);
  }

  @Get()
  @Roles('any')
  @ApiOperation({ summary: 'List agencies, paginated with an opaque cursor' })
  @ApiOkResponse({ type: AgencyPageDto })
  @ApiErrors(422)
  @ApiQuery({ name: 'parent', required: false, description: 'children of this agency', schema: { type: 'string', pattern: AGENCY_CODE_PATTERN } })
  @ApiQuery({ name: 'tier', required: false, enum: ['central', 'province', 'district', 'commune'] })
  @ApiQuery({ name: 'status', required: false, enum: ['active', 'suspended', 'closed'] })
  @ApiQuery({ name: 'q', required: false, type: String, description: 'case-insensitive search in code and name' })
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor of the previous page' })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 } })
  list(@Query() q: Record<string, string>, @CallerToken() token: string): Promise<Page<Agency>> {
    const { parent, tier, status, q: text, cursor, limit } = q;
    return this.call(token, REGISTRY_RPC.list, { parent, tier, status, q: text, cursor, limit: limit === undefined ? undefined : toInt(limit, 'limit') });
  }

  @Post('import')
  @Roles('admin')
  @ApiConsumes('text/csv')
  @ApiOperation({ summary: 'Import a CSV (code,name,tier,parent_code[,contact columns]); ?mode=all-or-nothing refuses the whole file on any error' })
  @ApiQuery({ name: 'mode', required: false, enum: ['partial', 'all-or-nothing'] })
  @ApiBody({
    description: 'the CSV file, UTF-8, streamed',
    required: true,
    schema: { type: 'string', example: 'code,name,tier,parent_code\n000.00.05.H41,Sở Y tế,province,000.00.00.H41\n' },
  })
  @ApiCreatedResponse({ type: ImportResultDto, description: 'per-line outcome; rolledBack when all-or-nothing refused the file' })
  @ApiErrors(413, 422)
  async import(@Req() req: Request, @Query('mode') mode: string | undefined, @CallerToken() token: string): Promise<ImportResult> {
    const m = mode ?? 'partial';
    if (m !== 'partial' && m !== 'all-or-nothing') throw new LtError('BAD_REQUEST', `mode must be partial or all-or-nothing, got ${JSON.stringify(mode)}`);
    const type = req.headers['content-type'] ?? '';
    if (!/^text\/(csv|plain)/i.test(type)) throw new LtError('BAD_REQUEST', `send the CSV with Content-Type: text/csv (got ${JSON.stringify(type || 'none')})`);
    // stream the body to the registry in chunks: a national directory is larger than one NATS message
    const { importId } = await this.call<{ importId: string }>(token, REGISTRY_RPC.importCsv, { action: 'begin', mode: m });
    const decoder = new TextDecoder('utf-8', { fatal: true });
    let pending = '';
    const flush = async (text: string) => {
      if (text.length) await this.call(token, REGISTRY_RPC.importCsv, { action: 'chunk', importId, text });
    };
    try {
      for await (const chunk of req as AsyncIterable<Buffer>) {
        pending += decoder.decode(chunk, { stream: true });
        if (pending.length >= 256 * 1024) {
          await flush(pending);
          pending = '';
        }
      }
      pending += decoder.decode();
    } catch (err) {
      if (err instanceof TypeError) throw new LtError('VALIDATION_FAILED', 'CSV body is not valid UTF-8');
      throw err;
    }
    await flush(pending);
    return this.call<ImportResult>(token, REGISTRY_RPC.importCsv, { action: 'commit', importId }, 120_000);
  }

  @Get(':code')
  @Roles('any')
  @ApiOperation({ summary: 'One agency; ?at=<ISO time> answers what the directory said then' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiQuery({ name: 'at', required: false, description: 'ISO time', schema: { type: 'string', format: 'date-time' } })
  @ApiOkResponse({ type: AgencyDto })
  @ApiErrors(404, 422)
  async get(@Param('code') code: string, @CallerToken() token: string, @Query('at') at?: string): Promise<Agency> {
    if (!at) return this.call(token, REGISTRY_RPC.get, { code });
    // the history entry in force at that time carries the full snapshot of the agency
    const entry = await this.call<{ snapshot: Agency }>(token, REGISTRY_RPC.history, { code, at });
    return entry.snapshot;
  }

  @Get(':code/children')
  @Roles('any')
  @ApiOperation({ summary: 'The agency and its descendants as a tree, down to depth levels' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiQuery({ name: 'depth', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: AgencyTreeNodeDto })
  @ApiErrors(404, 422)
  children(@Param('code') code: string, @CallerToken() token: string, @Query('depth') depth?: string): Promise<AgencyTreeNode> {
    return this.call(token, REGISTRY_RPC.children, { code, depth: depth === undefined ? undefined : toInt(depth, 'depth') });
  }

  @Get(':code/history')
  @Roles('any')
  @ApiOperation({ summary: 'Every change of the agency and its keys, oldest first, paginated' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiQuery({ name: 'cursor', required: false, type: String, description: 'nextCursor of the previous page' })
  @ApiOkResponse({ type: AgencyHistoryPageDto })
  @ApiErrors(404, 422)
  history(@Param('code') code: string, @CallerToken() token: string, @Query('cursor') cursor?: string): Promise<unknown> {
    return this.call(token, REGISTRY_RPC.history, { code, cursor });
  }

  @Patch(':code')
  @Roles('admin')
  @ApiOperation({ summary: 'Change name, tier, parent, status (active/suspended) or contact (admin)' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiBody({ type: UpdateAgencyDto })
  @ApiOkResponse({ type: AgencyDto, description: 'the agency after the change' })
  @ApiErrors(404, 409, 422)
  update(@Param('code') code: string, @Body() body: unknown, @CallerToken() token: string): Promise<Agency> {
    return this.call(token, REGISTRY_RPC.update, { ...asObject(body), code });
  }

  @Post(':code/close')
  @Roles('admin')
  @ApiOperation({ summary: 'Close an agency for good, naming its successor (admin)' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiBody({ type: CloseAgencyDto })
  @ApiCreatedResponse({ type: AgencyDto, description: 'the closed agency' })
  @ApiErrors(404, 409, 422)
  close(@Param('code') code: string, @Body() body: unknown, @CallerToken() token: string): Promise<Agency> {
    return this.call(token, REGISTRY_RPC.close, { code, ...asObject(body) });
  }

  @Get(':code/keys')
  @Roles('any')
  @ApiOperation({ summary: "The agency's public keys, revoked ones included" })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiOkResponse({ type: [AgencyKeyDto] })
  @ApiErrors(404, 422)
  keys(@Param('code') code: string, @CallerToken() token: string): Promise<AgencyKey[]> {
    return this.call(token, REGISTRY_RPC.listKeys, { code });
  }

  @Post(':code/keys')
  @Roles('admin')
  @ApiOperation({ summary: 'Add a public signing key (admin)' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiBody({ type: AddKeyDto })
  @ApiCreatedResponse({ type: AgencyKeyDto })
  @ApiErrors(404, 409, 422)
  addKey(@Param('code') code: string, @Body() body: unknown, @CallerToken() token: string): Promise<AgencyKey> {
    return this.call(token, REGISTRY_RPC.addKey, { code, ...asObject(body) });
  }

  @Post(':code/keys/:kid/revoke')
  @Roles('admin')
  @ApiOperation({ summary: 'Revoke a key for good (admin); routers refuse what it signs from then on' })
  @ApiParam(AGENCY_CODE_PARAM)
  @ApiParam({ name: 'kid', description: 'key id, or the full kid `<code>#<key id>`', example: 'k2026' })
  @ApiBody({ type: RevokeKeyDto })
  @ApiCreatedResponse({ type: AgencyKeyDto, description: 'the revoked key' })
  @ApiErrors(404, 409, 422)
  revokeKey(@Param('code') code: string, @Param('kid') keyId: string, @Body() body: unknown, @CallerToken() token: string): Promise<AgencyKey> {
    return this.call(token, REGISTRY_RPC.revokeKey, { code, keyId: keyId.includes('#') ? keyId.split('#')[1] : keyId, ...asObject(body) });
  }
}

export function asObject(body: unknown): Record<string, unknown> {
  if (body === undefined || body === null) return {};
  if (typeof body !== 'object' || Array.isArray(body)) throw new LtError('BAD_REQUEST', 'request body must be a JSON object');
  return body as Record<string, unknown>;
}

function toInt(v: string, name: string): number {
  const n = Number(v);
  if (!Number.isInteger(n)) throw new LtError('BAD_REQUEST', `${name} must be an integer, got ${JSON.stringify(v)}`);
  return n;
}
