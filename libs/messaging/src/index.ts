export * from './connection';
export * from './streams';
export { DEV_STREAM_LIMITS, streamLimitHit, type StreamLimitHit } from './stream-limits';
export * from './rpc';
export * from './durable-consumer';
export * from './publisher';
export {
  endSpan,
  ensureTrace,
  hasTrace,
  injectTraceContext,
  SpanKind,
  startBatchSpans,
  startSpan,
  traceContextOf,
  traceContextOfHttp,
  traceHeaders,
  traceIdOf,
  type Span,
  type TraceContext,
} from './trace-context';
export * from './hub-inbox-writer';
export * from './hub-keys-kv';
export { inboxConsumerAgency, readInboxBacklogs, summarizeInboxBacklogs, type InboxBacklog, type InboxBacklogs } from './inbox-backlog';
export { namespaceStreams, restoreStream, snapshotStream, type StreamRestoreOptions, type StreamSnapshotMeta, type StreamSnapshotOptions } from './stream-snapshot';
export { setUpHub, type HubSetup } from './hub-setup';
export * from './permissions';
export * from './nest';
