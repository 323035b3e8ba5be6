import type { IncomingMessage, ServerResponse } from 'node:http';
import { toHttpError } from '@lt/platform';
import type { ConnectorDeps } from '../deps';
import type { CallerPolicy } from '../settings';
import { parseOutboxDocument, sendDocument } from '../use-cases/send-document';
import { admitCaller } from './caller.guard';
import { readJsonBody } from './request-body';

const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

/**
 * `POST /v1/outbox` with a JSON document, served ahead of Nest's pipeline: the route agencies call
 * most, where the bench measured Nest and Express (routing, guards, interceptors, ETag of the
 * answer) at about a third of the connector's CPU per document (docs/connector.md, Performance).
 * Same caller check, same use case, same answers; every other request goes on to Nest (edXML and
 * multipart bodies included), and the OpenAPI description is the controller's.
 */
export function jsonOutboxFastPath(deps: ConnectorDeps, policy: CallerPolicy) {
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.method !== 'POST' || !JSON_TYPE.test(req.headers['content-type'] ?? '')) return next();
    void handle(deps, policy, req, res);
  };
}

async function handle(deps: ConnectorDeps, policy: CallerPolicy, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let status: number;
  let body: string;
  try {
    admitCaller(policy, req);
    const accepted = await sendDocument(deps, parseOutboxDocument(await readJsonBody(req, deps.maxPackageBytes)));
    status = 202;
    body = JSON.stringify(accepted);
  } catch (err) {
    const e = toHttpError(err);
    if (e.httpStatus >= 500 && e.code !== 'UNAVAILABLE' && e.code !== 'TIMEOUT')
      deps.log.error({ err: err instanceof Error ? err.stack : String(err) }, 'POST /v1/outbox failed');
    status = e.httpStatus;
    body = JSON.stringify({ error: e.toJSON() });
  }
  // a body over the limit is not read further: close the connection rather than drain it
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(body);
}
