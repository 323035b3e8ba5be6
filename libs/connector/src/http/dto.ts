import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ERROR_CODES, ENVELOPE_KINDS, STATUS_CODES } from '@lt/contracts';

/**
 * Request and response schemas of the connector's HTTP API, for /docs (OpenAPI). The classes only
 * describe: requests are checked by the hub's own validators (@lt/contracts), the authority.
 */

const CODE_PATTERN = '^\\d{3}\\.\\d{2}\\.\\d{2}\\.[A-Z]\\d{2}$';
const STATUS = Object.keys(STATUS_CODES);

export class ErrorBodyDto {
  @ApiProperty({ enum: Object.keys(ERROR_CODES), description: 'stable error code (docs/error-codes.md)' }) code!: string;
  @ApiProperty({ description: 'what is wrong, for people' }) message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: true, description: 'for programs: field, line, column, reason ...' }) details?: Record<
    string,
    unknown
  >;
}

export class ErrorResponseDto {
  @ApiProperty({ type: ErrorBodyDto }) error!: ErrorBodyDto;
}

export class OutboxDocumentDto {
  @ApiProperty({
    description: 'recipients: agency codes, or {childrenOf, tier?, depth?} for every agency under one',
    type: 'array',
    items: {
      oneOf: [
        { type: 'string', pattern: CODE_PATTERN },
        { type: 'object', properties: { childrenOf: { type: 'string' }, tier: { type: 'string' }, depth: { type: 'integer' } }, required: ['childrenOf'] },
      ],
    },
  })
  to!: unknown[];
  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    description: "the document (edXML MessageHeader in camelCase; the hub's JSON Schema: GET /v1/schemas/envelope.json on the gateway, `DocumentBody`)",
  })
  body!: Record<string, unknown>;
  @ApiPropertyOptional({
    type: 'array',
    items: { type: 'object', additionalProperties: true },
    description: 'references to bytes uploaded earlier; send bytes as multipart parts instead',
  })
  attachments?: unknown[];
  @ApiPropertyOptional({ format: 'uuid', description: 're-send with this id: the hub ignores a duplicate' }) id?: string;
}

export class AcceptedDto {
  @ApiProperty({ format: 'uuid', description: 'envelope id' }) id!: string;
  @ApiProperty({ enum: ['document', 'status', 'recall'] }) kind!: string;
  @ApiProperty({ description: 'the hub already had this id: nothing new was queued' }) duplicate!: boolean;
}

export class InboxItemDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ enum: ENVELOPE_KINDS }) kind!: string;
  @ApiProperty({ pattern: CODE_PATTERN, description: 'sender (authenticated by its signature)' }) from!: string;
  @ApiProperty({ format: 'date-time', description: 'when the connector stored it' }) receivedAt!: string;
  @ApiPropertyOptional({ description: 'documents: trích yếu' }) subject?: string;
  @ApiPropertyOptional({ enum: STATUS, description: 'statuses' }) statusCode?: string;
  @ApiPropertyOptional({ format: 'uuid', description: 'statuses and recalls: the document answered' }) responseFor?: string;
  @ApiPropertyOptional({ pattern: CODE_PATTERN, description: 'addressed to this closed agency, forwarded to its successor' }) forwardedFrom?: string;
}

export class InboxListDto {
  @ApiProperty({ type: [InboxItemDto] }) items!: InboxItemDto[];
  @ApiPropertyOptional({ format: 'uuid', description: 'more pending: ask again with after=<next>' }) next?: string;
}

export class AttachmentViewDto {
  @ApiProperty() name!: string;
  @ApiProperty() mediaType!: string;
  @ApiProperty() size!: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' }) sha256!: string;
  @ApiProperty({ description: 'GET it for the verified bytes' }) href!: string;
}

export class WebhookProgressDto {
  @ApiProperty({ enum: ['pending', 'delivered', 'parked'] }) state!: string;
  @ApiProperty() attempts!: number;
  @ApiPropertyOptional({ format: 'date-time' }) nextAttemptAt?: string;
  @ApiPropertyOptional() lastError?: string;
  @ApiPropertyOptional({ format: 'date-time' }) deliveredAt?: string;
  @ApiPropertyOptional({ format: 'date-time' }) parkedAt?: string;
}

export class JwsDto {
  @ApiProperty() protected!: string;
  @ApiProperty() payload!: string;
  @ApiProperty() signature!: string;
}

export class MessageViewDto extends InboxItemDto {
  @ApiProperty({ enum: ['pending', 'acked'] }) state!: string;
  @ApiPropertyOptional({ format: 'date-time' }) ackedAt?: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: "the verified envelope (the gateway's GET /v1/schemas/envelope.json)" })
  envelope!: Record<string, unknown>;
  @ApiProperty({ type: JwsDto, description: 'the JWS exactly as delivered: verify it yourself if you wish' }) jws!: JwsDto;
  @ApiProperty({ description: 'signed by the hub (refusals 02, receipts), not by an agency' }) hubSigned!: boolean;
  @ApiProperty() kid!: string;
  @ApiProperty({ type: [String] }) flags!: string[];
  @ApiProperty({ type: [AttachmentViewDto] }) attachments!: AttachmentViewDto[];
  @ApiPropertyOptional({ type: WebhookProgressDto }) webhook?: WebhookProgressDto;
}

export class AckResultDto {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty({ description: 'false: it had been acked before, nothing was sent again' }) acked!: boolean;
  @ApiProperty({ description: 'status 01 (arrived) sent to the sender' }) arrivedSent!: boolean;
}

export class StaffInfoDto {
  @ApiPropertyOptional() department?: string;
  @ApiPropertyOptional() staff?: string;
  @ApiPropertyOptional() mobile?: string;
  @ApiPropertyOptional() email?: string;
}

export class StatusInputDto {
  @ApiProperty({ enum: STATUS, description: '02-06 about a received document; 15/16 answer its recall; 13 about a sent one recalls it' }) statusCode!: string;
  @ApiPropertyOptional({ maxLength: 500 }) description?: string;
  @ApiPropertyOptional({ enum: Object.keys(ERROR_CODES), description: '02: the reason as an error code' }) reasonCode?: string;
  @ApiPropertyOptional({ type: StaffInfoDto }) staffInfo?: StaffInfoDto;
  @ApiPropertyOptional({ format: 'uuid' }) id?: string;
}

export class RecallInputDto {
  @ApiPropertyOptional({ maxLength: 500 }) reason?: string;
}

export class HealthDto {
  @ApiProperty({ enum: ['ok', 'degraded'] }) status!: string;
  @ApiProperty({ pattern: CODE_PATTERN }) agency!: string;
  @ApiProperty({ description: 'connected to the hub' }) hub!: boolean;
  @ApiProperty({ description: 'webhooks whose retries ran out, of messages not acked yet' }) parked!: number;
}
