import type { ErrorCode } from '@lt/contracts';

/**
 * The hostile-input corpus: every case the hub must survive, as data. Each case names its target
 * (router, gateway, csv import, sdk), what is sent, and what must come back: the stable error code
 * and the outcome. The spec files beside this module (one per target, one hub per file) turn each
 * input into bytes and check the outcome; the pure parser and validator have their own fast-check
 * fuzz tests in libs/contracts (agency-code.spec.ts, envelope/validate.spec.ts, json/safe-json.spec.ts)
 * and router.e2e.spec.ts adds a service-level fuzz pass over the running router.
 *
 * Codes below are the hub's documented behaviour (errors.ts, route-submission.ts, safe-json.ts),
 * not whatever a service happens to answer today: a case that fails is a bug report.
 */

export type Target = 'router' | 'gateway' | 'csv' | 'sdk';

// ---------------------------------------------------------------- the directory every file sets up

/** Agencies of the test directory (imported through the gateway as CSV at the start of a file). */
export const AGENCY = {
  /** province; keys k1 (main), krev (revoked), kexp (expired window), kfut (valid from 2099), kready */
  sender: '000.00.00.H41',
  /** district under sender, the usual recipient */
  recipient: '000.00.05.H41',
  /** commune under recipient (for childrenOf selectors) */
  commune: '000.01.05.H41',
  /** district, closed without a successor */
  closed: '000.00.07.H41',
  /** district with key k1, suspended */
  suspended: '000.00.09.H41',
  /** another province with key k1 */
  other: '000.00.00.H49',
  /** never registered */
  unknown: '000.00.77.H41',
} as const;
export type Party = 'sender' | 'other' | 'suspended';

export const DIRECTORY_CSV = [
  'code,name,tier,parent_code',
  `${AGENCY.sender},Ủy ban nhân dân tỉnh Nghệ An,province,`,
  `${AGENCY.recipient},Ủy ban nhân dân huyện Quỳnh Lưu,district,${AGENCY.sender}`,
  `${AGENCY.commune},Ủy ban nhân dân xã Quỳnh Thạch,commune,${AGENCY.recipient}`,
  `${AGENCY.closed},Ủy ban nhân dân huyện đã giải thể,district,${AGENCY.sender}`,
  `${AGENCY.suspended},Ủy ban nhân dân huyện bị tạm dừng,district,${AGENCY.sender}`,
  `${AGENCY.other},Ủy ban nhân dân tỉnh Quảng Ninh,province,`,
  '',
].join('\n');

/** Key windows registered through the gateway (POST /v1/agencies/:code/keys). */
export const KEY_WINDOWS: Record<string, { notBefore?: string; notAfter?: string }> = {
  // registered long ago, as a real agency key: an envelope issued a few minutes back is in its window
  k1: { notBefore: '2020-01-01T00:00:00Z' },
  kready: { notBefore: '2020-01-01T00:00:00Z' },
  kexp: { notBefore: '2020-01-01T00:00:00Z', notAfter: '2021-01-01T00:00:00Z' },
  kfut: { notBefore: '2099-01-01T00:00:00Z' },
};

// ---------------------------------------------------------------- hostile strings

/** Injection attempts put into every text field. */
export const INJECTIONS = {
  sql: "'; DROP TABLE agencies;--",
  html: '<script>alert(1)</script>',
  jndi: '${jndi:ldap://x}',
  path: '../../etc/passwd',
  crlf: '\r\nLt-From: 000.00.00.H49',
  nul: 'trước\u0000sau',
  rtl: 'hop-dong\u202Efdp.exe',
} as const;
export type InjectionName = keyof typeof INJECTIONS;

/** Look-alike codes: every one is refused by the parser, never normalised. */
export const CONFUSABLE = {
  /** Cyrillic EN (U+041D) for H */
  cyrillic: '000.00.00.\u041D41',
  /** fullwidth digits */
  fullwidth: '\uFF10\uFF10\uFF10.00.05.H41',
  /** zero-width space after the code */
  zeroWidth: `${'000.00.05.H41'}\u200B`,
  /** NUL inside the code: the refusal message must not carry it raw */
  nul: '000.00.\u0000.H41',
} as const;

// ---------------------------------------------------------------- router cases

export type RouterOutcome =
  /** copies in every recipient inbox, byte-exact */
  | 'delivered'
  /** msg.rejected event, nothing bounced (the sender is not authenticated) */
  | 'rejected'
  /** msg.rejected event AND a hub-signed status 02 in the signer's inbox with the same reasonCode */
  | 'bounced'
  /** msg.replayed event, no second copy */
  | 'replayed'
  /** NATS refuses the publish: nothing reaches the router */
  | 'publish-refused';

export type JwsTamper =
  | 'payload'
  | 'signature-random'
  | 'signature-not-base64url'
  | 'protected-not-base64url'
  | 'protected-not-json'
  | 'protected-empty'
  | 'payload-not-base64url'
  | 'drop-signature'
  | 'drop-protected'
  | 'unprotected-header'
  | 'proto-member'
  | 'constructor-member'
  | 'bom';

export type RouterInput =
  | {
      /** bytes published as they are on the sender's submit subject */
      kind: 'raw';
      text?: string;
      hex?: string;
    }
  | {
      /** an envelope signed as a flattened JWS, then optionally damaged */
      kind: 'signed';
      /** whose key signs (default sender) */
      signer?: Party;
      /** key id of the signer's key (default k1); an id never registered signs with a fresh key */
      key?: string;
      /** submit subject: an agency (default the signer), or raw tokens after `<ns>.submit.` */
      subject?: Party | 'recipient' | { tokens: string };
      /** merged over the protected header {alg, kid, typ}; null removes a member */
      header?: Record<string, unknown>;
      /** how the signature is made: the key (default), HMAC-SHA256 keyed with the public key, or none */
      sign?: 'key' | 'hmac-public-key' | 'none';
      /** envelope members replacing the defaults (id, kind, from, to, issuedAt, body) */
      envelope?: Record<string, unknown>;
      /** members merged into the default document body */
      body?: Record<string, unknown>;
      /** issuedAt = now + this offset */
      issuedAtOffsetMs?: number;
      /** signed payload text instead of the envelope JSON; `$ID` and `$NOW` are filled in */
      payloadText?: string;
      tamper?: JwsTamper;
      /** published twice under two message ids; the expectation is about the second (the first is delivered) */
      twice?: 'same-bytes' | 'same-id-other-body';
    };

export interface RouterExpected {
  code: ErrorCode | null;
  outcome: RouterOutcome;
}

// ---------------------------------------------------------------- gateway cases

export type TokenSpec =
  | 'admin'
  | 'auditor'
  | 'none'
  | 'expired'
  | 'not-yet-valid'
  | 'other-key'
  | 'unknown-kid'
  | 'alg-none'
  | 'hs256'
  | 'wrong-issuer'
  | { role: string }
  | { raw: string }
  | { header: string };

export interface GatewayInput {
  method: 'GET' | 'POST' | 'PATCH' | 'DELETE';
  /** sent as is (no URL normalisation) */
  path: string;
  token?: TokenSpec;
  /** a JSON body (serialised with JSON.stringify), raw text, or N bytes of filler JSON */
  body?: { json: unknown } | { text: string } | { jsonOfBytes: number } | { deepJson: number };
  contentType?: string;
}

export interface GatewayExpected {
  code: ErrorCode | null;
  outcome: 'refused' | 'ok';
  status: number;
  /** for a list: how many items must come back */
  items?: number;
  /** for a create: the name that must be stored byte for byte */
  storedName?: string;
}

// ---------------------------------------------------------------- csv cases

export interface CsvInput {
  /** the file: text, bytes in hex, or generated rows */
  csv: { text: string } | { hex: string } | { rows: number };
  mode?: 'partial' | 'all-or-nothing';
  contentType?: string;
}

export interface CsvExpected {
  /** code of a whole-file refusal; null when the file is read and reported line by line */
  code: ErrorCode | null;
  outcome: 'refused' | 'imported';
  status: number;
  created?: number;
  /** [line, code] of every per-line error, in order */
  lines?: Array<[number, ErrorCode]>;
  /** names that must be stored byte for byte */
  stored?: Record<string, string>;
}

// ---------------------------------------------------------------- sdk cases

export type SdkInput =
  | { kind: 'tampered-copy' }
  | { kind: 'kid-other-than-lt-from' }
  | { kind: 'from-other-than-kid' }
  | { kind: 'hub-lookalike'; kid: 'real-hub-kid' | 'unknown-hub-kid' }
  | { kind: 'revoked-key' }
  | { kind: 'garbage'; text: string };

export interface SdkExpected {
  code: ErrorCode | null;
  outcome: 'invalid' | 'yielded';
}

// ---------------------------------------------------------------- the cases

export interface HostileCase<T extends Target, I, E> {
  id: string;
  target: T;
  description: string;
  input: I;
  expected: E;
}
export type RouterCase = HostileCase<'router', RouterInput, RouterExpected>;
export type GatewayCase = HostileCase<'gateway', GatewayInput, GatewayExpected>;
export type CsvCase = HostileCase<'csv', CsvInput, CsvExpected>;
export type SdkCase = HostileCase<'sdk', SdkInput, SdkExpected>;
export type AnyCase = RouterCase | GatewayCase | CsvCase | SdkCase;

const router = (id: string, description: string, input: RouterInput, code: ErrorCode | null, outcome: RouterOutcome): RouterCase => ({
  id,
  target: 'router',
  description,
  input,
  expected: { code, outcome },
});

const deep = (n: number) => `${'['.repeat(n)}${']'.repeat(n)}`;
/** The default document envelope as text, with `extra` spliced into the body (for keys JSON.stringify cannot write). */
const envelopeText = (extraBodyMembers: string) =>
  `{"id":"$ID","kind":"document","from":"${AGENCY.sender}","to":["${AGENCY.recipient}"],"issuedAt":"$NOW",` +
  `"body":{"code":{"codeNumber":"1","codeNotation":"UBND"},"subject":"x",${extraBodyMembers}}}`;

export const ROUTER_CASES: RouterCase[] = [
  router('r-baseline', 'a well-formed document signed with the sender key', { kind: 'signed' }, null, 'delivered'),

  // ---- bytes that are not a JWS (nobody authenticated: recorded, never bounced)
  router('r-malformed-json', 'truncated JSON', { kind: 'raw', text: '{"protected":"eyJhbGciOiJFZERTQSJ9","payload":' }, 'MALFORMED_JSON', 'rejected'),
  router('r-empty', 'zero bytes', { kind: 'raw', text: '' }, 'MALFORMED_JSON', 'rejected'),
  router('r-invalid-utf8', 'bytes that are not UTF-8', { kind: 'raw', hex: 'fffe7b7dc328' }, 'MALFORMED_JSON', 'rejected'),
  router('r-bom', 'a valid JWS behind a UTF-8 byte order mark', { kind: 'signed', tamper: 'bom' }, 'MALFORMED_JSON', 'rejected'),
  router('r-array', 'a JSON array holding a JWS', { kind: 'raw', text: '[{"protected":"a","payload":"b","signature":"c"}]' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-string', 'a JSON string', { kind: 'raw', text: '"lt-envelope+jws"' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-null', 'JSON null', { kind: 'raw', text: 'null' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-deep-outer', 'JSON nested 10,000 deep', { kind: 'raw', text: deep(10_000) }, 'SCHEMA_INVALID', 'rejected'),
  router('r-proto-outer', 'a JWS with a "__proto__" member', { kind: 'signed', tamper: 'proto-member' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-constructor-outer', 'a JWS with a "constructor" member', { kind: 'signed', tamper: 'constructor-member' }, 'SCHEMA_INVALID', 'rejected'),

  // ---- JWS shape
  router('r-jws-no-signature', 'JWS without its signature member', { kind: 'signed', tamper: 'drop-signature' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-jws-no-protected', 'JWS without its protected header', { kind: 'signed', tamper: 'drop-protected' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-jws-empty-protected', 'JWS with an empty protected header', { kind: 'signed', tamper: 'protected-empty' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-jws-unprotected-header', 'JWS with an unprotected "header" member', { kind: 'signed', tamper: 'unprotected-header' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-b64-protected', 'protected header in base64 with + / =', { kind: 'signed', tamper: 'protected-not-base64url' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-b64-payload', 'payload with characters outside base64url', { kind: 'signed', tamper: 'payload-not-base64url' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-b64-signature', 'signature with characters outside base64url', { kind: 'signed', tamper: 'signature-not-base64url' }, 'SCHEMA_INVALID', 'rejected'),
  router('r-protected-not-json', 'protected header that is not JSON', { kind: 'signed', tamper: 'protected-not-json' }, 'SCHEMA_INVALID', 'rejected'),

  // ---- headers that cannot select a key and algorithm
  router('r-alg-none', 'alg "none" and an empty signature', { kind: 'signed', header: { alg: 'none' }, sign: 'none' }, 'BAD_SIGNATURE', 'rejected'),
  router(
    'r-alg-hs256',
    'alg HS256, HMAC keyed with the public key (algorithm confusion)',
    { kind: 'signed', header: { alg: 'HS256' }, sign: 'hmac-public-key' },
    'BAD_SIGNATURE',
    'rejected',
  ),
  router('r-alg-es256-on-ed25519', 'header alg ES256 over an Ed25519 signature', { kind: 'signed', header: { alg: 'ES256' } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-typ-jwt', 'typ "JWT" instead of lt-envelope+jws', { kind: 'signed', header: { typ: 'JWT' } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-crit', 'a crit header the hub does not understand', { kind: 'signed', header: { crit: ['exp'], exp: 1 } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-b64-false', 'b64:false (unencoded payload)', { kind: 'signed', header: { b64: false } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-kid-missing', 'no kid', { kind: 'signed', header: { kid: null } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-kid-unknown', 'kid of a key never registered', { kind: 'signed', key: 'knone' }, 'BAD_SIGNATURE', 'rejected'),
  router('r-kid-cyrillic', 'kid whose code has a Cyrillic Н', { kind: 'signed', header: { kid: `${CONFUSABLE.cyrillic}#k1` } }, 'BAD_SIGNATURE', 'rejected'),
  router('r-kid-sql', 'SQL injection in the kid', { kind: 'signed', header: { kid: `${AGENCY.sender}#k1${INJECTIONS.sql}` } }, 'BAD_SIGNATURE', 'rejected'),

  // ---- signatures
  router('r-forged-signature', '64 random bytes as the signature', { kind: 'signed', tamper: 'signature-random' }, 'BAD_SIGNATURE', 'rejected'),
  router(
    'r-wrong-key',
    "signed with an unregistered key under the sender's kid k1",
    { kind: 'signed', key: 'forged', header: { kid: `${AGENCY.sender}#k1` } },
    'BAD_SIGNATURE',
    'rejected',
  ),
  router('r-tampered-payload', 'valid signature, payload altered afterwards', { kind: 'signed', tamper: 'payload' }, 'BAD_SIGNATURE', 'rejected'),
  router(
    'r-kid-other-agency',
    "another agency's valid signature on the sender's submit subject",
    { kind: 'signed', signer: 'other', subject: 'sender' },
    'SENDER_MISMATCH',
    'rejected',
  ),
  router(
    'r-subject-other-agency',
    "the sender's valid signature on the recipient's submit subject",
    { kind: 'signed', subject: 'recipient' },
    'SENDER_MISMATCH',
    'rejected',
  ),
  router(
    'r-subject-cyrillic',
    'submit subject whose tokens carry a Cyrillic Н',
    { kind: 'signed', subject: { tokens: '\u041D41.00.00.000' } },
    'SENDER_MISMATCH',
    'rejected',
  ),

  // ---- size
  router(
    'r-oversized',
    'a signed envelope of about 1.6 MB (above the 1 MB limit, below max_payload)',
    { kind: 'signed', body: { content: 'x'.repeat(1_200_000) } },
    'PAYLOAD_TOO_LARGE',
    'rejected',
  ),
  router(
    'r-over-max-payload',
    'a signed envelope of about 2.7 MB (above max_payload and max_msg_size)',
    { kind: 'signed', body: { content: 'x'.repeat(2_000_000) } },
    null,
    'publish-refused',
  ),

  // ---- authenticated sender: refused AND bounced as a status 02
  router('r-key-revoked', 'signed with a key revoked through the gateway', { kind: 'signed', key: 'krev' }, 'KEY_REVOKED', 'bounced'),
  router('r-key-expired', 'signed with a key whose window ended in 2021', { kind: 'signed', key: 'kexp' }, 'KEY_REVOKED', 'bounced'),
  router('r-key-not-yet-valid', 'signed with a key valid only from 2099', { kind: 'signed', key: 'kfut' }, 'KEY_REVOKED', 'bounced'),
  router('r-skew-past', 'issuedAt 10 minutes before the hub receives it', { kind: 'signed', issuedAtOffsetMs: -10 * 60_000 }, 'CLOCK_SKEW', 'bounced'),
  router('r-skew-future', 'issuedAt 10 minutes after the hub receives it', { kind: 'signed', issuedAtOffsetMs: 10 * 60_000 }, 'CLOCK_SKEW', 'bounced'),
  router('r-payload-not-json', 'signed payload that is not JSON', { kind: 'signed', payloadText: 'not json at all' }, 'MALFORMED_JSON', 'bounced'),
  router('r-payload-array', 'signed payload that is a JSON array', { kind: 'signed', payloadText: '[]' }, 'SCHEMA_INVALID', 'bounced'),
  router('r-payload-deep', 'signed payload nested 10,000 deep', { kind: 'signed', payloadText: deep(10_000) }, 'SCHEMA_INVALID', 'bounced'),
  router(
    'r-payload-proto',
    'signed envelope whose body has a "__proto__" key',
    { kind: 'signed', payloadText: envelopeText('"__proto__":{"admin":true}') },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router(
    'r-payload-constructor',
    'signed envelope whose body has a "constructor" key',
    { kind: 'signed', payloadText: envelopeText('"constructor":{"prototype":{"admin":true}}') },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router(
    'r-5001-recipients',
    '5,001 explicit recipients',
    { kind: 'signed', envelope: { to: Array.from({ length: 5001 }, () => AGENCY.recipient) } },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router(
    'r-selector-depth-99',
    'childrenOf selector with depth 99',
    { kind: 'signed', envelope: { to: [{ childrenOf: AGENCY.sender, depth: 99 }] } },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router(
    'r-selector-extra-field',
    'selector with an unknown member',
    { kind: 'signed', envelope: { to: [{ childrenOf: AGENCY.sender, where: '1=1' }] } },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router('r-from-cyrillic', 'from with a Cyrillic Н', { kind: 'signed', envelope: { from: CONFUSABLE.cyrillic } }, 'INVALID_AGENCY_CODE', 'bounced'),
  router(
    'r-from-nul',
    'from with a NUL inside (the 02 must still be a valid status)',
    { kind: 'signed', envelope: { from: CONFUSABLE.nul } },
    'INVALID_AGENCY_CODE',
    'bounced',
  ),
  router(
    'r-to-crlf',
    'CRLF header injection inside a recipient code (the 02 must still be a valid status)',
    { kind: 'signed', envelope: { to: [`${AGENCY.recipient}${INJECTIONS.crlf}`] } },
    'INVALID_AGENCY_CODE',
    'bounced',
  ),
  router('r-to-fullwidth', 'recipient in fullwidth digits', { kind: 'signed', envelope: { to: [CONFUSABLE.fullwidth] } }, 'INVALID_AGENCY_CODE', 'bounced'),
  router(
    'r-to-zero-width',
    'recipient followed by a zero-width space',
    { kind: 'signed', envelope: { to: [CONFUSABLE.zeroWidth] } },
    'INVALID_AGENCY_CODE',
    'bounced',
  ),
  router(
    'r-childrenof-cyrillic',
    'childrenOf a look-alike code',
    { kind: 'signed', envelope: { to: [{ childrenOf: CONFUSABLE.cyrillic }] } },
    'INVALID_AGENCY_CODE',
    'bounced',
  ),
  router(
    'r-to-sql',
    'SQL injection as a recipient code',
    { kind: 'signed', envelope: { to: [`${AGENCY.recipient}${INJECTIONS.sql}`] } },
    'INVALID_AGENCY_CODE',
    'bounced',
  ),
  router(
    'r-from-other-agency',
    "from names another agency than the signer's",
    { kind: 'signed', envelope: { from: AGENCY.other } },
    'SENDER_MISMATCH',
    'bounced',
  ),
  router('r-unknown-recipient', 'a well-formed code nobody registered', { kind: 'signed', envelope: { to: [AGENCY.unknown] } }, 'UNKNOWN_RECIPIENT', 'bounced'),
  router('r-closed-recipient', 'a recipient closed without a successor', { kind: 'signed', envelope: { to: [AGENCY.closed] } }, 'AGENCY_CLOSED', 'bounced'),
  router('r-suspended-recipient', 'a suspended recipient', { kind: 'signed', envelope: { to: [AGENCY.suspended] } }, 'AGENCY_SUSPENDED', 'bounced'),
  router('r-suspended-sender', 'a suspended sender with a valid key', { kind: 'signed', signer: 'suspended' }, 'AGENCY_SUSPENDED', 'bounced'),
  router('r-unknown-member', 'an envelope member the schema does not know', { kind: 'signed', envelope: { admin: true } }, 'SCHEMA_INVALID', 'bounced'),
  router('r-id-sql', 'SQL injection as the envelope id', { kind: 'signed', envelope: { id: "1' OR '1'='1" } }, 'SCHEMA_INVALID', 'bounced'),
  router('r-kind-unknown', 'an unknown kind', { kind: 'signed', envelope: { kind: 'exec' } }, 'SCHEMA_INVALID', 'bounced'),
  router('r-issuedat-text', 'issuedAt that is not a timestamp', { kind: 'signed', envelope: { issuedAt: 'yesterday' } }, 'SCHEMA_INVALID', 'bounced'),
  router(
    'r-101-attachments',
    'more attachments than the hub allows',
    {
      kind: 'signed',
      envelope: { attachments: Array.from({ length: 101 }, (_, i) => ({ name: `a${i}.pdf`, mediaType: 'application/pdf', size: 1, sha256: '0'.repeat(64) })) },
    },
    'SCHEMA_INVALID',
    'bounced',
  ),
  router(
    'r-agency-receipt',
    'an agency sending a receipt (hub-only kind)',
    {
      kind: 'signed',
      envelope: {
        kind: 'receipt',
        body: {
          checkpoint: 'y',
          items: [{ messageId: '0190f0e2-7c4b-7d2a-8a3e-5f6a7b8c9d0e', recipient: AGENCY.recipient, event: 'delivered', at: '2026-01-01T00:00:00.000Z', seq: 1, leafHash: 'x' }],
        },
      },
    },
    'FORBIDDEN',
    'bounced',
  ),
  router('r-id-reused', 'an envelope id already used for another envelope', { kind: 'signed', twice: 'same-id-other-body' }, 'DUPLICATE', 'bounced'),
  router('r-replay', 'the same signed bytes again under a new message id', { kind: 'signed', twice: 'same-bytes' }, null, 'replayed'),
];

/**
 * Injection strings in every text field of a document: legal text is delivered byte for byte (never
 * "sanitised"); control characters (CR, NUL) are refused by the validator with SCHEMA_INVALID, and
 * so are path separators, colons and bidi overrides in attachment names (a bare file name).
 */
const TEXT_FIELDS = ['subject', 'content', 'signerInfo.fullName', 'toPlaces[0]', 'code.codeNotation', 'attachments[0].name'] as const;
export type TextField = (typeof TEXT_FIELDS)[number];

function injected(field: TextField, value: string): RouterInput {
  const body: Record<string, unknown> = {};
  const envelope: Record<string, unknown> = {};
  switch (field) {
    case 'subject':
    case 'content':
      body[field] = value;
      break;
    case 'signerInfo.fullName':
      body.signerInfo = { competence: 'Chủ tịch', position: 'Chủ tịch', fullName: value };
      break;
    case 'toPlaces[0]':
      body.toPlaces = [value, 'Như trên'];
      break;
    case 'code.codeNotation':
      body.code = { codeNumber: 'INJ', codeNotation: value };
      break;
    case 'attachments[0].name':
      envelope.attachments = [{ name: value, mediaType: 'application/pdf', size: 10, sha256: 'a'.repeat(64) }];
      break;
  }
  return { kind: 'signed', body, envelope };
}

function injectionVerdict(field: TextField, name: InjectionName): ErrorCode | null {
  if (name === 'crlf' || name === 'nul') return 'SCHEMA_INVALID';
  if (field === 'attachments[0].name' && /[/\\:\u202A-\u202E]/.test(INJECTIONS[name])) return 'SCHEMA_INVALID';
  return null;
}

for (const field of TEXT_FIELDS) {
  for (const name of Object.keys(INJECTIONS) as InjectionName[]) {
    const code = injectionVerdict(field, name);
    ROUTER_CASES.push(
      router(
        `r-inject-${name}-${field}`,
        `${name} injection ${JSON.stringify(INJECTIONS[name])} in ${field}`,
        injected(field, INJECTIONS[name]),
        code,
        code ? 'bounced' : 'delivered',
      ),
    );
  }
}

// ---------------------------------------------------------------- gateway

const gw = (
  id: string,
  description: string,
  input: GatewayInput,
  code: ErrorCode | null,
  status: number,
  extra: Partial<GatewayExpected> = {},
): GatewayCase => ({
  id,
  target: 'gateway',
  description,
  input,
  expected: { code, outcome: status < 400 ? 'ok' : 'refused', status, ...extra },
});

const NEW_PROVINCE = { code: '000.00.00.H51', name: 'Tỉnh thử', tier: 'province' };

export const GATEWAY_CASES: GatewayCase[] = [
  // ---- tokens
  gw('g-no-token', 'no Authorization header', { method: 'GET', path: '/v1/agencies', token: 'none' }, 'UNAUTHENTICATED', 401),
  gw('g-token-garbage', 'a bearer token that is not a JWT', { method: 'GET', path: '/v1/agencies', token: { raw: 'not.a.jwt' } }, 'UNAUTHENTICATED', 401),
  gw(
    'g-token-one-part',
    'a bearer token without dots',
    { method: 'GET', path: '/v1/agencies', token: { raw: 'eyJhbGciOiJFZERTQSJ9' } },
    'UNAUTHENTICATED',
    401,
  ),
  gw('g-basic-auth', 'Basic instead of Bearer', { method: 'GET', path: '/v1/agencies', token: { header: 'Basic YWRtaW46YWRtaW4=' } }, 'UNAUTHENTICATED', 401),
  gw(
    'g-token-other-key',
    'a token signed by another Ed25519 key under the hub kid',
    { method: 'GET', path: '/v1/agencies', token: 'other-key' },
    'UNAUTHENTICATED',
    401,
  ),
  gw(
    'g-token-unknown-kid',
    'a token naming a hub key that does not exist',
    { method: 'GET', path: '/v1/agencies', token: 'unknown-kid' },
    'UNAUTHENTICATED',
    401,
  ),
  gw('g-token-expired', 'a token that expired an hour ago', { method: 'GET', path: '/v1/agencies', token: 'expired' }, 'UNAUTHENTICATED', 401),
  gw('g-token-future', 'a token issued an hour in the future', { method: 'GET', path: '/v1/agencies', token: 'not-yet-valid' }, 'UNAUTHENTICATED', 401),
  gw('g-token-alg-none', 'alg "none" with admin claims and no signature', { method: 'GET', path: '/v1/agencies', token: 'alg-none' }, 'UNAUTHENTICATED', 401),
  gw(
    'g-token-hs256',
    'HS256 keyed with the hub public key (algorithm confusion)',
    { method: 'GET', path: '/v1/agencies', token: 'hs256' },
    'UNAUTHENTICATED',
    401,
  ),
  gw('g-token-wrong-issuer', 'a hub-signed token from another issuer', { method: 'GET', path: '/v1/agencies', token: 'wrong-issuer' }, 'UNAUTHENTICATED', 401),
  gw(
    'g-token-10k',
    'a 10,000-character bearer token',
    { method: 'GET', path: '/v1/agencies', token: { raw: `${'A'.repeat(9_990)}.B.C` } },
    'UNAUTHENTICATED',
    401,
  ),
  // Node's HTTP parser refuses headers above 16 KB before any gateway code runs: 431, no JSON body
  gw('g-authorization-64k', 'a 64 KB Authorization header', { method: 'GET', path: '/v1/agencies', token: { raw: 'A'.repeat(64 * 1024) } }, null, 431),
  gw(
    'g-agency-writes',
    'an agency token creating an agency',
    { method: 'POST', path: '/v1/agencies', token: { role: `agency:${AGENCY.sender}` }, body: { json: NEW_PROVINCE } },
    'FORBIDDEN',
    403,
  ),
  gw(
    'g-agency-revokes',
    "an agency token revoking another agency's key",
    { method: 'POST', path: `/v1/agencies/${AGENCY.other}/keys/k1/revoke`, token: { role: `agency:${AGENCY.sender}` }, body: { json: { reason: 'x' } } },
    'FORBIDDEN',
    403,
  ),
  gw(
    'g-auditor-writes',
    'an auditor token patching an agency',
    { method: 'PATCH', path: `/v1/agencies/${AGENCY.sender}`, token: 'auditor', body: { json: { status: 'suspended' } } },
    'FORBIDDEN',
    403,
  ),

  // ---- bodies
  gw(
    'g-malformed-json',
    'truncated JSON',
    { method: 'POST', path: '/v1/agencies', body: { text: '{"code": ' }, contentType: 'application/json' },
    'MALFORMED_JSON',
    400,
  ),
  gw('g-json-array', 'a JSON array as the body', { method: 'POST', path: '/v1/agencies', body: { json: [NEW_PROVINCE] } }, 'BAD_REQUEST', 400),
  gw(
    'g-deep-json',
    'a JSON body nested 10,000 deep (the hub limit is 32)',
    { method: 'POST', path: '/v1/agencies', body: { deepJson: 10_000 } },
    'SCHEMA_INVALID',
    422,
  ),
  gw('g-body-2_5mb', 'a 2.5 MB JSON body', { method: 'POST', path: '/v1/agencies', body: { jsonOfBytes: 2_500_000 } }, 'PAYLOAD_TOO_LARGE', 413),
  gw(
    'g-proto-pollution',
    'a "__proto__" member in the body',
    {
      method: 'POST',
      path: '/v1/agencies',
      body: { text: '{"__proto__":{"admin":true},"code":"000.00.00.H52","name":"x","tier":"province"}' },
      contentType: 'application/json',
    },
    'SCHEMA_INVALID',
    422,
  ),
  gw(
    'g-constructor-pollution',
    'a "constructor.prototype" member in a patch',
    { method: 'PATCH', path: `/v1/agencies/${AGENCY.sender}`, body: { text: '{"constructor":{"prototype":{"admin":true}}}' }, contentType: 'application/json' },
    'SCHEMA_INVALID',
    422,
  ),
  gw(
    'g-import-json',
    'an import sent as application/json',
    { method: 'POST', path: '/v1/agencies/import', body: { json: { csv: 'code,name,tier' } } },
    'BAD_REQUEST',
    400,
  ),
  gw(
    'g-import-xml',
    'an import sent as application/xml',
    { method: 'POST', path: '/v1/agencies/import', body: { text: '<agencies/>' }, contentType: 'application/xml' },
    'BAD_REQUEST',
    400,
  ),
  gw(
    'g-name-nul',
    'a NUL inside an agency name',
    { method: 'POST', path: '/v1/agencies', body: { json: { code: '000.00.00.H53', name: INJECTIONS.nul, tier: 'province' } } },
    'VALIDATION_FAILED',
    422,
  ),
  gw(
    'g-name-sql',
    'SQL injection as an agency name: stored as text',
    { method: 'POST', path: '/v1/agencies', body: { json: { code: '000.00.00.H54', name: INJECTIONS.sql, tier: 'province' } } },
    null,
    201,
    { storedName: INJECTIONS.sql },
  ),
  gw(
    'g-name-html',
    'HTML as an agency name: stored as text',
    { method: 'POST', path: '/v1/agencies', body: { json: { code: '000.00.00.H55', name: INJECTIONS.html, tier: 'province' } } },
    null,
    201,
    { storedName: INJECTIONS.html },
  ),
  gw(
    'g-contact-crlf',
    'CRLF header injection in a contact field',
    { method: 'PATCH', path: `/v1/agencies/${AGENCY.other}`, body: { json: { contact: { website: `https://x${INJECTIONS.crlf}` } } } },
    'VALIDATION_FAILED',
    422,
  ),
  gw(
    'g-code-sql-body',
    'SQL injection as the code of a new agency',
    { method: 'POST', path: '/v1/agencies', body: { json: { ...NEW_PROVINCE, code: `000.00.00.H56${INJECTIONS.sql}` } } },
    'INVALID_AGENCY_CODE',
    422,
  ),

  // ---- paths
  gw('g-path-encoded-traversal', 'an encoded ../../etc as :code', { method: 'GET', path: '/v1/agencies/..%2F..%2Fetc' }, 'INVALID_AGENCY_CODE', 422),
  gw('g-path-raw-traversal', 'a raw ../../etc/passwd path', { method: 'GET', path: '/v1/agencies/../../etc/passwd' }, 'NOT_FOUND', 404),
  gw(
    'g-path-cyrillic',
    'a code with a Cyrillic Н in the path',
    { method: 'GET', path: `/v1/agencies/${encodeURIComponent(CONFUSABLE.cyrillic)}` },
    'INVALID_AGENCY_CODE',
    422,
  ),
  gw(
    'g-path-fullwidth',
    'a code in fullwidth digits in the path',
    { method: 'GET', path: `/v1/agencies/${encodeURIComponent(CONFUSABLE.fullwidth)}/children` },
    'INVALID_AGENCY_CODE',
    422,
  ),
  gw(
    'g-path-zero-width',
    'a code with a zero-width space in the path',
    { method: 'GET', path: `/v1/agencies/${encodeURIComponent(CONFUSABLE.zeroWidth)}/keys` },
    'INVALID_AGENCY_CODE',
    422,
  ),
  gw(
    'g-path-sql',
    'SQL injection as :code',
    { method: 'GET', path: `/v1/agencies/${encodeURIComponent(`${AGENCY.sender}' OR '1'='1`)}` },
    'INVALID_AGENCY_CODE',
    422,
  ),
  gw('g-path-nul', 'an encoded NUL in :code', { method: 'GET', path: '/v1/agencies/000.00.00.H41%00' }, 'INVALID_AGENCY_CODE', 422),
  gw('g-unknown-route', 'a route that does not exist', { method: 'DELETE', path: `/v1/agencies/${AGENCY.sender}` }, 'NOT_FOUND', 404),

  // ---- query parameters
  gw('g-q-sql', "q=' OR 1=1-- is a search text, matching nothing", { method: 'GET', path: `/v1/agencies?q=${encodeURIComponent("' OR 1=1--")}` }, null, 200, {
    items: 0,
  }),
  gw(
    'g-q-like-wildcards',
    'q=%_ (LIKE wildcards) matches only names containing them',
    { method: 'GET', path: `/v1/agencies?q=${encodeURIComponent('%_')}` },
    null,
    200,
    { items: 0 },
  ),
  gw('g-tier-sql', "tier=central'--", { method: 'GET', path: `/v1/agencies?tier=${encodeURIComponent("central'--")}` }, 'VALIDATION_FAILED', 422),
  gw(
    'g-parent-sql',
    "parent=<code>' OR '1'='1",
    { method: 'GET', path: `/v1/agencies?parent=${encodeURIComponent(`${AGENCY.sender}' OR '1'='1`)}` },
    'INVALID_AGENCY_CODE',
    422,
  ),
  gw(
    'g-cursor-garbage',
    'a cursor that is not one',
    { method: 'GET', path: `/v1/agencies?cursor=${encodeURIComponent('<garbage>!')}` },
    'VALIDATION_FAILED',
    422,
  ),
  gw(
    'g-cursor-forged',
    'a well-encoded cursor carrying SQL',
    { method: 'GET', path: `/v1/agencies?cursor=${Buffer.from(JSON.stringify({ after: "' OR 1=1--" })).toString('base64url')}` },
    'VALIDATION_FAILED',
    422,
  ),
  gw('g-limit-negative', 'limit=-1', { method: 'GET', path: '/v1/agencies?limit=-1' }, 'VALIDATION_FAILED', 422),
  gw('g-limit-1e9', 'limit=1e9', { method: 'GET', path: '/v1/agencies?limit=1e9' }, 'VALIDATION_FAILED', 422),
  gw('g-limit-text', 'limit=abc', { method: 'GET', path: '/v1/agencies?limit=abc' }, 'BAD_REQUEST', 400),
  gw('g-unknown-query', 'an unknown query parameter is ignored, never passed on', { method: 'GET', path: '/v1/agencies?admin=true&limit=1' }, null, 200, {
    items: 1,
  }),
  gw('g-array-query', 'tier given twice (an array)', { method: 'GET', path: '/v1/agencies?tier=central&tier=province' }, 'VALIDATION_FAILED', 422),
  gw('g-depth-99', 'children?depth=99', { method: 'GET', path: `/v1/agencies/${AGENCY.sender}/children?depth=99` }, 'VALIDATION_FAILED', 422),
];

// ---------------------------------------------------------------- csv import

const csv = (id: string, description: string, input: CsvInput, expected: CsvExpected): CsvCase => ({ id, target: 'csv', description, input, expected });
const HEADER = 'code,name,tier,parent_code';

export const CSV_CASES: CsvCase[] = [
  csv('c-header-missing', 'no tier column', { csv: { text: 'code,name\n000.00.00.H60,A\n' } }, { code: 'BAD_REQUEST', outcome: 'refused', status: 400 }),
  csv(
    'c-header-unknown',
    'an unknown column',
    { csv: { text: `${HEADER},admin\n000.00.00.H60,A,province,,1\n` } },
    { code: 'BAD_REQUEST', outcome: 'refused', status: 400 },
  ),
  csv('c-no-header', 'data on the first line', { csv: { text: '000.00.00.H60,A,province,\n' } }, { code: 'BAD_REQUEST', outcome: 'refused', status: 400 }),
  csv('c-empty', 'an empty file', { csv: { text: '' } }, { code: 'BAD_REQUEST', outcome: 'refused', status: 400 }),
  csv(
    'c-invalid-utf8',
    'bytes that are not UTF-8',
    { csv: { hex: `${Buffer.from(`${HEADER}\n000.00.00.H60,`).toString('hex')}fffe${Buffer.from(',province,\n').toString('hex')}` } },
    { code: 'VALIDATION_FAILED', outcome: 'refused', status: 422 },
  ),
  csv(
    'c-crlf',
    'CRLF line breaks',
    { csv: { text: `${HEADER}\r\n000.00.00.H61,Tỉnh CRLF,province,\r\n000.00.01.H61,Sở CRLF,province,000.00.00.H61\r\n` } },
    { code: null, outcome: 'imported', status: 201, created: 2, lines: [], stored: { '000.00.00.H61': 'Tỉnh CRLF' } },
  ),
  csv(
    'c-bom',
    'a UTF-8 byte order mark before the header',
    { csv: { text: `\uFEFF${HEADER}\n000.00.00.H62,Tỉnh BOM,province,\n` } },
    { code: null, outcome: 'imported', status: 201, created: 1, lines: [], stored: { '000.00.00.H62': 'Tỉnh BOM' } },
  ),
  csv(
    'c-quoted',
    'quoted fields holding commas and quotes are parsed; a quoted line break inside a name is refused (names are one line)',
    { csv: { text: `${HEADER}\n000.00.00.H63,"Sở ""Y tế"", tỉnh",province,\n000.00.01.H63,"Hai\ndòng",province,000.00.00.H63\n000.00.02.H63,Sau,province,000.00.00.H63\n` } },
    { code: null, outcome: 'imported', status: 201, created: 2, lines: [[3, 'VALIDATION_FAILED']], stored: { '000.00.00.H63': 'Sở "Y tế", tỉnh', '000.00.02.H63': 'Sau' } },
  ),
  csv(
    'c-unterminated-quote',
    'a quote that never closes swallows the rest of the file into one bad record',
    { csv: { text: `${HEADER}\n000.00.00.H64,Ổn,province,\n000.00.01.H64,"Không đóng,province,000.00.00.H64\n000.00.02.H64,Nuốt,province,000.00.00.H64\n` } },
    { code: null, outcome: 'imported', status: 201, created: 1, lines: [[3, 'VALIDATION_FAILED']], stored: { '000.00.00.H64': 'Ổn' } },
  ),
  csv(
    'c-10k-field',
    'a 10,000-character name',
    { csv: { text: `${HEADER}\n000.00.00.H65,${'N'.repeat(10_000)},province,\n` } },
    { code: null, outcome: 'imported', status: 201, created: 0, lines: [[2, 'VALIDATION_FAILED']] },
  ),
  csv(
    'c-formula',
    'spreadsheet formula injection cells are stored as text, byte for byte',
    {
      csv: {
        text: `${HEADER}\n000.00.00.H66,"=cmd|' /C calc'!A0",province,\n000.00.01.H66,+SUM(1+1)*cmd|' /C calc'!A0,province,000.00.00.H66\n000.00.02.H66,@SUM(1),province,000.00.00.H66\n000.00.03.H66,-2+3,province,000.00.00.H66\n`,
      },
    },
    {
      code: null,
      outcome: 'imported',
      status: 201,
      created: 4,
      lines: [],
      stored: { '000.00.00.H66': "=cmd|' /C calc'!A0", '000.00.01.H66': "+SUM(1+1)*cmd|' /C calc'!A0", '000.00.02.H66': '@SUM(1)', '000.00.03.H66': '-2+3' },
    },
  ),
  csv(
    'c-injection-names',
    'SQL, HTML and JNDI strings as names are stored as text',
    {
      csv: {
        text: `${HEADER}\n000.00.00.H67,"${INJECTIONS.sql}",province,\n000.00.01.H67,${INJECTIONS.html},province,000.00.00.H67\n000.00.02.H67,${INJECTIONS.jndi},province,000.00.00.H67\n`,
      },
    },
    {
      code: null,
      outcome: 'imported',
      status: 201,
      created: 3,
      lines: [],
      stored: { '000.00.00.H67': INJECTIONS.sql, '000.00.01.H67': INJECTIONS.html, '000.00.02.H67': INJECTIONS.jndi },
    },
  ),
  csv(
    'c-nul-name',
    'a NUL inside a name is a per-line error, the other rows go in',
    { csv: { text: `${HEADER}\n000.00.00.H68,Trước,province,\n000.00.01.H68,${INJECTIONS.nul},province,000.00.00.H68\n` } },
    { code: null, outcome: 'imported', status: 201, created: 1, lines: [[3, 'VALIDATION_FAILED']], stored: { '000.00.00.H68': 'Trước' } },
  ),
  csv(
    'c-code-confusables',
    'look-alike and injected codes are refused per line',
    {
      csv: {
        text: `${HEADER}\n${CONFUSABLE.cyrillic},A,province,\n${CONFUSABLE.fullwidth},B,district,\n"${CONFUSABLE.zeroWidth}",C,district,\n000.00.00.H69'; DROP TABLE agencies;--,D,province,\n`,
      },
    },
    {
      code: null,
      outcome: 'imported',
      status: 201,
      created: 0,
      lines: [
        [2, 'INVALID_AGENCY_CODE'],
        [3, 'INVALID_AGENCY_CODE'],
        [4, 'INVALID_AGENCY_CODE'],
        [5, 'INVALID_AGENCY_CODE'],
      ],
    },
  ),
  csv(
    'c-duplicates',
    'the same code twice in one file',
    { csv: { text: `${HEADER}\n000.00.00.H70,Một,province,\n000.00.00.H70,Hai,province,\n` } },
    { code: null, outcome: 'imported', status: 201, created: 1, lines: [[3, 'DUPLICATE']], stored: { '000.00.00.H70': 'Một' } },
  ),
  csv(
    'c-parent-cycle',
    'two new agencies naming each other as parent',
    { csv: { text: `${HEADER}\n000.00.00.H71,Vòng A,province,000.00.00.H72\n000.00.00.H72,Vòng B,province,000.00.00.H71\n` } },
    {
      code: null,
      outcome: 'imported',
      status: 201,
      created: 0,
      lines: [
        [2, 'UNKNOWN_PARENT'],
        [3, 'UNKNOWN_PARENT'],
      ],
    },
  ),
  csv(
    'c-too-many-fields',
    'a row with more fields than the header, and one with fewer',
    { csv: { text: `${HEADER}\n000.00.00.H73,A,province,,extra\n000.00.01.H73,B\n` } },
    {
      code: null,
      outcome: 'imported',
      status: 201,
      created: 0,
      lines: [
        [2, 'VALIDATION_FAILED'],
        [3, 'VALIDATION_FAILED'],
      ],
    },
  ),
  csv(
    'c-all-or-nothing',
    'one bad row refuses the whole file all-or-nothing',
    { csv: { text: `${HEADER}\n000.00.00.H74,Tốt,province,\n000.00.01.H74,,province,000.00.00.H74\n` }, mode: 'all-or-nothing' },
    { code: null, outcome: 'imported', status: 201, created: 0, lines: [[3, 'VALIDATION_FAILED']] },
  ),
  csv(
    'c-200001-rows',
    '200,001 data rows (the limit is 200,000)',
    { csv: { rows: 200_001 }, mode: 'all-or-nothing' },
    { code: 'PAYLOAD_TOO_LARGE', outcome: 'refused', status: 413 },
  ),
];

// ---------------------------------------------------------------- sdk

const sdk = (id: string, description: string, input: SdkInput, code: ErrorCode | null, outcome: SdkExpected['outcome']): SdkCase => ({
  id,
  target: 'sdk',
  description,
  input,
  expected: { code, outcome },
});

export const SDK_CASES: SdkCase[] = [
  sdk('s-tampered-copy', 'a copy whose payload was altered after signing', { kind: 'tampered-copy' }, 'BAD_SIGNATURE', 'invalid'),
  sdk('s-kid-vs-lt-from', 'validly signed by agency C, but the Lt-From header says A', { kind: 'kid-other-than-lt-from' }, 'SENDER_MISMATCH', 'invalid'),
  sdk('s-from-vs-kid', "envelope from A signed with C's key", { kind: 'from-other-than-kid' }, 'SENDER_MISMATCH', 'invalid'),
  sdk(
    's-hub-lookalike',
    "a status 02 under the real hub kid, signed by an agency's key",
    { kind: 'hub-lookalike', kid: 'real-hub-kid' },
    'BAD_SIGNATURE',
    'invalid',
  ),
  sdk('s-hub-unknown-kid', 'a status 02 under a hub kid that KV does not list', { kind: 'hub-lookalike', kid: 'unknown-hub-kid' }, 'UNKNOWN_KEY', 'invalid'),
  sdk('s-revoked-key', 'a copy signed with a key revoked before it was issued', { kind: 'revoked-key' }, 'KEY_REVOKED', 'invalid'),
  sdk('s-garbage', 'bytes that are not JSON', { kind: 'garbage', text: '\u0000\u0001{{{' }, 'MALFORMED_JSON', 'invalid'),
  sdk('s-deep', 'JSON nested 10,000 deep', { kind: 'garbage', text: deep(10_000) }, 'SCHEMA_INVALID', 'invalid'),
];

export const ALL_CASES: AnyCase[] = [...ROUTER_CASES, ...GATEWAY_CASES, ...CSV_CASES, ...SDK_CASES];
