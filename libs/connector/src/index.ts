/**
 * The agency connector: what an agency runs beside its own systems (Java, .NET, edXML over HTTP)
 * to exchange through the hub. It holds the agency key and NATS credentials, signs as the agency,
 * keeps its inbox on its own disk and serves it over HTTP and webhooks (docs/connector.md).
 */
export {
  type ConnectorStore,
  type InboundEntry,
  type InboundRecord,
  type ListOptions,
  type SentRecord,
  type WebhookProgress,
  type WebhookState,
} from './store/connector-store';
export { FileConnectorStore, JOURNAL_FILE, LOCK_FILE, type FileConnectorStoreOptions } from './store/file-connector-store';
export { WebhookDispatcher, WEBHOOK_DEFAULTS, WEBHOOK_JITTER, webhookRetryDelayMs, type WebhookDispatcherOptions } from './webhooks/webhook-dispatcher';
export { runConnector, type RunConnectorOptions, type RunningConnector } from './run-connector';
export { loadConnectorSettings, connectorStateDir, callerPolicy, isLoopbackHost, type CallerPolicy, type ConnectorSettings } from './settings';
export { createConnectorApp, connectorOpenApi } from './http/create-app';
export { InboxPump, inboundRecordOf } from './inbox/inbox-pump';
export { derivedStatusId } from './use-cases/ack-message';
export type { ConnectorDeps } from './deps';
