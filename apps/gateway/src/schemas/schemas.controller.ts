import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { envelopeJsonSchema, flattenedJwsJsonSchema, type JsonSchema } from '@lt/contracts';
import { Public } from '../auth/roles';
import { ApiErrors } from '../http/api-docs';

const SCHEMA_MEDIA_TYPE = 'application/schema+json';
const JSON_SCHEMA_DOCUMENT = { type: 'object' as const, description: 'a JSON Schema (draft 2020-12) document', additionalProperties: true };

/**
 * JSON Schemas of what agencies sign, for systems written in other languages (no auth: they
 * describe a public wire format). Built once: the schema is a pure function of the contracts.
 * The hub's validateEnvelope stays the authority; see docs/openapi.md.
 */
@ApiTags('schemas')
@ApiErrors(500)
@Controller('v1/schemas')
export class SchemasController {
  private readonly envelope = envelopeJsonSchema();
  private readonly jws = flattenedJwsJsonSchema();

  @Public()
  @Get('envelope.json')
  @Header('Content-Type', `${SCHEMA_MEDIA_TYPE}; charset=utf-8`)
  @ApiOperation({ summary: 'JSON Schema (draft 2020-12) of the envelope an agency signs: kind, from, to, issuedAt, body by kind, attachments (no auth)' })
  @ApiProduces(SCHEMA_MEDIA_TYPE)
  @ApiOkResponse({ description: 'the schema; its $defs are also the component schemas of /docs/openapi.json', schema: JSON_SCHEMA_DOCUMENT })
  envelopeSchema(): JsonSchema {
    return this.envelope;
  }

  @Public()
  @Get('flattened-jws.json')
  @Header('Content-Type', `${SCHEMA_MEDIA_TYPE}; charset=utf-8`)
  @ApiOperation({ summary: 'JSON Schema of the flattened JWS {protected, payload, signature} that carries an envelope (no auth)' })
  @ApiProduces(SCHEMA_MEDIA_TYPE)
  @ApiOkResponse({ description: 'the schema', schema: JSON_SCHEMA_DOCUMENT })
  flattenedJwsSchema(): JsonSchema {
    return this.jws;
  }
}
