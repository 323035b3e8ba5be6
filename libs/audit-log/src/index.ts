/**
 * @lt/audit-log — what an auditor runs WITHOUT the audit service (no database, no network, only the
 * log's verifier key): the canonical bytes and leaf hash of a log entry, verification of an
 * exported bundle, of inclusion / consistency proofs and of hub receipts. The audit service builds
 * on the same code, so the service and an offline verifier cannot disagree on what was hashed.
 * The request/response types (AUDIT_RPC, bundle format) are in @lt/contracts.
 */
export * from './canonical-entry';
export * from './hash-layout';
export * from './log-checker';
export * from './verify-bundle';
export * from './verify-proofs';
