import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { envelopeSchemaDefinitions } from '@lt/contracts';

/** Swagger UI under /docs; the document itself at these stable URLs (what client generators read). */
export const OPENAPI_UI_PATH = 'docs';
export const OPENAPI_JSON_PATH = '/docs/openapi.json';
export const OPENAPI_YAML_PATH = '/docs/openapi.yaml';

/**
 * The gateway's OpenAPI 3.1 document: every route with its parameters, bodies, answers and
 * errors, plus the envelope definitions (Envelope, DocumentBody, FlattenedJws ...) as component
 * schemas. 3.1 because its schemas are JSON Schema 2020-12, the dialect of the envelope schema.
 */
export function buildOpenApiDocument(app: INestApplication): OpenAPIObject {
  const config = new DocumentBuilder()
    .setOpenAPIVersion('3.1.0')
    .setTitle('LienThong hub API')
    .setDescription(
      'Registry, audit, dossiers and agency messaging. Errors are {"error": {"code", "message", "details"}} with stable codes (ErrorResponse). ' +
        'Agencies send signed envelopes over NATS with the SDK; their JSON Schema is served at /v1/schemas/envelope.json and its definitions are the Envelope, DocumentBody, ... components here.',
    )
    .setVersion('1')
    .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'a hub token from `lienthong token issue`' })
    .build();
  const doc = SwaggerModule.createDocument(app, config);
  const components = (doc.components ??= {});
  const schemas = (components.schemas ??= {});
  for (const [name, schema] of Object.entries(envelopeSchemaDefinitions('#/components/schemas/'))) {
    if (name in schemas) throw new Error(`OpenAPI component ${name} is defined twice (a DTO and an envelope definition)`);
    schemas[name] = schema;
  }
  return doc;
}

/** Serves the UI and the JSON/YAML document. */
export function setupOpenApi(app: INestApplication): void {
  SwaggerModule.setup(OPENAPI_UI_PATH, app, () => buildOpenApiDocument(app), {
    jsonDocumentUrl: OPENAPI_JSON_PATH,
    yamlDocumentUrl: OPENAPI_YAML_PATH,
  });
}
