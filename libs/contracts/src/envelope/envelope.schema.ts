import { ERROR_CODES } from '../errors';
import { TIERS } from '../tiers';
import { DOSSIER_BODY_ACTIONS } from '../dossier/dossier-body';
import { DOSSIER_HUB_ACTIONS } from '../dossier/service';
import { ENVELOPE_KINDS, LIMITS } from './envelope';
import { DOCUMENT_LIMITS, type DocumentBody } from './document';
import { RECEIPT_MAX_ITEMS, STATUS_CODES } from './status';
import { ATTACHMENT_MEDIA_TYPES } from './validate';

/**
 * JSON Schema (draft 2020-12) of the envelope an agency signs and of the flattened JWS that
 * carries it, for agency systems written in other languages (Java, .NET client generation) and
 * for editors. It mirrors validateEnvelope (validate.ts) field by field with the same limits; the
 * validator stays the authority: what a regular expression cannot say (real calendar days such
 * as 2026-02-30, unpaired UTF-16 surrogates, duplicate attachment ids, the dossier service's
 * per-action checks) only the hub checks. Served by the gateway at GET /v1/schemas/envelope.json;
 * the same definitions are component schemas of the gateway's OpenAPI document.
 */

export type JsonSchema = Record<string, unknown>;

/** Where `$ref`s point: `#/$defs/` in the standalone schema, `#/components/schemas/` in OpenAPI. */
export type SchemaRefBase = '#/$defs/' | '#/components/schemas/';

export const ENVELOPE_SCHEMA_ID = 'urn:lienthong:schema:envelope:1';
export const JSON_SCHEMA_DIALECT = 'https://json-schema.org/draft/2020-12/schema';

// ---------------------------------------------------------------- value patterns (as validate-fields.ts)

const TWO_DIGITS_NON_ZERO = '(?:0[1-9]|[1-9][0-9])';
const THREE_DIGITS_NON_ZERO = '(?:00[1-9]|0[1-9][0-9]|[1-9][0-9]{2})';
/**
 * DDD.CC.BB.AXX (QCVN 102): a non-zero segment never hangs under a zero one, so the four shapes
 * are level 1 (000.00.00), 2 (000.00.BB), 3 (000.CC.BB) and 4 (DDD.CC.BB). No look-ahead, so the
 * pattern also runs in Java and .NET regex engines.
 */
export const AGENCY_CODE_PATTERN =
  `^(?:000\\.00\\.00|000\\.00\\.${TWO_DIGITS_NON_ZERO}|000\\.${TWO_DIGITS_NON_ZERO}\\.${TWO_DIGITS_NON_ZERO}|` +
  `${THREE_DIGITS_NON_ZERO}\\.${TWO_DIGITS_NON_ZERO}\\.${TWO_DIGITS_NON_ZERO})\\.[A-K][0-9]{2}$`;
export const UUID_PATTERN = '^[0-9a-f]{8}-[0-9a-f]{4}-[1-8][0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$';
export const SHA256_HEX_PATTERN = '^[0-9a-f]{64}$';

const DATE = '[0-9]{4}-(?:0[1-9]|1[0-2])-(?:0[1-9]|[12][0-9]|3[01])';
const HOUR_MINUTE = '(?:[01][0-9]|2[0-3]):[0-5][0-9]';
const ZONE = `(?:Z|[+-]${HOUR_MINUTE})`;
const TIME_WITH_ZONE = `${HOUR_MINUTE}(?::[0-5][0-9](?:\\.[0-9]{1,9})?)?${ZONE}`;
/** The envelope's own clock: ISO-8601 UTC with milliseconds. */
export const UTC_TIMESTAMP_PATTERN = `^${DATE}T${HOUR_MINUTE}:[0-5][0-9]\\.[0-9]{3}Z$`;
export const ISO_DATE_TIME_PATTERN = `^${DATE}T${TIME_WITH_ZONE}$`;
export const ISO_DATE_PATTERN = `^${DATE}(?:T${TIME_WITH_ZONE})?$`;
/** Free text: no control characters but \t and \n, nothing an XML 1.0 (edXML) export would lose. */
export const TEXT_PATTERN = '^[^\\u0000-\\u0008\\u000B-\\u001F\\u007F-\\u009F\\uFFFE\\uFFFF]*$';
const NOT_BLANK_PATTERN = '\\S';
const EMAIL_PATTERN = '^[^\\s@"<>(),;:\\\\[\\]]+@(?:[^\\s@"<>(),;:\\\\[\\].]+\\.)+[^\\s@"<>(),;:\\\\[\\].]+$';
// no control character at all (not even \t, \n), path separators, bidi overrides that disguise an extension
const BARE_FILE_NAME_PATTERN = '^[^\\u0000-\\u001F\\u007F-\\u009F/\\\\:\\u202A-\\u202E\\u2066-\\u2069]*$';
const BASE64URL_PATTERN = '^[A-Za-z0-9_-]+$';
const RAW_XML_PATTERN = '^[^\\u0000-\\u0008\\u000B\\u000C\\u000E-\\u001F\\uFFFE\\uFFFF]*$';

/** validate.ts limits that have no exported constant there. */
const STATUS_DESCRIPTION_MAX = 500;
const RECALL_REASON_MAX = 500;
const EMAIL_MAX = 254;
const EDXML_SHORT_TEXT_MAX = 500;
const MAX_PROTECTED_CHARS = 1024;
const MAX_PAYLOAD_CHARS = Math.ceil((LIMITS.maxMessageBytes * 4) / 3);

// ---------------------------------------------------------------- small builders

function refTo(base: SchemaRefBase): (name: string) => JsonSchema {
  return (name) => ({ $ref: `${base}${name}` });
}

/** A closed object: every field listed, `required` ones present, nothing else. */
function closedObject(properties: Record<string, JsonSchema>, required: string[] = [], extra: JsonSchema = {}): JsonSchema {
  return { type: 'object', properties, ...(required.length ? { required } : {}), additionalProperties: false, ...extra };
}

/** `required` in a conditional branch, naming the fields there too (Ajv's strict mode asks for it). */
function requireFields(...names: string[]): JsonSchema {
  return { properties: Object.fromEntries(names.map((n) => [n, {}])), required: names };
}

function integer(min: number, max: number = Number.MAX_SAFE_INTEGER, extra: JsonSchema = {}): JsonSchema {
  return { type: 'integer', minimum: min, maximum: max, ...extra };
}

function arrayOf(items: JsonSchema, extra: JsonSchema = {}): JsonSchema {
  return { type: 'array', items, ...extra };
}

// ---------------------------------------------------------------- document body (edXML MessageHeader)

/**
 * Fields of DocumentBody (document.ts), one entry per field, as validateDocumentBody checks them.
 * A new DocumentBody field gets one entry here (and, for a new nested object, a definition in
 * documentDefinitions below); DOCUMENT_BODY_REQUIRED lists the fields a document cannot do
 * without. Keyed by DocumentBody itself, so a field added to the interface and not here fails
 * the type check.
 */
export function documentBodyProperties(base: SchemaRefBase): Record<keyof DocumentBody, JsonSchema> {
  const ref = refTo(base);
  return {
    from: ref('OrganInfo'),
    to: arrayOf(ref('OrganInfo')),
    documentId: ref('Text'),
    code: closedObject(
      {
        codeNumber: { type: 'string', ...ref('RequiredText'), maxLength: DOCUMENT_LIMITS.codeNumber, description: 'số văn bản' },
        codeNotation: { type: 'string', ...ref('RequiredText'), maxLength: DOCUMENT_LIMITS.codeNotation, description: 'ký hiệu văn bản' },
      },
      ['codeNumber', 'codeNotation'],
    ),
    promulgationInfo: closedObject({ place: ref('Text'), promulgationDate: ref('IsoDate') }),
    documentType: closedObject({ type: integer(0), typeDetail: integer(0), typeName: ref('Text') }),
    subject: { type: 'string', ...ref('RequiredText'), maxLength: DOCUMENT_LIMITS.subject, description: 'trích yếu' },
    content: { type: 'string', ...ref('Text'), maxLength: DOCUMENT_LIMITS.content },
    signerInfo: closedObject({ competence: ref('Text'), position: ref('Text'), fullName: ref('Text') }),
    dueDate: ref('IsoDate'),
    toPlaces: arrayOf({ type: 'string', ...ref('RequiredText'), maxLength: DOCUMENT_LIMITS.toPlace }),
    otherInfo: closedObject({
      priority: integer(0, 4),
      sphereOfPromulgation: ref('Text'),
      typerNotation: ref('Text'),
      promulgationAmount: integer(0),
      pageAmount: integer(0),
      appendixes: arrayOf(ref('RequiredText')),
    }),
    steeringType: integer(0, 2),
    responseFor: arrayOf(
      closedObject({ organId: ref('AgencyCode'), code: ref('Text'), promulgationDate: ref('IsoDate'), documentId: ref('RequiredText') }, [
        'organId',
        'documentId',
      ]),
    ),
    business: ref('DocumentBusiness'),
    traceHeaders: arrayOf(ref('TraceHeader'), { maxItems: DOCUMENT_LIMITS.traceHeaders, description: 'edXML TraceHeaderList: one entry per hop' }),
    edxml: ref('EdxmlPreserved'),
  };
}

export const DOCUMENT_BODY_REQUIRED: ReadonlyArray<keyof DocumentBody> = ['code', 'subject'];

/** Named objects used by the document body. */
function documentDefinitions(base: SchemaRefBase): Record<string, JsonSchema> {
  const ref = refTo(base);
  return {
    OrganInfo: closedObject(
      {
        organId: ref('AgencyCode'),
        organizationInCharge: ref('Text'),
        organName: ref('Text'),
        organAdd: ref('Text'),
        email: ref('Email'),
        telephone: ref('Text'),
        fax: ref('Text'),
        website: ref('Text'),
      },
      ['organId'],
    ),
    StaffInfo: closedObject({ department: ref('Text'), staff: ref('Text'), mobile: ref('Text'), email: ref('Email') }),
    DocumentBusiness: closedObject(
      {
        businessDocType: integer(0, 3, { description: '0 new, 1 revoke, 2 update, 3 replace' }),
        originalId: { type: 'string', ...ref('Uuid'), description: 'envelope id of the document updated or replaced (required for 2 and 3)' },
        businessDocReason: ref('Text'),
        paper: integer(0, 1),
        staffInfo: ref('StaffInfo'),
      },
      ['businessDocType'],
      // an update (2) or replacement (3) must say which envelope it updates
      { if: { properties: { businessDocType: { enum: [2, 3] } }, required: ['businessDocType'] }, then: requireFields('originalId') },
    ),
    TraceHeader: closedObject({ organId: ref('AgencyCode'), timestamp: ref('IsoDate') }, ['organId', 'timestamp']),
    RawXml: {
      type: 'string',
      maxLength: DOCUMENT_LIMITS.edxmlRawChars,
      // not blank, and keeps its line ends (CR included) so a signature comes back byte for byte
      allOf: [{ pattern: NOT_BLANK_PATTERN }, { pattern: RAW_XML_PATTERN }],
      description: 'XML source text, exactly as in the edXML package',
    },
    EdxmlPreserved: closedObject(
      {
        signature: { ...ref('RawXml'), description: 'the XML-DSig Signature element, exact source text' },
        extensions: arrayOf(
          closedObject({ parent: { type: 'string', ...ref('RequiredText'), maxLength: EDXML_SHORT_TEXT_MAX }, xml: ref('RawXml') }, ['parent', 'xml'], {
            description: 'an element the model does not know, as its source text, and the element path it sat under',
          }),
          { maxItems: DOCUMENT_LIMITS.edxmlExtensions },
        ),
        attachments: arrayOf(
          closedObject({
            contentId: { type: 'string', ...ref('Text'), maxLength: EDXML_SHORT_TEXT_MAX },
            description: { type: 'string', ...ref('Text'), maxLength: DOCUMENT_LIMITS.content },
          }),
          { maxItems: LIMITS.maxAttachments, description: "per attachment, in the order of the envelope's attachments: edXML ContentId and Description" },
        ),
        businessIn: { const: 'MessageHeader', description: 'Bussiness sat in MessageHeader rather than in TraceHeaderList: an export writes it back there' },
      },
      [],
      { description: 'what an edXML package carries beyond the model, kept so an export gives it back' },
    ),
    DocumentBody: closedObject(documentBodyProperties(base), [...DOCUMENT_BODY_REQUIRED], {
      description: "edXML MessageHeader (QCVN 102:2016) as JSON, field by field in camelCase: the body of a 'document' envelope",
    }),
  };
}

// ---------------------------------------------------------------- all definitions

/** Which body definition goes with which kind. */
const KIND_BODIES: ReadonlyArray<readonly [string, string]> = [
  ['document', 'DocumentBody'],
  ['status', 'StatusBody'],
  ['recall', 'RecallBody'],
  ['receipt', 'ReceiptBody'],
  ['dossier', 'DossierEnvelopeBody'],
];

/** Every named definition of the envelope schema, `$ref`s written against `base`. */
export function envelopeSchemaDefinitions(base: SchemaRefBase = '#/$defs/'): Record<string, JsonSchema> {
  const ref = refTo(base);
  return {
    AgencyCode: {
      type: 'string',
      pattern: AGENCY_CODE_PATTERN,
      description: 'Electronic agency identifier DDD.CC.BB.AXX (QCVN 102:2016); a non-zero unit never sits under a zero one',
      examples: ['000.00.00.H41', '000.12.05.H41'],
    },
    Uuid: { type: 'string', pattern: UUID_PATTERN, description: 'lowercase UUID (RFC 9562), e.g. a UUIDv7' },
    UtcTimestamp: { type: 'string', pattern: UTC_TIMESTAMP_PATTERN, description: 'ISO-8601 UTC with milliseconds', examples: ['2026-11-22T08:00:00.000Z'] },
    IsoDateTime: { type: 'string', pattern: ISO_DATE_TIME_PATTERN, description: 'ISO-8601 date-time with a zone', examples: ['2026-11-22T15:00:00+07:00'] },
    IsoDate: { type: 'string', pattern: ISO_DATE_PATTERN, description: 'ISO-8601 date, or date-time with a zone', examples: ['2026-11-22'] },
    Text: { type: 'string', pattern: TEXT_PATTERN, description: 'text without control characters other than \\t and \\n' },
    RequiredText: { type: 'string', ...ref('Text'), pattern: NOT_BLANK_PATTERN, description: 'text that is not blank' },
    Email: { type: 'string', ...ref('Text'), maxLength: EMAIL_MAX, pattern: EMAIL_PATTERN },
    Tier: { type: 'string', enum: [...TIERS] },
    RecipientSelector: {
      description: 'an agency code, or every descendant of an agency (optionally of one tier, down to depth levels)',
      oneOf: [
        ref('AgencyCode'),
        closedObject({ childrenOf: ref('AgencyCode'), tier: ref('Tier'), depth: integer(1, LIMITS.maxSelectorDepth) }, ['childrenOf']),
      ],
    },
    AttachmentRef: closedObject(
      {
        id: { type: 'string', ...ref('Uuid'), description: "id of the bytes uploaded to the hub's attachments service" },
        name: {
          type: 'string',
          ...ref('RequiredText'),
          maxLength: DOCUMENT_LIMITS.attachmentName,
          allOf: [{ pattern: BARE_FILE_NAME_PATTERN }],
          not: { enum: ['.', '..'] },
          description: 'a bare file name',
        },
        mediaType: { type: 'string', enum: [...ATTACHMENT_MEDIA_TYPES] },
        size: integer(0),
        sha256: { type: 'string', pattern: SHA256_HEX_PATTERN, description: 'lowercase hex SHA-256 of the bytes, which travel outside the envelope' },
      },
      ['name', 'mediaType', 'size', 'sha256'],
    ),
    ...documentDefinitions(base),
    StatusBody: closedObject(
      {
        responseFor: { type: 'string', ...ref('Uuid'), description: 'envelope id of the document this status is about' },
        statusCode: {
          type: 'string',
          enum: Object.keys(STATUS_CODES),
          description: Object.entries(STATUS_CODES)
            .map(([k, v]) => `${k} ${v}`)
            .join(', '),
        },
        description: { type: 'string', ...ref('Text'), maxLength: STATUS_DESCRIPTION_MAX },
        reasonCode: { type: 'string', ...ref('ErrorCode'), description: 'for 02 refusals (required then): why, machine-readably' },
        staffInfo: ref('StaffInfo'),
        timestamp: ref('IsoDateTime'),
      },
      ['responseFor', 'statusCode'],
      { if: { properties: { statusCode: { const: '02' } }, required: ['statusCode'] }, then: requireFields('reasonCode') },
    ),
    ErrorCode: { type: 'string', enum: Object.keys(ERROR_CODES), description: 'stable error code' },
    RecallBody: closedObject({ responseFor: ref('Uuid'), reason: { type: 'string', ...ref('Text'), maxLength: RECALL_REASON_MAX } }, ['responseFor']),
    ReceiptItem: closedObject(
      {
        messageId: ref('Uuid'),
        recipient: ref('AgencyCode'),
        event: { type: 'string', enum: ['delivered', 'arrived'] },
        at: ref('UtcTimestamp'),
        seq: integer(0),
        leafHash: ref('RequiredText'),
      },
      ['messageId', 'recipient', 'event', 'at', 'seq', 'leafHash'],
    ),
    ReceiptBody: closedObject(
      { checkpoint: ref('RequiredText'), items: arrayOf(ref('ReceiptItem'), { minItems: 1, maxItems: RECEIPT_MAX_ITEMS }) },
      ['checkpoint', 'items'],
      {
        description: 'hub-signed proof that steps of deliveries are in the audit log',
      },
    ),
    DossierEnvelopeBody: {
      type: 'object',
      required: ['action'],
      properties: { action: { type: 'string', enum: [...DOSSIER_BODY_ACTIONS, ...DOSSIER_HUB_ACTIONS] } },
      description:
        "body of a 'dossier' envelope: submit, transfer, return, transition (agencies) or applied, overdue-notice (hub-signed). " +
        'The fields of each action are checked by the dossier service (validateDossierBody), not by this schema',
    },
    Envelope: {
      ...closedObject(
        {
          id: ref('Uuid'),
          kind: { type: 'string', enum: [...ENVELOPE_KINDS] },
          from: ref('AgencyCode'),
          to: arrayOf(ref('RecipientSelector'), { minItems: 1, maxItems: LIMITS.maxRecipients }),
          issuedAt: ref('UtcTimestamp'),
          body: {
            description: 'by kind: document DocumentBody, status StatusBody, recall RecallBody, receipt ReceiptBody, dossier DossierEnvelopeBody',
            anyOf: [ref('DocumentBody'), ref('StatusBody'), ref('RecallBody'), ref('ReceiptBody'), ref('DossierEnvelopeBody')],
          },
          attachments: arrayOf(ref('AttachmentRef'), { maxItems: LIMITS.maxAttachments }),
        },
        ['id', 'kind', 'from', 'to', 'issuedAt', 'body'],
      ),
      description: 'what an agency signs (the JWS payload)',
      allOf: KIND_BODIES.map(([kind, body]) => ({
        if: { properties: { kind: { const: kind } }, required: ['kind'] },
        then: { properties: { body: ref(body) } },
      })),
    },
    FlattenedJws: closedObject(
      {
        protected: {
          type: 'string',
          pattern: BASE64URL_PATTERN,
          maxLength: MAX_PROTECTED_CHARS,
          description: 'BASE64URL of {"alg","kid","typ":"lt-envelope+jws"}',
        },
        payload: { type: 'string', pattern: BASE64URL_PATTERN, maxLength: MAX_PAYLOAD_CHARS, description: 'BASE64URL of the Envelope JSON' },
        signature: { type: 'string', pattern: BASE64URL_PATTERN },
      },
      ['protected', 'payload', 'signature'],
      { description: 'flattened JWS JSON serialization, as published on lt.submit.* and delivered in inboxes' },
    ),
  };
}

/** The standalone schema of an Envelope (its definitions, FlattenedJws included, under $defs). */
export function envelopeJsonSchema(): JsonSchema {
  return {
    $schema: JSON_SCHEMA_DIALECT,
    $id: ENVELOPE_SCHEMA_ID,
    title: 'LienThong envelope',
    $ref: '#/$defs/Envelope',
    $defs: envelopeSchemaDefinitions('#/$defs/'),
  };
}

/** The standalone schema of the flattened JWS that carries an envelope. */
export function flattenedJwsJsonSchema(): JsonSchema {
  const defs = envelopeSchemaDefinitions('#/$defs/');
  return { $schema: JSON_SCHEMA_DIALECT, $id: 'urn:lienthong:schema:flattened-jws:1', title: 'LienThong flattened JWS', ...defs.FlattenedJws };
}
