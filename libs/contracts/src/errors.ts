/**
 * Stable error codes shared by every service, the SDK, the gateway and the CLI.
 * Agency systems and auditors build on these strings: add codes, never rename them.
 */
export const ERROR_CODES = {
  // input
  INVALID_AGENCY_CODE: 422,
  SCHEMA_INVALID: 422,
  VALIDATION_FAILED: 422,
  PAYLOAD_TOO_LARGE: 413,
  MALFORMED_JSON: 400,
  BAD_REQUEST: 400,
  // registry
  UNKNOWN_AGENCY: 404,
  UNKNOWN_PARENT: 422,
  TIER_MISMATCH: 422,
  DUPLICATE: 409,
  SUCCESSOR_CYCLE: 422,
  HAS_ACTIVE_CHILDREN: 409,
  AGENCY_CLOSED: 409,
  AGENCY_SUSPENDED: 409,
  UNKNOWN_KEY: 404,
  KEY_REVOKED: 409,
  // messages
  BAD_SIGNATURE: 401,
  UNKNOWN_RECIPIENT: 422,
  CLOCK_SKEW: 422,
  FORBIDDEN: 403,
  SENDER_MISMATCH: 403,
  UNKNOWN_MESSAGE: 404,
  // an agency over its submission rate (router): send again later with a new envelope id
  RATE_LIMITED: 429,
  // more recipients than the sender's tier may reach with one submission
  BROADCAST_TOO_LARGE: 422,
  // a stream of the hub is at its size limit: new submissions are refused, stored ones are kept
  HUB_FULL: 507,
  // attachments (details.name names the attachment, details.attachmentId the upload)
  ATTACHMENT_TOO_LARGE: 413,
  ATTACHMENT_TOO_MANY: 422,
  ATTACHMENT_NAME_INVALID: 422,
  ATTACHMENT_SIZE_MISMATCH: 422,
  ATTACHMENT_DIGEST_MISMATCH: 422,
  // referenced by another envelope already
  ATTACHMENT_IN_USE: 409,
  // unknown, not readable by this agency, or removed: one code, so a guessed id reveals nothing
  ATTACHMENT_NOT_FOUND: 404,
  // not (yet) complete: an envelope naming an upload that did not finish, or a chunk out of order
  ATTACHMENT_INCOMPLETE: 409,
  // edXML packages (QCVN 102) and the agency connector
  // not well-formed XML: details.line and details.column say where
  EDXML_MALFORMED: 400,
  // a DOCTYPE, entity declaration or external entity: refused before parsing goes further
  EDXML_FORBIDDEN_CONSTRUCT: 400,
  // well-formed but not a valid edXML package: details.field is the element path (missing
  // element, value over its national length limit, date not in yyyy/MM/dd [HH:mm:ss] ...)
  EDXML_INVALID: 422,
  // a status package, recall, update or replacement naming a document this agency does not know
  EDXML_UNKNOWN_REFERENCE: 422,
  UNSUPPORTED_MEDIA_TYPE: 415,
  // the message has no form in the representation asked for (Accept header)
  NOT_ACCEPTABLE: 406,
  // a webhook receiver's checks (SDK verifyWebhook): bad or missing signature, too old, seen before
  WEBHOOK_SIGNATURE_INVALID: 401,
  WEBHOOK_REPLAYED: 409,
  // dossiers
  ILLEGAL_TRANSITION: 409,
  UNKNOWN_PROCEDURE: 422,
  UNKNOWN_DOSSIER: 404,
  // audit: the entry exists but no signed checkpoint covers it yet (details say when to retry)
  NOT_YET_CHECKPOINTED: 409,
  // operations: `lienthong restore` onto a hub that already has streams, tables or other key files
  RESTORE_TARGET_NOT_EMPTY: 409,
  // operations: a backup folder whose manifest or files do not match (changed, missing, unreadable)
  BACKUP_CORRUPT: 422,
  // auth
  UNAUTHENTICATED: 401,
  NOT_FOUND: 404,
  // infrastructure
  UNAVAILABLE: 503,
  TIMEOUT: 504,
  INTERNAL: 500,
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

export interface ErrorBody {
  code: ErrorCode;
  message: string;
  details?: Record<string, unknown>;
}

/** The one error type that crosses every boundary: HTTP, NATS request-reply, CLI, SDK. */
export class LtError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'LtError';
  }

  get httpStatus(): number {
    return ERROR_CODES[this.code] ?? 500;
  }

  toJSON(): ErrorBody {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }

  static fromBody(body: ErrorBody): LtError {
    const code = isErrorCode(body.code) ? body.code : 'INTERNAL';
    return new LtError(code, body.message, body.details);
  }
}

export function isErrorCode(value: unknown): value is ErrorCode {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(ERROR_CODES, value);
}

export function isLtError(value: unknown): value is LtError {
  return value instanceof LtError;
}

/** Wraps anything thrown into an LtError, keeping codes of errors that already have one. */
export function toLtError(err: unknown): LtError {
  if (err instanceof LtError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new LtError('INTERNAL', message);
}
