import { LtError } from '@lt/contracts';

const BASE64URL_CHARS = /^[A-Za-z0-9_-]*$/;
const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Unpadded base64url (RFC 4648 section 5), as JWS uses it. */
export function base64urlEncode(data: Uint8Array | string): string {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  return buf.toString('base64url');
}

/**
 * Reason a string is not canonical unpadded base64url, or null when it is.
 * Node's decoder silently skips stray characters and ignores leftover bits; we refuse both so one
 * byte string has exactly one encoding.
 */
export function base64urlProblem(value: string): string | null {
  if (!BASE64URL_CHARS.test(value)) return 'contains characters outside the base64url alphabet (A-Z a-z 0-9 - _, no padding)';
  const rem = value.length % 4;
  if (rem === 1) return `has an impossible length ${value.length}`;
  if (rem !== 0) {
    const last = ALPHABET.indexOf(value[value.length - 1]!);
    const unusedBits = rem === 2 ? 0b1111 : 0b11;
    if ((last & unusedBits) !== 0) return 'is not canonical (non-zero trailing bits)';
  }
  return null;
}

export function isBase64url(value: unknown): value is string {
  return typeof value === 'string' && base64urlProblem(value) === null;
}

/** Strict decode; throws SCHEMA_INVALID naming `field` when the input is not canonical base64url. */
export function base64urlDecode(value: unknown, field = 'value'): Buffer {
  if (typeof value !== 'string') {
    throw new LtError('SCHEMA_INVALID', `${field} must be a base64url string, got ${value === null ? 'null' : typeof value}`, { field });
  }
  const problem = base64urlProblem(value);
  if (problem) throw new LtError('SCHEMA_INVALID', `${field} ${problem}`, { field });
  return Buffer.from(value, 'base64url');
}
