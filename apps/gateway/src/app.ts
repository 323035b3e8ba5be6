import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import { parseJsonBytes } from '@lt/contracts';
import { GatewayModule } from './gateway.module';
import { toHttpError } from './http/error.filter';
import { setupOpenApi } from './http/openapi';

const MAX_JSON_BODY = 2 * 1024 * 1024;

/** Builds the HTTP app (also used in-process by end-to-end tests). */
export async function createGatewayApp(opts: { logger?: false } = {}): Promise<NestExpressApplication> {
  // body parsers are added by hand so text/csv bodies stay a stream for the import route
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bodyParser: false, logger: opts.logger ?? ['error', 'warn'] });
  // JSON bodies go through the hub's own parser: depth limit, no __proto__/constructor keys,
  // stable codes (MALFORMED_JSON, PAYLOAD_TOO_LARGE, SCHEMA_INVALID) — the same rules as the router
  const raw = express.raw({ limit: MAX_JSON_BODY, type: ['application/json', 'application/*+json'] });
  app.use((req: express.Request, res: express.Response, next: express.NextFunction) =>
    raw(req, res, (err?: unknown) => {
      try {
        if (err) throw err;
        if (Buffer.isBuffer(req.body)) req.body = req.body.length ? parseJsonBytes(req.body, { maxBytes: MAX_JSON_BODY }) : undefined;
        next();
      } catch (e) {
        const lt = toHttpError(e);
        res.status(lt.httpStatus).json({ error: lt.toJSON() });
      }
    }),
  );
  app.enableShutdownHooks();
  // Swagger UI at /docs, the OpenAPI document at /docs/openapi.json (docs/openapi.md)
  setupOpenApi(app);
  return app;
}
