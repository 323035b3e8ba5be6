import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import express from 'express';
import { GatewayModule } from './gateway.module';

/** Builds the HTTP app (also used in-process by end-to-end tests). */
export async function createGatewayApp(opts: { logger?: false } = {}): Promise<NestExpressApplication> {
  // body parsers are added by hand so text/csv bodies stay a stream for the import route
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bodyParser: false, logger: opts.logger ?? ['error', 'warn'] });
  app.use(express.json({ limit: '2mb', type: ['application/json', 'application/*+json'] }));
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
