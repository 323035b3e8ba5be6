import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import express from 'express';
import pino from 'pino';
import { parseJsonBytes } from '@lt/contracts';
import { createLogger, type Logger } from '@lt/platform';
import { GatewayModule } from './gateway.module';
import { toHttpError } from './http/error.filter';
import { setupOpenApi } from './http/openapi';
import { HttpRequestObserver } from './http/request-log';

const MAX_JSON_BODY = 2 * 1024 * 1024;

/**
 * Builds the HTTP app (also used in-process by end-to-end tests). `log` gets one line per request
 * (default: the gateway's logger, or none with `logger: false`).
 */
export async function createGatewayApp(opts: { logger?: false; log?: Logger } = {}): Promise<NestExpressApplication> {
  // body parsers are added by hand so text/csv bodies stay a stream for the import route
  const app = await NestFactory.create<NestExpressApplication>(GatewayModule, { bodyParser: false, logger: opts.logger ?? ['error', 'warn'] });
  const observer = new HttpRequestObserver(opts.log ?? (opts.logger === false ? pino({ level: 'silent' }) : createLogger('gateway')));
  // first, so that refusals of the body parser are logged and counted too
  app.use(observer.observe);
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
  app.use(observer.rebind);
  app.enableShutdownHooks();
  // Swagger UI at /docs, the OpenAPI document at /docs/openapi.json (docs/openapi.md)
  setupOpenApi(app);
  return app;
}
