import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import pino from 'pino';
import { REGISTRY_RPC } from '@lt/contracts';
import { respondRpc } from '@lt/messaging';
import { processRegistry } from '@lt/observability';
import type { TokenRole } from '@lt/crypto';
import { GatewayFixture } from '../support/gateway-fixture';

/**
 * The gateway's request observation: one JSON log line per request (request id, method, path
 * without the query, status, duration, caller agency, trace id), the X-Request-Id answer header,
 * the caller's traceparent carried on into the NATS request it makes, and the request metrics.
 * Real NATS (a stand-in registry answers `agency.list` on it) and PostgreSQL.
 */
jest.setTimeout(60_000);

const H41 = '000.00.00.H41';

interface RequestLine {
  msg: string;
  requestId: string;
  method: string;
  path: string;
  route: string;
  status: number;
  durationMs: number;
  agency?: string;
  traceId?: string;
}

let f: GatewayFixture;
const lines: RequestLine[] = [];
/** traceparent headers of the requests the stand-in registry got */
const registryTraceparents: string[] = [];

beforeAll(async () => {
  f = await GatewayFixture.create({ name: 'gateway-request-log' });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString('utf8').split('\n')) if (l.trim()) lines.push(JSON.parse(l) as RequestLine);
      done();
    },
  });
  f.nc.subscribe(f.topo.rpcSubject('registry', REGISTRY_RPC.list), {
    callback: (_err, msg) => {
      registryTraceparents.push(msg.headers?.get('traceparent') ?? '');
      respondRpc(msg, { result: { items: [], nextCursor: null } });
    },
  });
  await f.nc.flush();
  await f.startGateway({ log: pino({ level: 'info' }, sink) });
});

afterAll(async () => {
  await f?.close();
});

async function lineFor(requestId: string): Promise<RequestLine> {
  // the line is written when the response is gone: it may come a moment after the client has it
  for (let i = 0; i < 100; i++) {
    const line = lines.find((l) => l.requestId === requestId);
    if (line) return line;
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no request line for ${requestId}`);
}

it('logs one line with the caller agency and trace id, keeps a sane X-Request-Id and carries the traceparent into the NATS request', async () => {
  const traceId = randomBytes(16).toString('hex');
  const res = await fetch(`${f.base}/v1/agencies?cursor=secret-looking-value&limit=5`, {
    headers: {
      authorization: `Bearer ${f.token(`agency:${H41}` as TokenRole)}`,
      'x-request-id': 'req-42.abc',
      traceparent: `00-${traceId}-${randomBytes(8).toString('hex')}-01`,
    },
  });
  expect(res.status).toBe(200);
  expect(res.headers.get('x-request-id')).toBe('req-42.abc');

  const line = await lineFor('req-42.abc');
  expect(line).toMatchObject({ msg: 'http request', method: 'GET', path: '/v1/agencies', route: '/v1/agencies', status: 200, agency: H41, traceId });
  expect(JSON.stringify(line)).not.toContain('secret-looking-value');
  expect(line.durationMs).toBeGreaterThanOrEqual(0);

  // the registry's request continues the same trace, from the gateway's span (not the caller's)
  expect(registryTraceparents).toHaveLength(1);
  const [, carriedTrace, carriedSpan] = registryTraceparents[0]!.split('-');
  expect(carriedTrace).toBe(traceId);
  expect(carriedSpan).toMatch(/^[0-9a-f]{16}$/);
});

it('replaces an X-Request-Id that is not a plain token, and starts a trace when the caller sent none', async () => {
  const res = await fetch(`${f.base}/v1/agencies`, { headers: { 'x-request-id': 'bad id with spaces {"level":60}' } });
  expect(res.status).toBe(401);
  const requestId = res.headers.get('x-request-id')!;
  expect(requestId).toMatch(/^[0-9a-f-]{36}$/);
  const line = await lineFor(requestId);
  expect(line).toMatchObject({ method: 'GET', path: '/v1/agencies', status: 401 });
  expect(line.agency).toBeUndefined();
  expect(line.traceId).toMatch(/^[0-9a-f]{32}$/);
});

it('logs requests that match no route under a bounded route label, and counts every request by route and status', async () => {
  const res = await fetch(`${f.base}/no/such/path/${randomBytes(4).toString('hex')}`);
  expect(res.status).toBe(404);
  const line = await lineFor(res.headers.get('x-request-id')!);
  expect(line).toMatchObject({ status: 404, route: 'unmatched' });

  const text = await processRegistry().metrics();
  expect(text).toMatch(/^lt_gateway_http_requests_total\{method="GET",route="\/v1\/agencies",status="200"\} 1$/m);
  expect(text).toMatch(/^lt_gateway_http_requests_total\{method="GET",route="\/v1\/agencies",status="401"\} 1$/m);
  expect(text).toMatch(/^lt_gateway_http_requests_total\{method="GET",route="unmatched",status="404"\} 1$/m);
  expect(text).toMatch(/^lt_gateway_http_request_duration_seconds_count\{method="GET",route="\/v1\/agencies"\} 2$/m);
});
