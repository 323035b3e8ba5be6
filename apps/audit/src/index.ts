// the RPC contract is in @lt/contracts, offline verification and the entry's canonical form in @lt/audit-log
export * from './config';
export { createAuditService, type AuditService, type AuditServiceDeps } from './audit.service';
export { AuditModule, resolveAuditOptions, type AuditModuleDeps } from './audit.module';
export { entryFromEvent, entryFromInboxCopy, type EntryDraft, type StreamMessage } from './domain/entry';
export type { EarlierCheckpointKey, LogKeys } from './checkpoint/log-keys';
