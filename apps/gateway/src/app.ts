import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { GatewayModule } from './gateway.module';
import { toHttpError } from './http/error.filter';

/** Builds the HTTP app (also used in-process by end-to-end tests). */
export async function createGatewayApp(opts: { logger?: false } = {}): Promise<NestExpressApplication> {
  // body parsers are added by hand so text/csv bodies stay a stream for the import route
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bodyParser: false, logger: opts.logger ?? ['error', 'warn'] });
  const json = express.json({ limit: '2mb', type: ['application/json', 'application/*+json'] });
  // parser failures answer here with their stable code (MALFORMED_JSON, PAYLOAD_TOO_LARGE)
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    json(req, res, (err?: unknown) => {
      if (!err) return next();
      const lt = toHttpError(err);
      res.status(lt.httpStatus).json({ error: lt.toJSON() });
    }),
  );
  app.enableShutdownHooks();
  const doc = new DocumentBuilder()
    .setTitle('LienThong hub API')
    .setDescription('Registry, audit, dossiers and agency messaging. Errors are {"error": {"code", "message", "details"}} with stable codes.')
    .setVersion('1')
    .addBearerAuth()
    .build();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, doc));
  return app;
}
