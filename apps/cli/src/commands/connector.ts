import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { LtError, parseAgencyCode } from '@lt/contracts';
import { loadConnectorSettings, runConnector, type ConnectorSettings } from '@lt/connector';
import { createLogger, keyPaths } from '@lt/platform';
import type { CliContext } from '../context';

interface ConnectorCliOptions {
  as: string;
  port?: string;
  host?: string;
  webhook?: string;
  tokenFile?: string;
  tlsDir?: string;
  stateDir?: string;
  key?: string;
}

/**
 * `lienthong connector --as CODE`: the agency connector in the foreground, with the NATS server,
 * seed and TLS trust found as for `send` (npm start's own server on the hub machine). Runs until
 * Ctrl-C.
 */
export function registerConnectorCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('connector')
    .description("run the agency connector: HTTP (JSON and edXML) and webhooks for the agency's own systems, signing as the agency")
    .requiredOption('--as <code>', 'agency the connector acts for')
    .option('--port <n>', 'HTTP port (default $LT_CONNECTOR_PORT or 8090; 0: a free one)')
    .option('--host <address>', 'listen address (default $LT_CONNECTOR_HOST or 127.0.0.1); not loopback: needs --token-file or --tls-dir')
    .option('--webhook <url>', 'POST each new message here (Standard Webhooks signature)')
    .option('--token-file <file>', 'bearer token callers must present (at least 32 characters)')
    .option('--tls-dir <dir>', 'serve HTTPS with client certificates required: ca.pem, server-cert.pem, server-key.pem')
    .option('--state-dir <dir>', 'where received messages are kept (default <data dir>/connector/<code>)')
    .option('--key <file>', 'private key file (default: the demo key of --as)')
    .addHelpText('after', '\nAPI description at <url>/docs (OpenAPI at <url>/docs/openapi.json). docs/connector.md explains the routes, edXML and webhooks.')
    .action(async (o: ConnectorCliOptions) => {
      const c = ctx();
      const agencyCode = parseAgencyCode(o.as);
      const base = loadConnectorSettings(process.env);
      const settings: ConnectorSettings = {
        ...base,
        dataDir: c.dataDir,
        ...(o.port !== undefined ? { port: portOption(o.port) } : {}),
        ...(o.host ? { host: o.host } : {}),
        ...(o.webhook ? { webhookUrl: webhookOption(o.webhook) } : {}),
        ...(o.tokenFile ? { tokenFile: o.tokenFile } : {}),
        ...(o.tlsDir ? { tlsDir: o.tlsDir } : {}),
        ...(o.stateDir ? { stateDir: o.stateDir } : {}),
      };
      const keyFile = o.key ?? settings.keyFile ?? keyPaths.agency(c.dataDir, agencyCode);
      if (!existsSync(keyFile)) {
        throw new LtError(
          'VALIDATION_FAILED',
          `no private key for ${agencyCode}: ${keyFile} does not exist; pass --key FILE (npm start writes demo keys there)`,
          { field: 'key' },
        );
      }
      const log = createLogger('connector');
      const running = await runConnector({
        agencyCode,
        settings,
        hub: { natsUrl: c.natsUrl, natsOptions: c.agencyNatsOptions(agencyCode), ns: c.ns, keyFile },
        log,
      });
      const info = {
        agency: agencyCode,
        url: running.url,
        docs: `${running.url}/docs`,
        stateDir: running.stateDir,
        callers: running.policy,
        ...(running.webhookUrl ? { webhook: running.webhookUrl, webhookSecretFile: running.webhookSecretFile } : {}),
      };
      c.print(info, () =>
        [
          `connector for ${agencyCode} listening on ${running.url} (API description: ${running.url}/docs)`,
          `  callers admitted: ${running.policy === 'loopback' ? 'local (loopback) only' : running.policy}`,
          `  messages kept in ${running.stateDir}`,
          ...(running.webhookUrl ? [`  webhooks to ${running.webhookUrl}, secret in ${running.webhookSecretFile}`] : []),
          '  Ctrl-C to stop',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        const stop = () => resolve();
        process.once('SIGINT', stop);
        process.once('SIGTERM', stop);
      });
      await running.stop();
    });
}

function portOption(value: string): number {
  const n = Number(value);
  if (!/^\d{1,5}$/.test(value) || n > 65535)
    throw new LtError('VALIDATION_FAILED', `--port must be a port number (0-65535), got ${JSON.stringify(value)}`, { field: 'port' });
  return n;
}

function webhookOption(value: string): string {
  let u: URL;
  try {
    u = new URL(value);
  } catch {
    throw new LtError('VALIDATION_FAILED', `--webhook must be an http(s) URL, got ${JSON.stringify(value)}`, { field: 'webhook' });
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:')
    throw new LtError('VALIDATION_FAILED', `--webhook must be an http(s) URL, got ${JSON.stringify(value)}`, { field: 'webhook' });
  return value;
}
