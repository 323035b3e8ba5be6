import { Catch, HttpException, Logger, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import type { Response } from 'express';
import { LtError, type ErrorCode } from '@lt/contracts';

const STATUS_CODES: Record<number, ErrorCode> = { 400: 'BAD_REQUEST', 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 404: 'NOT_FOUND', 413: 'PAYLOAD_TOO_LARGE', 503: 'UNAVAILABLE' };

/** Every error leaves an HTTP API of the hub (gateway, agency connector) as `{error: {code, message, details}}` with a stable code. */
@Catch()
export class ErrorFilter implements ExceptionFilter {
  private readonly log = new Logger('http');

  catch(exception: unknown, host: ArgumentsHost): void {
    const res = host.switchToHttp().getResponse<Response>();
    const err = toHttpError(exception);
    if (err.httpStatus >= 500 && err.code !== 'UNAVAILABLE' && err.code !== 'TIMEOUT') this.log.error(exception instanceof Error ? (exception.stack ?? exception.message) : String(exception));
    res.status(err.httpStatus).json({ error: err.toJSON() });
  }
}

export function toHttpError(exception: unknown): LtError {
  if (exception instanceof LtError) return exception;
  if (exception instanceof HttpException) {
    const status = exception.getStatus();
    const body = exception.getResponse();
    const message = typeof body === 'string' ? body : ((body as { message?: string | string[] }).message ?? exception.message);
    return new LtError(STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL' : 'BAD_REQUEST'), Array.isArray(message) ? message.join('; ') : message);
  }
  const e = exception as { type?: string; status?: number; message?: string };
  // errors thrown by the body parsers
  if (e?.type === 'entity.parse.failed') return new LtError('MALFORMED_JSON', `request body is not valid JSON: ${e.message}`);
  if (e?.type === 'entity.too.large') return new LtError('PAYLOAD_TOO_LARGE', 'request body is larger than this API accepts');
  return new LtError('INTERNAL', 'internal error');
}
