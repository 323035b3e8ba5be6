import {
  LtError,
  STATUS_CODES,
  DOCUMENT_LIMITS,
  checkAgencyCode,
  checkEmail,
  checkText,
  isStatusCode,
  toLtError,
  validateAttachments,
  validateDocumentBody,
  type DocumentBody,
  type EdxmlExtension,
  type OrganInfo,
} from '@lt/contracts';
import { fileAttachmentSink } from './attachment-sink';
import { nationalToIso } from './dates';
import { toHubMediaType } from './media-types';
import {
  DOCUMENT_ROOT,
  EDXML_NAMESPACE,
  HEADER_PATH,
  MESSAGE_HEADER_PATH,
  REPEATABLE,
  STATUS_ROOT_NAMES,
  TRACE_LIST_PATH,
  classifyDocument,
  classifyStatus,
  elementPathOf,
} from './names';
import { readXmlTree, type XmlInput, type XmlNode } from './xml-stream';
import type {
  AttachmentWriter,
  EdxmlAttachment,
  EdxmlDocumentPackage,
  EdxmlOriginalReference,
  EdxmlPackage,
  EdxmlResponseFor,
  EdxmlStatusPackage,
  ReadEdxmlOptions,
} from './types';

/** Default most bytes of one package: attachments are inline, base64 (4/3 of their size). */
export const DEFAULT_MAX_PACKAGE_BYTES = 512 * 1024 * 1024;
/** Status descriptions: as StatusBody.description. */
const STATUS_DESCRIPTION_MAX = 500;
/** A syntactically valid envelope id standing in for the one the caller resolves (business 2/3). */
const UNRESOLVED_ORIGINAL_ID = '00000000-0000-7000-8000-000000000000';

/**
 * Reads an edXML package (a document package or a status package, told apart by the root element)
 * as a stream: attachments go to the sink as they are decoded. Every failure is an LtError:
 * EDXML_MALFORMED, EDXML_FORBIDDEN_CONSTRUCT, EDXML_INVALID, INVALID_AGENCY_CODE, PAYLOAD_TOO_LARGE.
 */
export async function readEdxml(input: XmlInput, opts: ReadEdxmlOptions = {}): Promise<EdxmlPackage> {
  const sink = opts.sink ?? fileAttachmentSink(opts.attachmentsDir);
  const opened: AttachmentWriter[] = [];
  let kind: 'document' | 'status' | undefined;
  try {
    const root = await readXmlTree(input, {
      maxBytes: opts.maxBytes ?? DEFAULT_MAX_PACKAGE_BYTES,
      maxRawChars: DOCUMENT_LIMITS.edxmlRawChars,
      repeatable: REPEATABLE,
      rootBindings: new Map([
        ['edXML', EDXML_NAMESPACE],
        ['', EDXML_NAMESPACE],
      ]),
      classify: (names) => {
        if (names.length === 1) {
          if (names[0] === DOCUMENT_ROOT) kind = 'document';
          else if (STATUS_ROOT_NAMES.has(names[0])) kind = 'status';
          else {
            throw new LtError(
              'EDXML_INVALID',
              `the root element must be edXML (a document) or Status / a SOAP Envelope (a status), got ${JSON.stringify(names[0].slice(0, 60))}`,
              {
                field: names[0],
                reason: 'root',
              },
            );
          }
        }
        return kind === 'document' ? classifyDocument(names) : classifyStatus(names);
      },
      openBase64: async (element, attachment) => {
        const writer = await sink.open({
          index: indexOf(attachment),
          contentId: leaf(firstChild(attachment, 'ContentId')),
          name: leaf(firstChild(attachment, 'AttachmentName')),
          contentType: leaf(firstChild(attachment, 'ContentType')),
        });
        opened.push(writer);
        return writer;
      },
    });
    return kind === 'document' ? documentPackage(root) : statusPackage(root);
  } catch (e) {
    await Promise.allSettled(opened.map((w) => w.abort()));
    // a failing input stream or sink is still an LtError (INTERNAL), never a bare Error
    throw toLtError(e);
  }
}

/**
 * The body with business.originalId set: the envelope id the caller resolved from
 * pkg.original.documentId (required by the hub for business 2 and 3).
 */
export function withOriginalId(body: DocumentBody, originalId: string): DocumentBody {
  if (!body.business) throw new LtError('BAD_REQUEST', 'the document has no Bussiness element to set an original id on');
  return { ...body, business: { ...body.business, originalId } };
}

// ---------------------------------------------------------------- tree access

function indexOf(node: XmlNode): number {
  const m = /\[(\d+)\]$/.exec(node.path);
  return m ? Number(m[1]) : 0;
}

function firstChild(node: XmlNode | undefined, local: string): XmlNode | undefined {
  return node?.children.find((c) => c.local === local && c.raw === undefined);
}

function kids(node: XmlNode | undefined, local: string): XmlNode[] {
  return node ? node.children.filter((c) => c.local === local && c.raw === undefined) : [];
}

/** The one child of that name (EDXML_INVALID when it repeats: the model keeps one). */
function one(node: XmlNode | undefined, local: string): XmlNode | undefined {
  const found = kids(node, local);
  if (found.length > 1) throw invalid(found[1].path, 'appears more than once', 'duplicate');
  return found[0];
}

/** Text of a leaf element; absent, empty or blank is undefined. */
function leaf(node: XmlNode | undefined): string | undefined {
  if (!node || node.text.trim() === '') return undefined;
  return node.text;
}

function integer(node: XmlNode | undefined): number | undefined {
  const text = leaf(node);
  if (text === undefined) return undefined;
  if (!/^\s*\d{1,15}\s*$/.test(text)) throw invalid(node!.path, `must be a whole number, got ${JSON.stringify(text.slice(0, 40))}`, 'integer');
  return Number(text);
}

function date(node: XmlNode | undefined): string | undefined {
  const text = leaf(node);
  return text === undefined ? undefined : nationalToIso(text, node!.path);
}

function invalid(field: string, problem: string, reason: string): LtError {
  return new LtError('EDXML_INVALID', `${field} ${problem}`, { field, reason });
}

/** Drops undefined values, and objects and arrays left empty. */
function prune<T>(value: T): T | undefined {
  if (Array.isArray(value)) {
    const items = value.map((v) => prune(v)).filter((v) => v !== undefined);
    return (items.length ? items : undefined) as T | undefined;
  }
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const p = prune(v);
      if (p !== undefined) out[k] = p;
    }
    return (Object.keys(out).length ? out : undefined) as T | undefined;
  }
  return value;
}

function organ(node: XmlNode | undefined): OrganInfo | undefined {
  if (!node) return undefined;
  return prune({
    organId: leaf(one(node, 'OrganId')),
    organizationInCharge: leaf(one(node, 'OrganizationInCharge')),
    organName: leaf(one(node, 'OrganName')),
    organAdd: leaf(one(node, 'OrganAdd')),
    email: leaf(one(node, 'Email')),
    telephone: leaf(one(node, 'Telephone')),
    fax: leaf(one(node, 'Fax')),
    website: leaf(one(node, 'Website')),
  }) as OrganInfo | undefined;
}

function staffInfo(node: XmlNode | undefined) {
  if (!node) return undefined;
  return prune({
    department: leaf(one(node, 'Department')),
    staff: leaf(one(node, 'Staff')),
    mobile: leaf(one(node, 'Mobile')),
    email: leaf(one(node, 'Email')),
  });
}

function responseFor(node: XmlNode): EdxmlResponseFor {
  return prune({
    organId: leaf(one(node, 'OrganId')),
    code: leaf(one(node, 'Code')),
    promulgationDate: date(one(node, 'PromulgationDate')),
    documentId: leaf(one(node, 'DocumentId')),
  }) as EdxmlResponseFor;
}

/** Raw (unknown) elements under known ones, with their parent's path; Signature apart. */
function preserved(root: XmlNode, signaturePath: string, normalizeParent: (path: string) => string): { signature?: string; extensions: EdxmlExtension[] } {
  let signature: string | undefined;
  const extensions: EdxmlExtension[] = [];
  const walk = (node: XmlNode) => {
    for (const child of node.children) {
      if (child.raw === undefined) walk(child);
      else if (child.path === signaturePath && signature === undefined) signature = child.raw;
      else {
        if (extensions.length >= DOCUMENT_LIMITS.edxmlExtensions) {
          throw invalid(child.path, `is one element too many of those the hub does not know (at most ${DOCUMENT_LIMITS.edxmlExtensions} are kept)`, 'too_many');
        }
        extensions.push({ parent: normalizeParent(node.path), xml: child.raw });
      }
    }
  };
  walk(root);
  return { signature, extensions };
}

/** LtError of a model check (JSON path) restated with the element path. */
function restated(e: unknown, pathOf: (jsonPath: string) => string): unknown {
  if (!(e instanceof LtError) || typeof e.details?.field !== 'string') return e;
  const jsonPath = e.details.field;
  const field = pathOf(jsonPath);
  const message = e.message.startsWith(jsonPath) ? `${field}${e.message.slice(jsonPath.length)}` : e.message.replace(jsonPath, field);
  return new LtError(e.code === 'SCHEMA_INVALID' ? 'EDXML_INVALID' : e.code, message, { ...e.details, field });
}

// ---------------------------------------------------------------- document package

function documentPackage(root: XmlNode): EdxmlDocumentPackage {
  const envelope = one(root, 'edXMLEnvelope');
  const header = one(envelope, 'edXMLHeader');
  const mh = one(header, 'MessageHeader');
  if (!mh) throw invalid(MESSAGE_HEADER_PATH, 'is required', 'required');
  const traceList = one(header, 'TraceHeaderList');
  const bizInHeader = one(mh, 'Bussiness');
  const bizInTrace = one(traceList, 'Bussiness');
  if (bizInHeader && bizInTrace) throw invalid(bizInTrace.path, 'appears twice (also in MessageHeader)', 'duplicate');
  const biz = bizInHeader ?? bizInTrace;

  const codeNode = one(mh, 'Code');
  const promulgation = one(mh, 'PromulgationInfo');
  const docType = one(mh, 'DocumentType');
  const signer = one(mh, 'SignerInfo');
  const other = one(mh, 'OtherInfo');
  const code = codeNode && (prune({ codeNumber: leaf(one(codeNode, 'CodeNumber')), codeNotation: leaf(one(codeNode, 'CodeNotation')) }) ?? {});
  const body = prune({
    from: organ(one(mh, 'From')),
    to: kids(mh, 'To').map(organ),
    documentId: leaf(one(mh, 'DocumentId')),
    code,
    promulgationInfo: promulgation && { place: leaf(one(promulgation, 'Place')), promulgationDate: date(one(promulgation, 'PromulgationDate')) },
    documentType: docType && { type: integer(one(docType, 'Type')), typeDetail: integer(one(docType, 'TypeDetail')), typeName: leaf(one(docType, 'TypeName')) },
    subject: leaf(one(mh, 'Subject')),
    content: leaf(one(mh, 'Content')),
    signerInfo: signer && { competence: leaf(one(signer, 'Competence')), position: leaf(one(signer, 'Position')), fullName: leaf(one(signer, 'FullName')) },
    dueDate: date(one(mh, 'DueDate')),
    toPlaces: kids(one(mh, 'ToPlaces'), 'Place').map(leaf),
    otherInfo: other && {
      priority: integer(one(other, 'Priority')),
      sphereOfPromulgation: leaf(one(other, 'SphereOfPromulgation')),
      typerNotation: leaf(one(other, 'TyperNotation')),
      promulgationAmount: integer(one(other, 'PromulgationAmount')),
      pageAmount: integer(one(other, 'PageAmount')),
      appendixes: kids(one(other, 'Appendixes'), 'Appendix').map(leaf),
    },
    steeringType: integer(one(mh, 'SteeringType')),
    responseFor: kids(mh, 'ResponseFor').map(responseFor),
    business: biz && {
      businessDocType: integer(one(biz, 'BussinessDocType')),
      businessDocReason: leaf(one(biz, 'BussinessDocReason')),
      paper: integer(one(biz, 'Paper')),
      staffInfo: staffInfo(one(biz, 'StaffInfo')),
    },
    traceHeaders: kids(traceList, 'TraceHeader').map((t) => ({ organId: leaf(one(t, 'OrganId')), timestamp: date(one(t, 'Timestamp')) })),
  }) as Record<string, unknown>;
  // Code is required: kept even when empty so the check names what is missing
  if (code && body.code === undefined) body.code = code;
  // a Bussiness element without any value still says "new document"
  if (biz && body.business === undefined) body.business = {};

  const attachments = documentAttachments(root, envelope);
  const kept = preserved(root, `${HEADER_PATH}/Signature`, (path) =>
    path.startsWith(`${MESSAGE_HEADER_PATH}/Bussiness`) ? `${TRACE_LIST_PATH}/Bussiness${path.slice(`${MESSAGE_HEADER_PATH}/Bussiness`.length)}` : path,
  );
  const attachmentMeta = attachments.map((a) => prune({ contentId: a.contentId, description: a.description }) ?? {});
  const edxml = prune({
    signature: kept.signature,
    extensions: kept.extensions,
    attachments: attachmentMeta.some((m) => Object.keys(m).length > 0) ? attachmentMeta : undefined,
    businessIn: bizInHeader ? ('MessageHeader' as const) : undefined,
  });
  if (edxml) body.edxml = edxml;

  const business = body.business as { businessDocType?: number; originalId?: string } | undefined;
  const docTypeValue = business?.businessDocType;
  const needsOriginal = (docTypeValue === 2 || docTypeValue === 3) && business?.originalId === undefined;
  try {
    validateDocumentBody(needsOriginal ? { ...body, business: { ...business, originalId: UNRESOLVED_ORIGINAL_ID } } : body, 'body');
  } catch (e) {
    throw restated(e, elementPathOf);
  }
  const valid = body as unknown as DocumentBody;

  let original: EdxmlOriginalReference | undefined;
  if (docTypeValue === 1 || docTypeValue === 2 || docTypeValue === 3) {
    const replaced = docTypeValue === 3 ? replacementDocumentId(biz!) : undefined;
    original = prune({ businessDocType: docTypeValue, documentId: replaced ?? valid.documentId }) as EdxmlOriginalReference;
  }
  return {
    kind: 'document',
    from: valid.from ?? missingFrom(),
    to: valid.to ?? [],
    body: valid,
    attachments,
    ...(original ? { original } : {}),
  };
}

function missingFrom(): never {
  throw invalid(`${MESSAGE_HEADER_PATH}/From`, 'is required', 'required');
}

/** Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId: kept as an unknown element, read here. */
function replacementDocumentId(biz: XmlNode): string | undefined {
  const list = biz.children.find((c) => c.local === 'ReplacementInfoList');
  const info = list?.children.find((c) => c.local === 'ReplacementInfo');
  const id = info?.children.find((c) => c.local === 'DocumentId');
  return id && id.text.trim() !== '' ? id.text.trim() : undefined;
}

function documentAttachments(root: XmlNode, envelope: XmlNode | undefined): EdxmlAttachment[] {
  const manifest = one(one(envelope, 'edXMLBody'), 'edXMLManifest');
  const references = kids(manifest, 'Reference');
  const encoded = kids(one(root, 'AttachmentEncoded'), 'Attachment');
  const used = new Set<XmlNode>();
  const attachments = encoded.map((node, i): EdxmlAttachment => {
    const contentId = leaf(one(node, 'ContentId'));
    const byId = contentId === undefined ? undefined : references.find((r) => leaf(one(r, 'ContentId')) === contentId);
    const ref = byId ?? (references[i] && leaf(one(references[i], 'ContentId')) === undefined ? references[i] : undefined);
    if (ref) used.add(ref);
    const content = one(node, 'ContentTransferEncoded');
    if (!content?.stored) throw invalid(`${node.path}/ContentTransferEncoded`, 'is required', 'required');
    const name = leaf(one(node, 'AttachmentName')) ?? leaf(one(ref, 'AttachmentName'));
    const contentType = leaf(one(node, 'ContentType')) ?? leaf(one(ref, 'ContentType'));
    const description = leaf(one(node, 'Description')) ?? leaf(one(ref, 'Description'));
    const mediaType = toHubMediaType(contentType, `${node.path}/ContentType`);
    const stored = content.stored;
    return prune({ name, mediaType, size: stored.size, sha256: stored.sha256, path: stored.path, contentId, description }) as EdxmlAttachment;
  });
  const orphan = references.find((r) => !used.has(r));
  if (orphan) throw invalid(orphan.path, 'names an attachment the package does not carry (no matching AttachmentEncoded/Attachment)', 'reference');
  try {
    validateAttachments(attachments.map((a) => ({ name: a.name, mediaType: a.mediaType, size: a.size, sha256: a.sha256 })));
  } catch (e) {
    throw restated(e, elementPathOf);
  }
  return attachments;
}

// ---------------------------------------------------------------- status package

function statusPackage(root: XmlNode): EdxmlStatusPackage {
  const status = root.local === 'Status' ? root : one(one(root, 'Header'), 'Status');
  if (!status) throw invalid(`${root.local}/Header/Status`, 'is required', 'required');
  const at = (name: string) => `Status/${name}`;
  const rfNode = one(status, 'ResponseFor');
  if (!rfNode) throw invalid(at('ResponseFor'), 'is required', 'required');
  const rf = responseFor(rfNode);
  const from = organ(one(status, 'From'));
  if (!from) throw invalid(at('From'), 'is required', 'required');
  const code = leaf(one(status, 'StatusCode'))?.trim();
  if (code === undefined) throw invalid(at('StatusCode'), 'is required', 'required');
  if (!isStatusCode(code)) {
    throw invalid(at('StatusCode'), `must be one of ${Object.keys(STATUS_CODES).join(', ')}, got ${JSON.stringify(code.slice(0, 20))}`, 'status_code');
  }
  const timestamp = date(one(status, 'Timestamp'));
  const pkgStatus = prune({
    statusCode: code,
    description: leaf(one(status, 'Description')),
    staffInfo: staffInfo(one(status, 'StaffInfo')),
    // a date without a time is the start of that day, Vietnam time
    timestamp: timestamp && timestamp.length === 10 ? `${timestamp}T00:00:00+07:00` : timestamp,
  }) as EdxmlStatusPackage['status'];
  checkStatusFieldsAsEdxml(rf, from, pkgStatus);
  // paths relative to Status, whichever wrapper carried it
  const prefix = status === root ? '' : `${root.local}/Header/`;
  const kept = preserved(root, '\u0000', (path) => (prefix && path.startsWith(`${prefix}Status`) ? path.slice(prefix.length) : path));
  const extensions = kept.extensions;
  return { kind: 'status', from, responseFor: rf, status: pkgStatus, ...(extensions.length ? { extensions } : {}) };
}

/** The status package's values, element paths in the errors (writeEdxmlStatus checks the same). */
export function checkStatusFields(rf: EdxmlResponseFor, from: OrganInfo, status: EdxmlStatusPackage['status']): void {
  if (rf.organId === undefined) throw invalid('Status/ResponseFor/OrganId', 'is required', 'required');
  checkAgencyCode(rf.organId, 'Status/ResponseFor/OrganId');
  checkText(rf.documentId, 'Status/ResponseFor/DocumentId', { required: true });
  checkText(rf.code, 'Status/ResponseFor/Code');
  checkOrgan(from, 'Status/From');
  checkText(status.description, 'Status/Description', { max: STATUS_DESCRIPTION_MAX });
  if (status.staffInfo) {
    checkText(status.staffInfo.department, 'Status/StaffInfo/Department');
    checkText(status.staffInfo.staff, 'Status/StaffInfo/Staff');
    checkText(status.staffInfo.mobile, 'Status/StaffInfo/Mobile');
    checkEmail(status.staffInfo.email, 'Status/StaffInfo/Email');
  }
}

/** checkStatusFields with model check failures (SCHEMA_INVALID) as EDXML_INVALID. */
export function checkStatusFieldsAsEdxml(rf: EdxmlResponseFor, from: OrganInfo, status: EdxmlStatusPackage['status']): void {
  try {
    checkStatusFields(rf, from, status);
  } catch (e) {
    throw restated(e, (p) => p);
  }
}

function checkOrgan(o: OrganInfo, at: string): void {
  if (o.organId === undefined) throw invalid(`${at}/OrganId`, 'is required', 'required');
  checkAgencyCode(o.organId, `${at}/OrganId`);
  for (const [key, name] of [
    ['organizationInCharge', 'OrganizationInCharge'],
    ['organName', 'OrganName'],
    ['organAdd', 'OrganAdd'],
    ['telephone', 'Telephone'],
    ['fax', 'Fax'],
    ['website', 'Website'],
  ] as const) {
    checkText(o[key], `${at}/${name}`);
  }
  checkEmail(o.email, `${at}/Email`);
}
