import { LtError, isErrorCode, toLtError } from '../errors';
import { parseSelectors } from '../agency-code/selectors';
import { ENVELOPE_KINDS, LIMITS, type AttachmentRef, type Envelope, type EnvelopeKind } from './envelope';
import { DOCUMENT_LIMITS, type DocumentBody } from './document';
import { RECEIPT_MAX_ITEMS, isStatusCode, type RecallBody, type ReceiptBody, type ReceiptItem, type StatusBody } from './status';
import {
  checkAgencyCode,
  checkAnyObject,
  checkArray,
  checkEmail,
  checkInteger,
  checkIsoDate,
  checkIsoDateTime,
  checkObject,
  checkText,
  checkUtcTimestamp,
  checkUuid,
  preview,
  describeType,
  schemaError,
  type JsonObject,
} from './validate-fields';

/**
 * Structural validation of an envelope (the JSON an agency signs) and of its body per kind.
 * Pure and synchronous; every failure is an LtError (SCHEMA_INVALID or INVALID_AGENCY_CODE)
 * whose message starts with the JSON path and whose details.field is that path.
 * Signatures, sender identity, recipients' existence and clock skew are the router's job.
 */

/**
 * Attachment media types accepted by the hub (pdf, docx, doc, xlsx, xls, odt, ods, jpeg, png, zip,
 * xml, txt, and opaque binary for maps, surveys and data exports none of these describe).
 */
export const ATTACHMENT_MEDIA_TYPES = [
  'application/pdf',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/msword',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.ms-excel',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'image/jpeg',
  'image/png',
  'application/zip',
  'application/xml',
  'text/xml',
  'text/plain',
  'application/octet-stream',
] as const;
export type AttachmentMediaType = (typeof ATTACHMENT_MEDIA_TYPES)[number];

const MEDIA_TYPES: ReadonlySet<string> = new Set(ATTACHMENT_MEDIA_TYPES);

export function isAttachmentMediaType(value: unknown): value is AttachmentMediaType {
  return typeof value === 'string' && MEDIA_TYPES.has(value);
}

/**
 * Extra validation for one kind's body, plugged in by the module that owns it (e.g. dossiers).
 * Runs after the built-in checks; throws LtError naming the field (see schemaError in validate-fields).
 */
export type BodyValidator = (body: JsonObject, envelope: Envelope<JsonObject>) => void;

const bodyValidators = new Map<EnvelopeKind, BodyValidator>();

/**
 * Registers the validator for a kind's body (replacing an earlier one for that kind).
 * Returns a function that removes it again.
 */
export function registerBodyValidator(kind: EnvelopeKind, validator: BodyValidator): () => void {
  if (!(ENVELOPE_KINDS as readonly string[]).includes(kind)) {
    throw new LtError('INTERNAL', `registerBodyValidator: unknown envelope kind ${preview(kind)}`, { kind });
  }
  bodyValidators.set(kind, validator);
  return () => {
    if (bodyValidators.get(kind) === validator) bodyValidators.delete(kind);
  };
}

const ENVELOPE_FIELDS: ReadonlySet<string> = new Set(['id', 'kind', 'from', 'to', 'issuedAt', 'body', 'attachments']);
const KINDS: ReadonlySet<string> = new Set(ENVELOPE_KINDS);

/** Checks every field of an envelope and its body; returns the same value, typed. */
export function validateEnvelope(value: unknown): Envelope {
  const env = checkObject(value, '', ENVELOPE_FIELDS);
  checkUuid(env.id, 'id');
  if (typeof env.kind !== 'string' || !KINDS.has(env.kind)) {
    throw schemaError('kind', `must be one of ${ENVELOPE_KINDS.join(', ')}, got ${preview(env.kind)}`, { reason: 'enum' });
  }
  const kind = env.kind as EnvelopeKind;
  if (env.from === undefined) throw schemaError('from', 'is required', { reason: 'required' });
  checkAgencyCode(env.from, 'from');
  if (env.to === undefined) throw schemaError('to', 'is required', { reason: 'required' });
  parseSelectors(env.to);
  checkUtcTimestamp(env.issuedAt, 'issuedAt');
  validateAttachments(env.attachments);
  if (env.body === undefined) throw schemaError('body', 'is required', { reason: 'required' });
  validateBody(kind, env.body, 'body');
  const extra = bodyValidators.get(kind);
  if (extra) {
    try {
      extra(env.body as JsonObject, env as unknown as Envelope<JsonObject>);
    } catch (e) {
      // a bug in a plugged-in validator stays an LtError (INTERNAL), never a bare TypeError
      throw toLtError(e);
    }
  }
  return env as unknown as Envelope;
}

function validateBody(kind: EnvelopeKind, body: unknown, path: string): void {
  switch (kind) {
    case 'document':
      validateDocumentBody(body, path);
      return;
    case 'status':
      validateStatusBody(body, path);
      return;
    case 'recall':
      validateRecallBody(body, path);
      return;
    case 'receipt':
      validateReceiptBody(body, path);
      return;
    case 'dossier':
      checkAnyObject(body, path);
      return;
  }
}

// ---------------------------------------------------------------- attachments

const ATTACHMENT_FIELDS: ReadonlySet<string> = new Set(['id', 'name', 'mediaType', 'size', 'sha256']);
const SHA256_HEX = /^[0-9a-f]{64}$/;
// path separators (POSIX, Windows, drive/stream colon) and bidi overrides that disguise extensions
const UNSAFE_NAME_CHAR = /[/\\:\u202A-\u202E\u2066-\u2069]/;
const ANY_CONTROL_CHAR = /[\u0000-\u001F\u007F-\u009F]/;

export function validateAttachments(value: unknown, path = 'attachments'): AttachmentRef[] | undefined {
  const list = checkArray(value, path, { max: LIMITS.maxAttachments });
  if (list === undefined) return undefined;
  for (let i = 0; i < list.length; i++) {
    const at = `${path}[${i}]`;
    const a = checkObject(list[i], at, ATTACHMENT_FIELDS);
    if (a.id !== undefined) checkUuid(a.id, `${at}.id`);
    const name = checkText(a.name, `${at}.name`, { required: true, max: DOCUMENT_LIMITS.attachmentName });
    if (ANY_CONTROL_CHAR.test(name)) throw schemaError(`${at}.name`, 'must not contain control characters', { reason: 'control_char' });
    const unsafe = UNSAFE_NAME_CHAR.exec(name);
    if (unsafe) {
      throw schemaError(`${at}.name`, `must be a bare file name; ${JSON.stringify(unsafe[0])} is not allowed`, { reason: 'path' });
    }
    if (name === '.' || name === '..') throw schemaError(`${at}.name`, `must be a file name, got ${JSON.stringify(name)}`, { reason: 'path' });
    if (!isAttachmentMediaType(a.mediaType)) {
      throw schemaError(`${at}.mediaType`, `must be an allowed media type (pdf, docx, doc, xlsx, xls, odt, ods, jpeg, png, zip, xml, txt; lowercase, no parameters), got ${preview(a.mediaType)}`, {
        reason: 'media_type',
      });
    }
    checkInteger(a.size, `${at}.size`, { required: true, min: 0 });
    if (a.id !== undefined && list.some((b, j) => j < i && (b as { id?: unknown }).id === a.id)) {
      throw schemaError(`${at}.id`, `names the same upload as an earlier attachment`, { reason: 'duplicate' });
    }
    if (typeof a.sha256 !== 'string' || !SHA256_HEX.test(a.sha256)) {
      throw schemaError(`${at}.sha256`, a.sha256 === undefined ? 'is required' : `must be 64 lowercase hex characters, got ${preview(a.sha256)}`, {
        reason: a.sha256 === undefined ? 'required' : 'sha256',
      });
    }
  }
  return list as AttachmentRef[];
}

// ---------------------------------------------------------------- document

const DOCUMENT_FIELDS: ReadonlySet<string> = new Set([
  'from',
  'to',
  'documentId',
  'code',
  'promulgationInfo',
  'documentType',
  'subject',
  'content',
  'signerInfo',
  'dueDate',
  'toPlaces',
  'otherInfo',
  'steeringType',
  'responseFor',
  'business',
  'traceHeaders',
  'edxml',
]);
const ORGAN_FIELDS: ReadonlySet<string> = new Set(['organId', 'organizationInCharge', 'organName', 'organAdd', 'email', 'telephone', 'fax', 'website']);
const CODE_FIELDS: ReadonlySet<string> = new Set(['codeNumber', 'codeNotation']);
const PROMULGATION_FIELDS: ReadonlySet<string> = new Set(['place', 'promulgationDate']);
const DOCUMENT_TYPE_FIELDS: ReadonlySet<string> = new Set(['type', 'typeDetail', 'typeName']);
const SIGNER_FIELDS: ReadonlySet<string> = new Set(['competence', 'position', 'fullName']);
const OTHER_INFO_FIELDS: ReadonlySet<string> = new Set(['priority', 'sphereOfPromulgation', 'typerNotation', 'promulgationAmount', 'pageAmount', 'appendixes']);
const RESPONSE_FOR_FIELDS: ReadonlySet<string> = new Set(['organId', 'code', 'promulgationDate', 'documentId']);
const BUSINESS_FIELDS: ReadonlySet<string> = new Set(['businessDocType', 'originalId', 'businessDocReason', 'paper', 'staffInfo']);
const STAFF_FIELDS: ReadonlySet<string> = new Set(['department', 'staff', 'mobile', 'email']);
const TRACE_HEADER_FIELDS: ReadonlySet<string> = new Set(['organId', 'timestamp']);
const EDXML_FIELDS: ReadonlySet<string> = new Set(['signature', 'extensions', 'attachments', 'businessIn']);
const EDXML_EXTENSION_FIELDS: ReadonlySet<string> = new Set(['parent', 'xml']);
const EDXML_ATTACHMENT_FIELDS: ReadonlySet<string> = new Set(['contentId', 'description']);
// raw XML source keeps its line ends (CR included) so a signature comes back byte for byte
const RAW_XML_FORBIDDEN_CHAR = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/;

/** edXML MessageHeader as JSON (envelope/document.ts) with the QCVN 102 limits of DOCUMENT_LIMITS. */
export function validateDocumentBody(value: unknown, path = 'body'): DocumentBody {
  const b = checkObject(value, path, DOCUMENT_FIELDS);
  if (b.from !== undefined) validateOrgan(b.from, `${path}.from`);
  const to = checkArray(b.to, `${path}.to`);
  if (to) for (let i = 0; i < to.length; i++) validateOrgan(to[i], `${path}.to[${i}]`);
  checkText(b.documentId, `${path}.documentId`);

  if (b.code === undefined) throw schemaError(`${path}.code`, 'is required', { reason: 'required' });
  const code = checkObject(b.code, `${path}.code`, CODE_FIELDS);
  checkText(code.codeNumber, `${path}.code.codeNumber`, { required: true, max: DOCUMENT_LIMITS.codeNumber });
  checkText(code.codeNotation, `${path}.code.codeNotation`, { required: true, max: DOCUMENT_LIMITS.codeNotation });

  if (b.promulgationInfo !== undefined) {
    const p = checkObject(b.promulgationInfo, `${path}.promulgationInfo`, PROMULGATION_FIELDS);
    checkText(p.place, `${path}.promulgationInfo.place`);
    checkIsoDate(p.promulgationDate, `${path}.promulgationInfo.promulgationDate`);
  }
  if (b.documentType !== undefined) {
    const t = checkObject(b.documentType, `${path}.documentType`, DOCUMENT_TYPE_FIELDS);
    checkInteger(t.type, `${path}.documentType.type`, { min: 0 });
    checkInteger(t.typeDetail, `${path}.documentType.typeDetail`, { min: 0 });
    checkText(t.typeName, `${path}.documentType.typeName`);
  }
  checkText(b.subject, `${path}.subject`, { required: true, max: DOCUMENT_LIMITS.subject });
  checkText(b.content, `${path}.content`, { max: DOCUMENT_LIMITS.content });
  if (b.signerInfo !== undefined) {
    const s = checkObject(b.signerInfo, `${path}.signerInfo`, SIGNER_FIELDS);
    checkText(s.competence, `${path}.signerInfo.competence`);
    checkText(s.position, `${path}.signerInfo.position`);
    checkText(s.fullName, `${path}.signerInfo.fullName`);
  }
  checkIsoDate(b.dueDate, `${path}.dueDate`);
  const places = checkArray(b.toPlaces, `${path}.toPlaces`);
  if (places) for (let i = 0; i < places.length; i++) checkText(places[i], `${path}.toPlaces[${i}]`, { required: true, max: DOCUMENT_LIMITS.toPlace });

  if (b.otherInfo !== undefined) {
    const o = checkObject(b.otherInfo, `${path}.otherInfo`, OTHER_INFO_FIELDS);
    checkInteger(o.priority, `${path}.otherInfo.priority`, { min: 0, max: 4 });
    checkText(o.sphereOfPromulgation, `${path}.otherInfo.sphereOfPromulgation`);
    checkText(o.typerNotation, `${path}.otherInfo.typerNotation`);
    checkInteger(o.promulgationAmount, `${path}.otherInfo.promulgationAmount`, { min: 0 });
    checkInteger(o.pageAmount, `${path}.otherInfo.pageAmount`, { min: 0 });
    const appendixes = checkArray(o.appendixes, `${path}.otherInfo.appendixes`);
    if (appendixes) for (let i = 0; i < appendixes.length; i++) checkText(appendixes[i], `${path}.otherInfo.appendixes[${i}]`, { required: true });
  }
  checkInteger(b.steeringType, `${path}.steeringType`, { min: 0, max: 2 });

  const responseFor = checkArray(b.responseFor, `${path}.responseFor`);
  if (responseFor) {
    for (let i = 0; i < responseFor.length; i++) {
      const at = `${path}.responseFor[${i}]`;
      const r = checkObject(responseFor[i], at, RESPONSE_FOR_FIELDS);
      if (r.organId === undefined) throw schemaError(`${at}.organId`, 'is required', { reason: 'required' });
      checkAgencyCode(r.organId, `${at}.organId`);
      checkText(r.code, `${at}.code`);
      checkIsoDate(r.promulgationDate, `${at}.promulgationDate`);
      checkText(r.documentId, `${at}.documentId`, { required: true });
    }
  }

  if (b.business !== undefined) {
    const at = `${path}.business`;
    const biz = checkObject(b.business, at, BUSINESS_FIELDS);
    const docType = checkInteger(biz.businessDocType, `${at}.businessDocType`, { required: true, min: 0, max: 3 });
    // an update (2) or replacement (3) must say which envelope it updates
    checkUuid(biz.originalId, `${at}.originalId`, { required: docType === 2 || docType === 3 });
    checkText(biz.businessDocReason, `${at}.businessDocReason`);
    checkInteger(biz.paper, `${at}.paper`, { min: 0, max: 1 });
    if (biz.staffInfo !== undefined) validateStaffInfo(biz.staffInfo, `${at}.staffInfo`);
  }

  const traces = checkArray(b.traceHeaders, `${path}.traceHeaders`, { max: DOCUMENT_LIMITS.traceHeaders });
  if (traces) {
    for (let i = 0; i < traces.length; i++) {
      const at = `${path}.traceHeaders[${i}]`;
      const t = checkObject(traces[i], at, TRACE_HEADER_FIELDS);
      if (t.organId === undefined) throw schemaError(`${at}.organId`, 'is required', { reason: 'required' });
      checkAgencyCode(t.organId, `${at}.organId`);
      checkIsoDate(t.timestamp, `${at}.timestamp`, { required: true });
    }
  }
  if (b.edxml !== undefined) validateEdxmlPreserved(b.edxml, `${path}.edxml`);
  return b as unknown as DocumentBody;
}

function validateEdxmlPreserved(value: unknown, at: string): void {
  const e = checkObject(value, at, EDXML_FIELDS);
  if (e.businessIn !== undefined && e.businessIn !== 'MessageHeader') throw schemaError(`${at}.businessIn`, `must be "MessageHeader" when set, got ${describeType(e.businessIn)}`);
  checkRawXml(e.signature, `${at}.signature`);
  const extensions = checkArray(e.extensions, `${at}.extensions`, { max: DOCUMENT_LIMITS.edxmlExtensions });
  if (extensions) {
    for (let i = 0; i < extensions.length; i++) {
      const x = checkObject(extensions[i], `${at}.extensions[${i}]`, EDXML_EXTENSION_FIELDS);
      checkText(x.parent, `${at}.extensions[${i}].parent`, { required: true, max: 500 });
      if (x.xml === undefined) throw schemaError(`${at}.extensions[${i}].xml`, 'is required', { reason: 'required' });
      checkRawXml(x.xml, `${at}.extensions[${i}].xml`);
    }
  }
  const attachments = checkArray(e.attachments, `${at}.attachments`, { max: LIMITS.maxAttachments });
  if (attachments) {
    for (let i = 0; i < attachments.length; i++) {
      const a = checkObject(attachments[i], `${at}.attachments[${i}]`, EDXML_ATTACHMENT_FIELDS);
      checkText(a.contentId, `${at}.attachments[${i}].contentId`, { max: 500 });
      checkText(a.description, `${at}.attachments[${i}].description`, { max: DOCUMENT_LIMITS.content });
    }
  }
}

function checkRawXml(value: unknown, field: string): void {
  if (value === undefined) return;
  if (typeof value !== 'string' || value.trim() === '') throw schemaError(field, 'must be a non-empty string of XML');
  if (value.length > DOCUMENT_LIMITS.edxmlRawChars) {
    throw schemaError(field, `is ${value.length} characters; at most ${DOCUMENT_LIMITS.edxmlRawChars}`, { reason: 'too_long', max: DOCUMENT_LIMITS.edxmlRawChars });
  }
  const bad = RAW_XML_FORBIDDEN_CHAR.exec(value);
  if (bad) throw schemaError(field, `contains control character at index ${bad.index}`, { reason: 'control_char', index: bad.index });
}

function validateOrgan(value: unknown, at: string): void {
  const o = checkObject(value, at, ORGAN_FIELDS);
  if (o.organId === undefined) throw schemaError(`${at}.organId`, 'is required', { reason: 'required' });
  checkAgencyCode(o.organId, `${at}.organId`);
  checkText(o.organizationInCharge, `${at}.organizationInCharge`);
  checkText(o.organName, `${at}.organName`);
  checkText(o.organAdd, `${at}.organAdd`);
  checkEmail(o.email, `${at}.email`);
  checkText(o.telephone, `${at}.telephone`);
  checkText(o.fax, `${at}.fax`);
  checkText(o.website, `${at}.website`);
}

function validateStaffInfo(value: unknown, at: string): void {
  const s = checkObject(value, at, STAFF_FIELDS);
  checkText(s.department, `${at}.department`);
  checkText(s.staff, `${at}.staff`);
  checkText(s.mobile, `${at}.mobile`);
  checkEmail(s.email, `${at}.email`);
}

// ---------------------------------------------------------------- status, recall, receipt

const STATUS_FIELDS: ReadonlySet<string> = new Set(['responseFor', 'statusCode', 'description', 'reasonCode', 'staffInfo', 'timestamp']);
const STATUS_DESCRIPTION_MAX = 500;

export function validateStatusBody(value: unknown, path = 'body'): StatusBody {
  const b = checkObject(value, path, STATUS_FIELDS);
  checkUuid(b.responseFor, `${path}.responseFor`);
  if (!isStatusCode(b.statusCode)) {
    throw schemaError(`${path}.statusCode`, b.statusCode === undefined ? 'is required' : `must be a known status code (01-06, 13, 15, 16), got ${preview(b.statusCode)}`, {
      reason: b.statusCode === undefined ? 'required' : 'enum',
    });
  }
  checkText(b.description, `${path}.description`, { max: STATUS_DESCRIPTION_MAX });
  // a refusal must say why, machine-readably
  if (b.reasonCode === undefined) {
    if (b.statusCode === '02') throw schemaError(`${path}.reasonCode`, 'is required when statusCode is 02 (refused)', { reason: 'required' });
  } else if (!isErrorCode(b.reasonCode)) {
    throw schemaError(`${path}.reasonCode`, `must be a known error code, got ${preview(b.reasonCode)}`, { reason: 'enum' });
  }
  if (b.staffInfo !== undefined) validateStaffInfo(b.staffInfo, `${path}.staffInfo`);
  checkIsoDateTime(b.timestamp, `${path}.timestamp`);
  return b as unknown as StatusBody;
}

const RECALL_FIELDS: ReadonlySet<string> = new Set(['responseFor', 'reason']);
const RECALL_REASON_MAX = 500;

export function validateRecallBody(value: unknown, path = 'body'): RecallBody {
  const b = checkObject(value, path, RECALL_FIELDS);
  checkUuid(b.responseFor, `${path}.responseFor`);
  checkText(b.reason, `${path}.reason`, { max: RECALL_REASON_MAX });
  return b as unknown as RecallBody;
}

const RECEIPT_FIELDS: ReadonlySet<string> = new Set(['checkpoint', 'items']);
const RECEIPT_ITEM_FIELDS: ReadonlySet<string> = new Set(['messageId', 'recipient', 'event', 'at', 'seq', 'leafHash']);
const RECEIPT_EVENTS: ReadonlySet<string> = new Set(['delivered', 'arrived']);

export function validateReceiptBody(value: unknown, path = 'body'): ReceiptBody {
  const b = checkObject(value, path, RECEIPT_FIELDS);
  checkText(b.checkpoint, `${path}.checkpoint`, { required: true });
  const items = checkArray(b.items, `${path}.items`, { required: true, nonEmpty: true, max: RECEIPT_MAX_ITEMS });
  for (let i = 0; i < items.length; i++) validateReceiptItem(items[i], `${path}.items[${i}]`);
  return b as unknown as ReceiptBody;
}

function validateReceiptItem(value: unknown, at: string): ReceiptItem {
  const it = checkObject(value, at, RECEIPT_ITEM_FIELDS);
  checkUuid(it.messageId, `${at}.messageId`);
  if (it.recipient === undefined) throw schemaError(`${at}.recipient`, 'is required', { reason: 'required' });
  checkAgencyCode(it.recipient, `${at}.recipient`);
  if (typeof it.event !== 'string' || !RECEIPT_EVENTS.has(it.event)) {
    throw schemaError(`${at}.event`, `must be delivered or arrived, got ${preview(it.event)}`, { reason: it.event === undefined ? 'required' : 'enum' });
  }
  checkUtcTimestamp(it.at, `${at}.at`);
  checkInteger(it.seq, `${at}.seq`, { required: true, min: 0 });
  checkText(it.leafHash, `${at}.leafHash`, { required: true });
  return it as unknown as ReceiptItem;
}
