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
  const turn = new SameTurn();
  return (req: IncomingMessage, res: ServerResponse, next: () => void): void => {
    if (req.method !== 'POST' || !JSON_TYPE.test(req.headers['content-type'] ?? '')) return next();
    void handle(deps, policy, turn, req, res);
  };
}

/**
 * Runs the sends of the requests whose bodies completed in the same event-loop turn together, in
 * one callback: their NATS publishes then leave in one socket write (the client flushes once per
 * microtask turn), as they do for an SDK caller sending many documents at once.
 */
class SameTurn {
  private queue: Array<() => void> = [];

  run<T>(fn: () => Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.queue.length === 0) setImmediate(() => this.drain());
      this.queue.push(() => fn().then(resolve, reject));
    });
  }

  private drain(): void {
    const q = this.queue;
    this.queue = [];
    for (const f of q) f();
  }
}

async function handle(deps: ConnectorDeps, policy: CallerPolicy, turn: SameTurn, req: IncomingMessage, res: ServerResponse): Promise<void> {
  let status: number;
  let body: string;
  try {
    admitCaller(policy, req);
    const doc = parseOutboxDocument(await readJsonBody(req, deps.maxPackageBytes));
    const accepted = await turn.run(() => sendDocument(deps, doc));
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
