import { pipeline } from 'node:stream/promises';
import { Controller, Get, Headers, HttpCode, Inject, Param, Post, Query, Res, UseGuards } from '@nestjs/common';
import { ApiHeader, ApiOperation, ApiProduces, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { LtError, toLtError } from '@lt/contracts';
import type { ConnectorDeps } from '../deps';
import { ackMessage, type AckResult } from '../use-cases/ack-message';
import { exportAsEdxml } from '../use-cases/edxml-exchange';
import { envelopeOf, inboundOrThrow, messageView } from '../use-cases/inbox-views';
import { listInbox } from '../use-cases/list-inbox';
import { CallerGuard } from './caller.guard';
import { AckResultDto, ErrorResponseDto, InboxListDto, MessageViewDto } from './dto';
import { messageId, wantsXml } from './params';
import { CONNECTOR_DEPS } from './tokens';

/** Receiving: what the hub delivered to this agency, kept on the connector's disk until acked. */
@ApiTags('inbox')
@Controller('v1/inbox')
@UseGuards(CallerGuard)
export class InboxController {
  constructor(@Inject(CONNECTOR_DEPS) private readonly deps: ConnectorDeps) {}

  @Get()
  @ApiOperation({ summary: 'pending messages (not acked yet), oldest first' })
  @ApiQuery({ name: 'limit', required: false, description: '1-1000, default 100' })
  @ApiQuery({ name: 'after', required: false, description: 'id of the last message of the previous page' })
  @ApiResponse({ status: 200, type: InboxListDto })
  @ApiResponse({ status: 422, type: ErrorResponseDto })
  list(@Query('limit') limit?: string, @Query('after') after?: string): Promise<InboxListDto> {
    const n = limit === undefined ? undefined : /^\d{1,4}$/.test(limit) ? Number(limit) : NaN;
    return listInbox(this.deps, { ...(n !== undefined ? { limit: n } : {}), ...(after !== undefined ? { after } : {}) });
  }

  @Get(':id')
  @ApiOperation({
    summary: 'one message: JSON, or with Accept: application/xml the edXML package (documents) or edXML status package (statuses, recalls as 13)',
  })
  @ApiHeader({ name: 'Accept', required: false, description: 'application/json (default) or application/xml' })
  @ApiProduces('application/json', 'application/xml')
  @ApiResponse({ status: 200, type: MessageViewDto, description: 'JSON; or the edXML package as application/xml' })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'UNKNOWN_MESSAGE' })
  @ApiResponse({ status: 406, type: ErrorResponseDto, description: 'NOT_ACCEPTABLE: no edXML form (a receipt)' })
  async read(@Param('id') id: string, @Headers('accept') accept: string | undefined, @Res() res: Response): Promise<void> {
    const entry = await inboundOrThrow(this.deps, messageId(id));
    if (!wantsXml(accept)) {
      res.status(200).json(messageView(entry));
      return;
    }
    const xml = await exportAsEdxml(this.deps, entry);
    res.status(200).type('application/xml; charset=utf-8');
    await pipeOut(xml, res, this.deps);
  }

  @Get(':id/attachments/:name')
  @ApiOperation({ summary: "an attachment's bytes, verified against the size and SHA-256 the sender signed while streaming" })
  @ApiProduces('application/octet-stream')
  @ApiResponse({ status: 200, description: 'the bytes (Content-Type: the signed media type; X-Content-SHA256)', schema: { type: 'string', format: 'binary' } })
  @ApiResponse({ status: 404, type: ErrorResponseDto, description: 'ATTACHMENT_NOT_FOUND / UNKNOWN_MESSAGE' })
  async attachment(@Param('id') id: string, @Param('name') name: string, @Res() res: Response): Promise<void> {
    const entry = await inboundOrThrow(this.deps, messageId(id));
    const envelope = envelopeOf(entry);
    const ref = envelope.attachments?.find((a) => a.name === name);
    if (!ref) throw new LtError('ATTACHMENT_NOT_FOUND', `message ${id} has no attachment ${JSON.stringify(name)}`, { name, envelopeId: id });
    const stream = this.deps.client.attachment(envelope, name);
    // the first chunk proves the hub has it: errors before it still get a JSON answer
    const first = await firstChunk(stream);
    res.status(200);
    res.setHeader('Content-Type', ref.mediaType);
    res.setHeader('Content-Length', String(ref.size));
    res.setHeader('X-Content-SHA256', ref.sha256);
    res.setHeader('Content-Disposition', `attachment; filename*=UTF-8''${encodeURIComponent(ref.name)}`);
    if (first) res.write(first);
    await pipeOut(stream, res, this.deps);
  }

  @Post(':id/ack')
  @HttpCode(200)
  @ApiOperation({ summary: 'confirm: the agency has the message; documents send status 01 (arrived) to their sender' })
  @ApiResponse({ status: 200, type: AckResultDto })
  @ApiResponse({ status: 404, type: ErrorResponseDto })
  @ApiResponse({ status: 503, type: ErrorResponseDto, description: 'the hub did not take the 01: ack again' })
  ack(@Param('id') id: string): Promise<AckResult> {
    return ackMessage(this.deps, messageId(id));
  }
}

async function firstChunk(
  stream: NodeJS.ReadableStream & { read(): unknown; once(e: string, f: (...a: unknown[]) => void): unknown },
): Promise<Buffer | undefined> {
  return new Promise<Buffer | undefined>((resolve, reject) => {
    const onReadable = () => {
      cleanup();
      resolve((stream.read() as Buffer | null) ?? undefined);
    };
    const onError = (err: unknown) => {
      cleanup();
      reject(err);
    };
    const onEnd = () => {
      cleanup();
      resolve(undefined);
    };
    const cleanup = () => {
      stream.removeListener('readable', onReadable);
      stream.removeListener('error', onError);
      stream.removeListener('end', onEnd);
    };
    stream.once('readable', onReadable);
    stream.once('error', onError);
    stream.once('end', onEnd);
  });
}

/** Streams to the response; a failure after the headers went out cuts the connection (the length tells the client it is short). */
async function pipeOut(source: NodeJS.ReadableStream, res: Response, deps: ConnectorDeps): Promise<void> {
  try {
    await pipeline(source, res);
  } catch (err) {
    deps.log.warn({ err: toLtError(err).message }, 'response stream failed');
    res.destroy();
  }
}
