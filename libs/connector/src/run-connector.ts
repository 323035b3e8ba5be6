import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { parseAgencyCode } from '@lt/contracts';
import { ConfigError, type Logger } from '@lt/platform';
import { connect, generateWebhookSecret, type ConnectOptions, type LienThongClient } from '@lt/sdk';
import type { ConnectorDeps } from './deps';
import { createConnectorApp } from './http/create-app';
import { InboxPump } from './inbox/inbox-pump';
import { callerPolicy, connectorStateDir, type CallerPolicy, type ConnectorSettings } from './settings';
import type { ConnectorStore } from './store/connector-store';
import { FileConnectorStore } from './store/file-connector-store';
import { messageView } from './use-cases/inbox-views';
import { WebhookDispatcher } from './webhooks/webhook-dispatcher';

export interface RunConnectorOptions {
  agencyCode: string;
  settings: ConnectorSettings;
  /** how the SDK reaches the hub: natsUrl, natsOptions (the agency's seed, TLS), keyFile, ns */
  hub: Omit<ConnectOptions, 'agencyCode' | 'autoArrived' | 'stateDir'>;
  log: Logger;
  /** test hook: webhook retry pacing */
  webhookPacing?: { baseDelayMs?: number; maxDelayMs?: number; timeoutMs?: number };
}

export interface RunningConnector {
  agencyCode: string;
  /** base URL of the HTTP API */
  url: string;
  stateDir: string;
  policy: CallerPolicy['kind'];
  webhookUrl?: string;
  webhookSecretFile?: string;
  client: LienThongClient;
  store: ConnectorStore;
  stop(): Promise<void>;
}

/**
 * The agency connector as one process: its store (taking the folder's lock), the SDK client with
 * the agency's key and NATS credentials, the inbox pump, the webhook dispatcher when a URL is set,
 * and the HTTP API. Refuses to start when its HTTP API would be open to the network.
 */
export async function runConnector(o: RunConnectorOptions): Promise<RunningConnector> {
  const agencyCode = parseAgencyCode(o.agencyCode);
  const s = o.settings;
  const token = s.tokenFile ? readSecretFile(s.tokenFile, 'LT_CONNECTOR_TOKEN_FILE') : undefined;
  const policy = callerPolicy(s, token);
  if (s.tlsDir)
    for (const f of ['ca.pem', 'server-cert.pem', 'server-key.pem'])
      if (!existsSync(join(s.tlsDir, f))) throw new ConfigError('LT_CONNECTOR_TLS_DIR', `${join(s.tlsDir, f)} does not exist`);

  const stateDir = connectorStateDir(s, agencyCode);
  mkdirSync(stateDir, { recursive: true, mode: 0o700 });
  const store = new FileConnectorStore({ dir: join(stateDir, 'store'), logger: o.log });
  await store.open();
  const cleanups: Array<() => Promise<void>> = [() => store.close()];
  const undo = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };
  try {
    const client = await connect({ ...o.hub, agencyCode, autoArrived: false, stateDir: join(stateDir, 'sdk'), logger: o.log });
    let dispatcher: WebhookDispatcher | undefined;
    const pump = new InboxPump(client, store, o.log, { webhook: !!s.webhookUrl, onStored: () => dispatcher?.notify() });
    // closing the client ends the inbox feed, and with it the pump's loop
    cleanups.push(async () => {
      pump.halt();
      await client.close();
      await pump.finished();
    });

    let webhookSecretFile: string | undefined;
    if (s.webhookUrl) {
      webhookSecretFile = s.webhookSecretFile ?? join(stateDir, 'webhook-secret');
      const secret = webhookSecret(webhookSecretFile, !s.webhookSecretFile);
      dispatcher = new WebhookDispatcher({
        store,
        url: s.webhookUrl,
        secret,
        render: messageView,
        logger: o.log,
        maxAttempts: s.webhookMaxAttempts,
        ...o.webhookPacing,
      });
      dispatcher.start();
      const d = dispatcher;
      cleanups.push(() => d.stop());
      const parked = await store.countParked();
      if (parked) o.log.warn({ parked }, 'webhooks parked after their retries ran out; still listed by GET /v1/inbox');
    }

    const deps: ConnectorDeps = {
      agencyCode,
      client,
      store,
      log: o.log,
      spoolDir: join(stateDir, 'spool'),
      maxPackageBytes: s.maxPackageBytes,
      ...(dispatcher ? { webhooks: dispatcher } : {}),
    };
    pump.start();

    const app: NestExpressApplication = await createConnectorApp(deps, policy, o.log, s.tlsDir ? { tlsDir: s.tlsDir } : undefined);
    await app.listen(s.port, s.host);
    cleanups.push(() => app.close());
    const port = (app.getHttpServer().address() as AddressInfo).port;
    const host = s.host.includes(':') ? `[${s.host}]` : s.host;
    const url = `${s.tlsDir ? 'https' : 'http'}://${host}:${port}`;
    o.log.info({ url, agency: agencyCode, stateDir, policy: policy.kind, webhook: s.webhookUrl ?? null }, 'connector listening');
    let stopped: Promise<void> | undefined;
    return {
      agencyCode,
      url,
      stateDir,
      policy: policy.kind,
      ...(s.webhookUrl ? { webhookUrl: s.webhookUrl, webhookSecretFile } : {}),
      client,
      store,
      stop: () => (stopped ??= undo()),
    };
  } catch (err) {
    await undo();
    throw err;
  }
}

function readSecretFile(path: string, variable: string): string {
  if (!existsSync(path)) throw new ConfigError(variable, `${path} does not exist`);
  const value = readFileSync(path, 'utf8').trim();
  if (!value) throw new ConfigError(variable, `${path} is empty`);
  return value;
}

/** The webhook secret: read, or made once (0600) when the default file does not exist yet. */
function webhookSecret(path: string, mayCreate: boolean): string {
  if (!existsSync(path)) {
    if (!mayCreate) throw new ConfigError('LT_CONNECTOR_WEBHOOK_SECRET_FILE', `${path} does not exist`);
    writeFileSync(path, generateWebhookSecret() + '\n', { mode: 0o600, flag: 'wx' });
  }
  const secret = readSecretFile(path, 'LT_CONNECTOR_WEBHOOK_SECRET_FILE');
  if (!secret.startsWith('whsec_')) throw new ConfigError('LT_CONNECTOR_WEBHOOK_SECRET_FILE', `${path} must hold a whsec_<base64> secret`);
  return secret;
}
