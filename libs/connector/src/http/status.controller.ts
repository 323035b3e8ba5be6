import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import type { ConnectorDeps } from '../deps';
import { submitEdxmlStatus } from '../use-cases/edxml-exchange';
import type { Accepted } from '../use-cases/send-document';
import { parseStatusInput, sendStatus } from '../use-cases/send-status';
import { CallerGuard } from './caller.guard';
import { AcceptedDto, ErrorResponseDto, StatusInputDto } from './dto';
import { messageId } from './params';
import { bodyKindOf, limitedStream, readJsonBody } from './request-body';
import { CONNECTOR_DEPS } from './tokens';

const STATUS_PACKAGE_LIMIT = 1024 * 1024;

/** Statuses flowing back to a document's sender (03 registered ... 06 done, 15/16 answering a recall). */
@ApiTags('statuses')
@ApiExtraModels(StatusInputDto)
@Controller('v1')
@UseGuards(CallerGuard)
export class StatusController {
  constructor(@Inject(CONNECTOR_DEPS) private readonly deps: ConnectorDeps) {}

  @Post('documents/:id/status')
  @HttpCode(202)
  @ApiOperation({ summary: 'a status about document {id} (a received one; 13 about a sent one recalls it), as JSON or as an edXML status package' })
  @ApiConsumes('application/json', 'application/xml')
  @ApiBody({
    schema: {
      oneOf: [{ $ref: getSchemaPath(StatusInputDto) }, { type: 'string', description: 'edXML status package; its ResponseFor must name this document' }],
    },
  })
  @ApiResponse({ status: 202, type: AcceptedDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_MESSAGE' })
  @ApiResponse({ status: 400, type: ErrorResponseDto })
  @ApiResponse({ status: 415, type: ErrorResponseDto })
  @ApiResponse({ status: 422, type: ErrorResponseDto })
  async status(@Param('id') id: string, @Req() req: Request): Promise<Accepted> {
    const docId = messageId(id);
    if (bodyKindOf(req, ['json', 'xml']) === 'json') return sendStatus(this.deps, docId, parseStatusInput(await readJsonBody(req, 64 * 1024)));
    return submitEdxmlStatus(this.deps, limitedStream(req, STATUS_PACKAGE_LIMIT), docId);
  }

  @Post('statuses')
  @HttpCode(202)
  @ApiOperation({ summary: 'an edXML status package; the document is found by its ResponseFor DocumentId (how VDXP clients post statuses)' })
  @ApiConsumes('application/xml')
  @ApiBody({ schema: { type: 'string', description: 'edXML status package' } })
  @ApiResponse({ status: 202, type: AcceptedDto })
  @ApiResponse({ status: 422, type: ErrorResponseDto, description: 'EDXML_UNKNOWN_REFERENCE: no document with that DocumentId' })
  async statusPackage(@Req() req: Request): Promise<Accepted> {
    bodyKindOf(req, ['xml']);
    return submitEdxmlStatus(this.deps, limitedStream(req, STATUS_PACKAGE_LIMIT));
  }
}
