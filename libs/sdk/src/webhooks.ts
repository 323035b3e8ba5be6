import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import { LtError } from '@lt/contracts';

/**
 * Webhook receivers (Node): checks a webhook posted by the agency connector. The connector signs
 * with the Standard Webhooks scheme:
 *
 *   webhook-id:        the envelope id (the same on every retry: deduplicate on it)
 *   webhook-timestamp: seconds since the epoch of this attempt
 *   webhook-signature: v1,<base64 HMAC-SHA256(key, "<id>.<timestamp>.<raw body>")> (space-separated list)
 *
 * where key is the base64 after `whsec_` in the secret. Java and .NET receivers can use the
 * published Standard Webhooks libraries with the same secret.
 */

const SECRET_PREFIX = 'whsec_';
export const WEBHOOK_TOLERANCE_SEC = 300;

/** Ids already accepted by this receiver; a Set works, or anything shared between instances. */
export interface WebhookSeenIds {
  has(id: string): boolean;
  add(id: string): void;
}

export type WebhookHeaders = Record<string, string | string[] | undefined> | { get(name: string): string | null };

export interface VerifyWebhookOptions {
  /** `whsec_<base64>`, as given to the connector */
  secret: string;
  /** the request's headers (node:http IncomingHttpHeaders, a plain object or a fetch Headers) */
  headers: WebhookHeaders;
  /** the raw body exactly as received (not re-serialised JSON) */
  body: string | Buffer | Uint8Array;
  /** largest accepted distance between the webhook's timestamp and now, in seconds (default 300) */
  toleranceSec?: number;
  /** when given, an id found here is refused (WEBHOOK_REPLAYED) and an accepted one added */
  seen?: WebhookSeenIds;
  /** for tests: the time to compare the timestamp with */
  now?: Date;
}

export interface VerifiedWebhook<T = unknown> {
  /** webhook-id: the envelope id */
  id: string;
  timestamp: Date;
  payload: T;
}

export type WebhookInvalidReason =
  'missing-header' | 'malformed-timestamp' | 'malformed-signature' | 'timestamp-too-old' | 'timestamp-too-new' | 'signature-mismatch' | 'body-not-json';

/** A new secret for the connector's --webhook-secret and the receiver: whsec_ + 32 random bytes in base64. */
export function generateWebhookSecret(): string {
  return SECRET_PREFIX + randomBytes(32).toString('base64');
}

/** The `webhook-signature` value for a body (what the connector sends). */
export function signWebhook(secret: string, id: string, timestamp: Date, body: string | Buffer | Uint8Array): string {
  return `v1,${hmac(secretKey(secret), id, Math.floor(timestamp.getTime() / 1000), toBuffer(body)).toString('base64')}`;
}

/**
 * Checks headers, timestamp and signature of a webhook, then the `seen` ids; returns its id and
 * parsed JSON payload. Throws LtError WEBHOOK_SIGNATURE_INVALID (details.reason says which check
 * failed) or WEBHOOK_REPLAYED.
 */
export function verifyWebhook<T = unknown>(options: VerifyWebhookOptions): VerifiedWebhook<T> {
  const key = secretKey(options.secret);
  const id = header(options.headers, 'webhook-id');
  const timestampText = header(options.headers, 'webhook-timestamp');
  const signatures = header(options.headers, 'webhook-signature');
  if (!id || !timestampText || !signatures) {
    const missing = ['webhook-id', 'webhook-timestamp', 'webhook-signature'].filter((name) => !header(options.headers, name));
    throw invalid('missing-header', `webhook header missing: ${missing.join(', ')}`, { missing });
  }
  if (!/^\d{1,12}$/.test(timestampText))
    throw invalid('malformed-timestamp', `webhook-timestamp '${timestampText.slice(0, 40)}' is not whole seconds since the epoch`);
  const timestampSec = Number(timestampText);
  const nowSec = Math.floor((options.now ?? new Date()).getTime() / 1000);
  const toleranceSec = options.toleranceSec ?? WEBHOOK_TOLERANCE_SEC;
  if (nowSec - timestampSec > toleranceSec)
    throw invalid('timestamp-too-old', `webhook-timestamp is ${nowSec - timestampSec} s old (tolerance ${toleranceSec} s)`);
  if (timestampSec - nowSec > toleranceSec)
    throw invalid('timestamp-too-new', `webhook-timestamp is ${timestampSec - nowSec} s ahead (tolerance ${toleranceSec} s)`);

  const body = toBuffer(options.body);
  const expected = hmac(key, id, timestampSec, body);
  const offered = signatures.split(' ').filter((part) => part.length > 0);
  const v1 = offered.filter((part) => part.startsWith('v1,')).map((part) => Buffer.from(part.slice(3), 'base64'));
  if (v1.length === 0) throw invalid('malformed-signature', 'webhook-signature has no v1,<base64> signature');
  if (!v1.some((candidate) => candidate.length === expected.length && timingSafeEqual(candidate, expected))) {
    throw invalid('signature-mismatch', 'webhook-signature does not match the body signed with this secret');
  }

  if (options.seen?.has(id)) throw new LtError('WEBHOOK_REPLAYED', `webhook '${id}' was already accepted`, { id });
  let payload: T;
  try {
    payload = JSON.parse(body.toString('utf8')) as T;
  } catch {
    throw invalid('body-not-json', 'webhook body is signed but not JSON');
  }
  options.seen?.add(id);
  return { id, timestamp: new Date(timestampSec * 1000), payload };
}

function secretKey(secret: string): Buffer {
  const base64 = secret.startsWith(SECRET_PREFIX) ? secret.slice(SECRET_PREFIX.length) : secret;
  const key = Buffer.from(base64, 'base64');
  if (key.length === 0 || !/^[A-Za-z0-9+/]+={0,2}$/.test(base64)) {
    throw new LtError('VALIDATION_FAILED', 'webhook secret must be whsec_ followed by base64 (generateWebhookSecret makes one)', { field: 'secret' });
  }
  return key;
}

function hmac(key: Buffer, id: string, timestampSec: number, body: Buffer): Buffer {
  return createHmac('sha256', key).update(`${id}.${timestampSec}.`).update(body).digest();
}

function toBuffer(body: string | Buffer | Uint8Array): Buffer {
  if (typeof body === 'string') return Buffer.from(body, 'utf8');
  return Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength);
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  if (typeof (headers as { get?: unknown }).get === 'function') return (headers as { get(name: string): string | null }).get(name) ?? undefined;
  const record = headers as Record<string, string | string[] | undefined>;
  let value = record[name];
  if (value === undefined) {
    const key = Object.keys(record).find((candidate) => candidate.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  return Array.isArray(value) ? value[0] : value;
}

function invalid(reason: WebhookInvalidReason, message: string, extra: Record<string, unknown> = {}): LtError {
  return new LtError('WEBHOOK_SIGNATURE_INVALID', message, { reason, ...extra });
}
