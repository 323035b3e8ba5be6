import { TOPOLOGY } from '@lt/messaging';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { AUDIT_RPC, LtError, type MessageTrace, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { RPC } from '../infra/hub.tokens';
import { CurrentCaller } from '../auth/auth.guard';
import { Roles, type Caller } from '../auth/roles';
import { agencyOf, traceFor, traceRefused } from './agency-scope';
import { callAudit } from './audit-rpc';
import { ApiAuthenticatedRpcErrors, ApiErrors } from '../http/api-docs';
import { MessageTraceDto } from './audit.dto';

@ApiTags('audit')
@ApiAuthenticatedRpcErrors()
@Controller('v1/messages')
export class MessageTraceController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get(':id/trace')
  @Roles('auditor', 'agency')
  @ApiOperation({
    summary:
      'Whole timeline of a message from the audit log: routing, per-recipient delivery, statuses, recall, durations. Agency tokens: messages they sent (whole trace) or received (their own copy); anything else, known or not, is 403',
  })
  @ApiParam({ name: 'id', description: 'envelope id', schema: { type: 'string', format: 'uuid' } })
  @ApiOkResponse({ type: MessageTraceDto })
  @ApiErrors(404)
  async trace(@Param('id') id: string, @CurrentCaller() caller: Caller): Promise<MessageTrace> {
    const own = agencyOf(caller);
    let trace: MessageTrace;
    try {
      trace = await callAudit<MessageTrace>(this.rpc, this.topo, AUDIT_RPC.trace, { messageId: id });
    } catch (err) {
      // an unknown message gets the same answer as another agency's
      if (own !== null && err instanceof LtError && err.code === 'UNKNOWN_MESSAGE') throw traceRefused(own, id);
      throw err;
    }
    return traceFor(caller, trace);
  }
}
