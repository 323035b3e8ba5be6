import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule, type OpenAPIObject } from '@nestjs/swagger';
import { PinoNestLogger, type Logger } from '@lt/platform';
import type { ConnectorDeps } from '../deps';
import type { CallerPolicy } from '../settings';
import { ConnectorHttpModule } from './connector.module';
import { jsonOutboxFastPath } from './json-outbox.fast-path';

export interface HttpsFiles {
  /** folder with ca.pem, server-cert.pem, server-key.pem */
  tlsDir: string;
}

/**
 * The connector's HTTP app. Bodies are not parsed by Nest: each route reads its own (JSON through
 * the hub's safe parser, edXML and multipart as streams), so a large package never sits in memory.
 */
export async function createConnectorApp(deps: ConnectorDeps, policy: CallerPolicy, log: Logger, https?: HttpsFiles): Promise<NestExpressApplication> {
  const httpsOptions = https
    ? {
        ca: readFileSync(join(https.tlsDir, 'ca.pem')),
        cert: readFileSync(join(https.tlsDir, 'server-cert.pem')),
        key: readFileSync(join(https.tlsDir, 'server-key.pem')),
        // mutual TLS: no certificate from the agency's CA, no connection
        requestCert: true,
        rejectUnauthorized: true,
      }
    : undefined;
  const app = await NestFactory.create<NestExpressApplication>(ConnectorHttpModule.forRoot(deps, policy), {
    bodyParser: false,
    logger: new PinoNestLogger(log),
    ...(httpsOptions ? { httpsOptions } : {}),
  });
  app.set('etag', false);
  app.use('/v1/outbox', jsonOutboxFastPath(deps, policy));
  const doc = connectorOpenApi(app, deps.agencyCode);
  SwaggerModule.setup('docs', app, () => doc, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

export function connectorOpenApi(app: NestExpressApplication, agencyCode: string): OpenAPIObject {
  const config = new DocumentBuilder()
    .setTitle(`LienThong agency connector (${agencyCode})`)
    .setDescription(
      "The agency's own gateway to the hub: send documents (JSON or edXML), read the inbox, confirm, post statuses. " +
        'It signs with the agency key; errors are {"error": {"code", "message", "details"}} with stable codes.',
    )
    .setVersion('1')
    .addBearerAuth()
    .build();
  return SwaggerModule.createDocument(app, config);
}
