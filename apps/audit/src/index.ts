// the RPC contract is in @lt/contracts, offline verification and the entry's canonical form in @lt/audit-log
export * from './config';
export { createAuditService, type AuditService, type AuditServiceDeps } from './audit.service';
export { AuditModule, resolveAuditOptions, type AuditModuleDeps } from './audit.module';
export { AUDIT_INBOX_CONSUMER } from './use-cases/append-entries/consumers';
export { entryFromEvent, entryFromInboxCopy, type EntryDraft, type StreamMessage } from './domain/entry';
export type { EarlierCheckpointKey, LogKeys } from './checkpoint/log-keys';
