import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { trace } from '@opentelemetry/api';
import pino from 'pino';
import { startTracing } from './tracing';

const log = pino({ level: 'silent' });
const ROOT = resolve(__dirname, '../../..');

/**
 * The OTLP exporter loads node:http with a dynamic import(), which Jest's module sandbox cannot
 * run: the export is checked in a plain node child that compiles these sources with swc.
 */
const CHILD = `
const Module = require('node:module');
const { join } = require('node:path');
const swc = require('@swc/core');
const root = process.argv[1];
const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const lt = /^@lt\\/([a-z-]+)$/.exec(request);
  return resolveFilename.call(this, lt ? join(root, 'libs', lt[1], 'src', 'index.ts') : request, ...rest);
};
const options = { swcrc: false, module: { type: 'commonjs' }, jsc: { target: 'es2022', parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true } } };
require.extensions['.ts'] = (m, file) => m._compile(swc.transformFileSync(file, options).code, file);
const { trace } = require('@opentelemetry/api');
const { startTracing } = require(join(root, 'libs/observability/src/tracing.ts'));
(async () => {
  const tracing = await startTracing({ service: 'router', log: require('pino')({ level: 'silent' }), env: { LT_OTLP_ENDPOINT: process.env.ENDPOINT } });
  const span = trace.getTracer('test').startSpan('router route');
  process.stdout.write(JSON.stringify({ endpoint: tracing.endpoint, recording: span.isRecording(), traceId: span.spanContext().traceId }));
  span.end();
  await tracing.stop();
})();
`;

describe('startTracing (LT_OTLP_ENDPOINT)', () => {
  it('is off without LT_OTLP_ENDPOINT: no provider registered, spans do not record', async () => {
    const tracing = await startTracing({ service: 'router', log, env: {} });
    expect(tracing.endpoint).toBeUndefined();
    const span = trace.getTracer('test').startSpan('nothing');
    expect(span.isRecording()).toBe(false);
    span.end();
    await tracing.stop();
  });

  it('refuses an endpoint that is not an http(s) URL, naming the variable', async () => {
    await expect(startTracing({ service: 'router', log, env: { LT_OTLP_ENDPOINT: 'collector:4318' } })).rejects.toThrow(/LT_OTLP_ENDPOINT/);
  });

  it('with LT_OTLP_ENDPOINT, exports the spans over OTLP/HTTP to <url>/v1/traces with the service name (a real HTTP collector stand-in)', async () => {
    const received: Array<{ path?: string; headers: IncomingHttpHeaders; body: string }> = [];
    const collector = await listen((req, body) => received.push({ path: req.url, headers: req.headers, body }));
    try {
      const endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}/`;
      // not spawnSync: the collector stand-in answers in this process while the child waits for it
      const child = await run(process.execPath, ['-e', CHILD, ROOT], { cwd: ROOT, env: { ...process.env, ENDPOINT: endpoint } });
      expect({ status: child.status, stderr: child.stderr }).toEqual({ status: 0, stderr: '' });
      const out = JSON.parse(child.stdout) as { endpoint: string; recording: boolean; traceId: string };
      expect(out).toMatchObject({ endpoint: `${endpoint}v1/traces`, recording: true });
      // stop() exported what the batch processor held, before the child exited
      expect(received).toHaveLength(1);
      expect(received[0]!.path).toBe('/v1/traces');
      expect(received[0]!.body).toContain('lienthong-router');
      expect(received[0]!.body).toContain('router route');
      expect(received[0]!.body.toLowerCase()).toContain(out.traceId);
    } finally {
      await new Promise((r) => collector.close(r));
    }
  }, 60_000);
});

function run(cmd: string, args: string[], opts: { cwd: string; env: NodeJS.ProcessEnv }): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((done) => {
    const p = spawn(cmd, args, opts);
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    p.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    p.on('close', (status) => done({ status, stdout, stderr }));
  });
}

function listen(onRequest: (req: { url?: string; headers: IncomingHttpHeaders }, body: string) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        onRequest(req, Buffer.concat(chunks).toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end('{}');
      });
    });
    server.listen(0, '127.0.0.1', () => resolve(server));
  });
}
