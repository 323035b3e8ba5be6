import { TOPOLOGY } from '@lt/messaging';
import { Body, Controller, Get, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiParam, ApiQuery, ApiTags } from '@nestjs/swagger';
import {
  AUDIT_RPC,
  type BundleHeader,
  type CheckpointResponse,
  type ConsistencyProofResponse,
  type ExportEntriesResponse,
  type InclusionProofResponse,
  type Topology,
  type VerifyReport,
} from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { RPC } from '../infra/hub.tokens';
import { CurrentCaller } from '../auth/auth.guard';
import { Roles, type Caller } from '../auth/roles';
import { assertEntryConcerns } from './agency-scope';
import { callAudit, optionalInt, requiredInt } from './audit-rpc';
import { ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import { BundleHeaderDto, CheckpointDto, ConsistencyProofDto, ExportEntriesDto, InclusionProofDto, VerifyReportDto, VerifyRequestDto } from './audit.dto';

/**
 * The tamper-evident log: checkpoints and proofs (auditors, and agencies checking their receipts:
 * an agency gets proofs only of entries that name it), export pages and on-demand verification
 * (auditors). Thin: each route is one RPC.
 */
@ApiTags('audit')
@ApiAuthenticatedRpcErrors()
@Controller('v1/audit')
export class AuditController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get('checkpoint')
  @Roles('auditor', 'agency')
  @ApiOperation({ summary: 'Latest signed checkpoint (C2SP signed note) and the log verifier key (vkey)' })
  @ApiOkResponse({ type: CheckpointDto })
  @ApiErrors(404)
  checkpoint(): Promise<CheckpointResponse> {
    return callAudit(this.rpc, this.topo, AUDIT_RPC.checkpoint, {});
  }

  @Get('proof/:seq')
  @Roles('auditor', 'agency')
  @ApiOperation({
    summary:
      'Inclusion proof of entry seq in the tree of treeSize (default: the latest signed checkpoint; an entry not yet covered answers 409 NOT_YET_CHECKPOINTED with when to retry). Agency tokens: only entries naming the agency',
  })
  @ApiParam({ name: 'seq', schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'treeSize', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: InclusionProofDto })
  @ApiErrors(404, 409)
  async proof(@Param('seq') seq: string, @CurrentCaller() caller: Caller, @Query('treeSize') treeSize?: string): Promise<InclusionProofResponse> {
    const proof = await callAudit<InclusionProofResponse>(this.rpc, this.topo, AUDIT_RPC.inclusionProof, {
      seq: requiredInt(seq, 'seq'),
      treeSize: optionalInt(treeSize, 'treeSize'),
    });
    assertEntryConcerns(caller, proof.entry);
    return proof;
  }

  @Get('consistency')
  @Roles('auditor', 'agency')
  @ApiOperation({ summary: 'Consistency proof: the tree of size `to` extends the tree of size `from`' })
  @ApiQuery({ name: 'from', required: true, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'to', required: true, schema: { type: 'integer', minimum: 0 } })
  @ApiOkResponse({ type: ConsistencyProofDto })
  @ApiErrors(404, 409)
  consistency(@Query('from') from?: string, @Query('to') to?: string): Promise<ConsistencyProofResponse> {
    return callAudit(this.rpc, this.topo, AUDIT_RPC.consistencyProof, { from: requiredInt(from, 'from'), to: requiredInt(to, 'to') });
  }

  @Get('export')
  @Roles('auditor')
  @ApiOperation({ summary: 'Bundle header for a range (by seq or ISO time), widened to checkpoint boundaries; entries come from /v1/audit/entries' })
  @ApiQuery({ name: 'fromSeq', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'toSeq', required: false, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'from', required: false, description: 'ISO time', schema: { type: 'string', format: 'date-time' } })
  @ApiQuery({ name: 'to', required: false, description: 'ISO time', schema: { type: 'string', format: 'date-time' } })
  @ApiOkResponse({ type: BundleHeaderDto })
  @ApiErrors(404, 409)
  exportBegin(@Query() q: Record<string, string | undefined>): Promise<BundleHeader> {
    return callAudit(
      this.rpc,
      this.topo,
      AUDIT_RPC.exportBegin,
      { fromSeq: optionalInt(q.fromSeq, 'fromSeq'), toSeq: optionalInt(q.toSeq, 'toSeq'), from: q.from, to: q.to },
      30_000,
    );
  }

  @Get('entries')
  @Roles('auditor')
  @ApiOperation({ summary: 'A page of entries [fromSeq, toSeq) with their stored leaf hashes' })
  @ApiQuery({ name: 'fromSeq', required: true, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'toSeq', required: true, schema: { type: 'integer', minimum: 0 } })
  @ApiQuery({ name: 'limit', required: false, schema: { type: 'integer', minimum: 1 } })
  @ApiOkResponse({ type: ExportEntriesDto })
  entries(@Query() q: Record<string, string | undefined>): Promise<ExportEntriesResponse> {
    return callAudit(
      this.rpc,
      this.topo,
      AUDIT_RPC.exportEntries,
      { fromSeq: requiredInt(q.fromSeq, 'fromSeq'), toSeq: requiredInt(q.toSeq, 'toSeq'), limit: optionalInt(q.limit, 'limit') },
      30_000,
    );
  }

  @Post('verify')
  @Roles('auditor')
  @ApiOperation({ summary: 'Server-side verification of the stored log (optionally a seq range); names the first bad position' })
  @ApiBody({ type: VerifyRequestDto, required: false })
  @ApiCreatedResponse({ type: VerifyReportDto, description: 'ok, or the first problem found' })
  verify(@Body() body: { fromSeq?: number; toSeq?: number } | undefined): Promise<VerifyReport> {
    return callAudit(this.rpc, this.topo, AUDIT_RPC.verify, { fromSeq: body?.fromSeq, toSeq: body?.toSeq }, 600_000);
  }
}
