/**
 * @lt/tlog — pure transparency-log primitives for the audit service (no DB, no network):
 * RFC 9162 Merkle hashing, Go sumdb/tlog-compatible stored-hash layout and proofs, batch appends,
 * C2SP tlog-checkpoint bodies and C2SP signed notes with Ed25519 keys.
 */
export * from './hash';
export * from './stored-hash-index';
export * from './tree';
export * from './frontier';
export * from './note';
export * from './checkpoint';
