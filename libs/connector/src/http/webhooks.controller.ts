import { Controller, Get, HttpCode, Inject, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiOperation, ApiProperty, ApiPropertyOptional, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ConnectorDeps } from '../deps';
import { listParkedWebhooks, requeueParkedWebhooks } from '../use-cases/parked-webhooks';
import { CallerGuard } from './caller.guard';
import { ErrorResponseDto, InboxItemDto } from './dto';
import { readJsonBody } from './request-body';
import { CONNECTOR_DEPS } from './tokens';

class ParkedItemDto extends InboxItemDto {
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional() lastError?: string;
  @ApiPropertyOptional({ format: 'date-time' }) parkedAt?: string;
}
class ParkedListDto {
  @ApiProperty({ type: [ParkedItemDto] }) items!: ParkedItemDto[];
}
class RequeueInputDto {
  @ApiPropertyOptional({ type: [String], description: 'message ids; absent: every parked one' }) ids?: string[];
}
class RequeueResultDto {
  @ApiProperty() requeued!: number;
}

/** Operators: webhooks whose retries ran out, and putting them back once the endpoint works again. */
@ApiTags('webhooks')
@Controller('v1/webhooks')
@UseGuards(CallerGuard)
export class WebhooksController {
  constructor(@Inject(CONNECTOR_DEPS) private readonly deps: ConnectorDeps) {}

  @Get('parked')
  @ApiOperation({ summary: 'messages whose webhook was parked after its retries ran out (they stay in GET /v1/inbox)' })
  @ApiResponse({ status: 200, type: ParkedListDto })
  parked(): Promise<ParkedListDto> {
    return listParkedWebhooks(this.deps);
  }

  @Post('requeue')
  @HttpCode(200)
  @ApiOperation({ summary: 'deliver parked webhooks again (all, or the ids given), attempts counted from zero' })
  @ApiBody({ type: RequeueInputDto, required: false })
  @ApiResponse({ status: 200, type: RequeueResultDto })
  @ApiResponse({ status: 422, type: ErrorResponseDto })
  async requeue(@Req() req: Request): Promise<RequeueResultDto> {
    const body = req.headers['content-type'] ? ((await readJsonBody(req, 256 * 1024)) as { ids?: unknown }) : {};
    return requeueParkedWebhooks(this.deps, body?.ids);
  }
}
