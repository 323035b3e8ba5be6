import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiProperty, ApiPropertyOptional, ApiResponse, ApiSchema } from '@nestjs/swagger';
import { AGENCY_CODE_PATTERN, ERROR_CODES } from '@lt/contracts';

/**
 * OpenAPI pieces shared by every controller: the one error body, the error answers a route can
 * give, and the agency-code path parameter. Builds use swc (no Nest CLI plugin), so every schema
 * is declared explicitly with these decorators.
 */

@ApiSchema({ name: 'ErrorBody', description: 'a stable code (never renamed), a message naming what is wrong, and details' })
export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), example: 'SCHEMA_INVALID', description: 'stable error code (docs/error-codes.md)' })
  code!: string;

  @ApiProperty({ example: 'body.subject is required' })
  message!: string;

  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'machine-readable context, e.g. field, reason, max' })
  details?: Record<string, unknown>;
}

@ApiSchema({ name: 'ErrorResponse', description: 'every error the gateway answers' })
export class ErrorResponseDto {
  @ApiProperty({ type: () => ErrorBodyDto })
  error!: ErrorBodyDto;
}

const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'BAD_REQUEST or MALFORMED_JSON: the request itself is wrong (a parameter, a body that is not JSON)',
  401: 'UNAUTHENTICATED: no bearer token, a bad, expired or revoked one',
  403: 'FORBIDDEN: the token is valid but its role (or agency) may not do this',
  404: 'not found (UNKNOWN_AGENCY, UNKNOWN_KEY, UNKNOWN_DOSSIER, NOT_FOUND ...)',
  409: 'conflict with the current state (DUPLICATE, AGENCY_CLOSED, KEY_REVOKED, NOT_YET_CHECKPOINTED ...)',
  413: 'PAYLOAD_TOO_LARGE',
  422: 'the input is well-formed but not valid (SCHEMA_INVALID, VALIDATION_FAILED, INVALID_AGENCY_CODE, UNKNOWN_PARENT ...)',
  500: 'INTERNAL: a fault of the hub (logged)',
  503: 'UNAVAILABLE: a hub service did not answer',
  504: 'TIMEOUT: a hub service answered too late',
};

/** Error answers of a route, each an ErrorResponse. */
export function ApiErrors(...statuses: number[]): MethodDecorator & ClassDecorator {
  return applyDecorators(...statuses.map((status) => ApiResponse({ status, description: ERROR_DESCRIPTIONS[status] ?? 'error', type: ErrorResponseDto })));
}

/** Errors of every route behind a bearer token that makes one RPC to a hub service. */
export const ApiAuthenticatedRpcErrors = (): MethodDecorator & ClassDecorator => applyDecorators(ApiBearerAuth(), ApiErrors(400, 401, 403, 503, 504));

/** The `:code` path parameter: an agency code. */
export const AGENCY_CODE_PARAM = {
  name: 'code',
  description: 'agency code DDD.CC.BB.AXX',
  schema: { type: 'string' as const, pattern: AGENCY_CODE_PATTERN },
  example: '000.00.05.H41',
};
