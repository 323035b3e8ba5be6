import { TOPOLOGY } from '@lt/messaging';
import { Controller, Get, Inject, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AUDIT_RPC, type MessageTrace, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import { RPC } from '../infra/hub.tokens';
import { Roles } from '../auth/roles';
import { callAudit } from './audit-rpc';

@ApiTags('audit')
@ApiBearerAuth()
@Controller('v1/messages')
export class MessageTraceController {
  constructor(
    @Inject(RPC) private readonly rpc: RpcClient,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  @Get(':id/trace')
  @Roles('auditor')
  @ApiOperation({ summary: 'Whole timeline of a message from the audit log: routing, per-recipient delivery, statuses, recall, durations' })
  trace(@Param('id') id: string): Promise<MessageTrace> {
    return callAudit(this.rpc, this.topo, AUDIT_RPC.trace, { messageId: id });
  }
}
