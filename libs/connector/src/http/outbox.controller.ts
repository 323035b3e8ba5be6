import { Readable } from 'node:stream';
import { Controller, HttpCode, Inject, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBody, ApiConsumes, ApiExtraModels, ApiOperation, ApiResponse, ApiTags, getSchemaPath } from '@nestjs/swagger';
import type { Request } from 'express';
import { LtError, parseJsonBytes } from '@lt/contracts';
import type { AttachmentInput } from '@lt/sdk';
import type { ConnectorDeps } from '../deps';
import { submitEdxml, type EdxmlSource } from '../use-cases/edxml-exchange';
import { parseOutboxDocument, recallDocument, sendDocument, type Accepted } from '../use-cases/send-document';
import { CallerGuard } from './caller.guard';
import { AcceptedDto, ErrorResponseDto, OutboxDocumentDto, RecallInputDto } from './dto';
import { messageId } from './params';
import { bodyKindOf, limitedStream, readJsonBody, readMultipart } from './request-body';
import { CONNECTOR_DEPS } from './tokens';

/** Sending: the agency's system hands the connector a document; it signs as the agency and submits it. */
@ApiTags('outbox')
@ApiExtraModels(OutboxDocumentDto)
@Controller('v1')
@UseGuards(CallerGuard)
export class OutboxController {
  constructor(@Inject(CONNECTOR_DEPS) private readonly deps: ConnectorDeps) {}

  @Post('outbox')
  @HttpCode(202)
  @ApiOperation({
    summary: 'send a document (JSON, edXML package, or multipart with attachments)',
    description:
      'Answers 202 once the hub accepted it (its id is then final; re-sending with the same id is ignored by the hub). ' +
      'An edXML package with Bussiness doc type 1, 2 or 3 recalls, updates or replaces the document of this agency with its DocumentId. ' +
      'multipart/form-data: a part named "document" (application/json or application/xml) and one file part per attachment, streamed to the hub.',
  })
  @ApiConsumes('application/json', 'application/xml', 'multipart/form-data')
  @ApiBody({
    schema: {
      oneOf: [
        { $ref: getSchemaPath(OutboxDocumentDto) },
        { type: 'string', description: 'edXML package (QCVN 102:2016), attachments inline in base64' },
        {
          type: 'object',
          properties: {
            document: { type: 'string', description: 'JSON document or edXML package' },
            attachment: { type: 'array', items: { type: 'string', format: 'binary' } },
          },
          required: ['document'],
        },
      ],
    },
  })
  @ApiResponse({ status: 202, type: AcceptedDto, description: 'accepted by the hub' })
  @ApiResponse({ status: 400, type: ErrorResponseDto })
  @ApiResponse({ status: 401, type: ErrorResponseDto })
  @ApiResponse({ status: 403, type: ErrorResponseDto })
  @ApiResponse({ status: 413, type: ErrorResponseDto })
  @ApiResponse({ status: 415, type: ErrorResponseDto })
  @ApiResponse({ status: 422, type: ErrorResponseDto })
  @ApiResponse({ status: 503, type: ErrorResponseDto })
  async submit(@Req() req: Request): Promise<Accepted> {
    const max = this.deps.maxPackageBytes;
    const kind = bodyKindOf(req, ['json', 'xml', 'multipart']);
    if (kind === 'json') return sendDocument(this.deps, parseOutboxDocument(await readJsonBody(req, max)));
    if (kind === 'xml') return submitEdxml(this.deps, limitedStream(req, max), []);
    return this.submitMultipart(req);
  }

  private async submitMultipart(req: Request): Promise<Accepted> {
    let document: { bytes: Buffer; kind: 'json' | 'xml' } | undefined;
    const uploads: AttachmentInput[] = [];
    await readMultipart(req, this.deps.maxPackageBytes, Number.MAX_SAFE_INTEGER, {
      onDocument: (bytes, kind) => {
        if (document) throw new LtError('BAD_REQUEST', 'multipart body has two "document" parts', { field: 'document' });
        document = { bytes, kind };
      },
      onFile: async (file) => {
        uploads.push(await this.deps.client.uploadAttachment({ stream: file.stream, name: file.name, type: file.type }, { count: uploads.length + 1 }));
      },
    });
    if (!document) throw new LtError('BAD_REQUEST', 'multipart body has no "document" part (the JSON document or the edXML package)', { field: 'document' });
    if (document.kind === 'xml') {
      const source: EdxmlSource = Readable.from([document.bytes]);
      return submitEdxml(this.deps, source, uploads);
    }
    return sendDocument(this.deps, parseOutboxDocument(parseJsonBytes(document.bytes, { maxBytes: this.deps.maxPackageBytes })), uploads);
  }

  @Post('documents/:id/recall')
  @HttpCode(202)
  @ApiOperation({ summary: 'recall a document this agency sent (status 13); recipients answer 15 or 16' })
  @ApiBody({ type: RecallInputDto, required: false })
  @ApiResponse({ status: 202, type: AcceptedDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_MESSAGE: not sent through this connector' })
  @ApiResponse({ status: 422, type: ErrorResponseDto })
  async recall(@Param('id') id: string, @Req() req: Request): Promise<Accepted> {
    const body = req.headers['content-length'] === '0' || !req.headers['content-type'] ? {} : await readJsonBody(req, 64 * 1024);
    const reason = (body as { reason?: unknown }).reason;
    if (reason !== undefined && typeof reason !== 'string') throw new LtError('SCHEMA_INVALID', 'reason must be a string', { field: 'reason' });
    return recallDocument(this.deps, messageId(id), reason);
  }
}
