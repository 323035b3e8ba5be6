import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Registry } from 'prom-client';
import { checkReadiness, type ReadinessCheck } from './readiness';

export interface MetricsServerOptions {
  registry: Registry;
  host: string;
  /** 0: any free port (tests) */
  port: number;
  /** checks of this server only, next to the process-wide ones (addReadinessCheck) */
  checks?: Record<string, ReadinessCheck>;
}

/**
 * A plain node:http server beside the service (no Nest, no framework): `GET /metrics` in the
 * Prometheus text format, `GET /health/live` (200 while the process answers) and
 * `GET /health/ready` (200 when every readiness check passes, else 503 with the failing ones).
 */
export class MetricsServer {
  private constructor(
    private readonly server: Server,
    readonly url: string,
  ) {}

  /** Listens; a port in use is an error naming the port, not a crash. */
  static async listen(o: MetricsServerOptions): Promise<MetricsServer> {
    const server = createServer((req, res) => {
      const path = (req.url ?? '/').split('?')[0];
      const send = (status: number, type: string, body: string) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      };
      if (req.method !== 'GET' && req.method !== 'HEAD') return send(405, 'text/plain', 'method not allowed\n');
      if (path === '/health/live') return send(200, 'application/json', '{"live":true}\n');
      if (path === '/health/ready') {
        void checkReadiness(o.checks).then((r) => send(r.ready ? 200 : 503, 'application/json', JSON.stringify(r) + '\n'));
        return;
      }
      if (path === '/metrics') {
        o.registry.metrics().then(
          (text) => send(200, o.registry.contentType, text),
          (err: Error) => send(500, 'text/plain', `metrics failed: ${err.message}\n`),
        );
        return;
      }
      send(404, 'text/plain', 'not found: try /metrics, /health/live or /health/ready\n');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(o.port, o.host, () => {
        server.off('error', reject);
        resolve();
      });
    });
    const addr = server.address() as AddressInfo;
    const host = addr.family === 'IPv6' ? `[${addr.address}]` : addr.address;
    return new MetricsServer(server, `http://${host}:${addr.port}`);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => {
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }
}
