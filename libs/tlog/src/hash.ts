import { hash } from 'node:crypto';
import { LtError } from '@lt/contracts';

/** Size in bytes of every hash in the log (SHA-256). */
export const HASH_SIZE = 32;

/**
 * Root hash of the empty tree: SHA-256 of the empty string (RFC 9162 section 2.1.1).
 * Go's sumdb/tlog returns 32 zero bytes for size 0 instead; neither Go's proofs nor ours accept size 0,
 * so the difference only shows in a checkpoint of an empty log.
 */
export const EMPTY_TREE_HASH: Buffer = hash('sha256', Buffer.alloc(0), 'buffer');

const LEAF_PREFIX = Buffer.from([0x00]);

/** RFC 9162 leaf hash: SHA-256(0x00 || data). Go: tlog.RecordHash. */
export function leafHash(entryBytes: Uint8Array): Buffer {
  return hash('sha256', Buffer.concat([LEAF_PREFIX, entryBytes]), 'buffer');
}

// One scratch buffer for interior nodes: hashing is synchronous, so reuse is safe and saves an allocation per node.
const nodeScratch = Buffer.alloc(1 + 2 * HASH_SIZE);
nodeScratch[0] = 0x01;

/** RFC 9162 interior node hash: SHA-256(0x01 || left || right). Go: tlog.NodeHash. */
export function nodeHash(left: Uint8Array, right: Uint8Array): Buffer {
  assertHash(left, 'left');
  assertHash(right, 'right');
  nodeScratch.set(left, 1);
  nodeScratch.set(right, 1 + HASH_SIZE);
  return hash('sha256', nodeScratch, 'buffer');
}

export function assertHash(value: Uint8Array, field: string): void {
  if (!(value instanceof Uint8Array) || value.length !== HASH_SIZE) {
    throw new LtError('VALIDATION_FAILED', `${field} must be a ${HASH_SIZE}-byte hash`, {
      field,
      length: value instanceof Uint8Array ? value.length : null,
    });
  }
}

/** Standard (padded) base64 of a hash, the form used in checkpoints and by Go's tlog.Hash.String. */
export function encodeHash(h: Uint8Array): string {
  assertHash(h, 'hash');
  return Buffer.from(h.buffer, h.byteOffset, h.byteLength).toString('base64');
}

/** Strict inverse of encodeHash: exactly 44 characters of canonical standard base64 for 32 bytes. */
export function decodeHash(text: string, field = 'hash'): Buffer {
  const decoded = decodeCanonicalBase64(text);
  if (decoded === null || decoded.length !== HASH_SIZE) {
    throw new LtError('VALIDATION_FAILED', `${field} must be standard base64 of ${HASH_SIZE} bytes`, { field, value: text });
  }
  return decoded;
}

const BASE64_STD = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/**
 * Decodes RFC 4648 section 4 base64 with padding, rejecting anything Node would silently accept
 * (url-safe alphabet, missing padding, whitespace, non-zero trailing bits). Returns null when invalid.
 */
export function decodeCanonicalBase64(text: string): Buffer | null {
  if (typeof text !== 'string' || !BASE64_STD.test(text)) return null;
  const decoded = Buffer.from(text, 'base64');
  return decoded.toString('base64') === text ? decoded : null;
}
