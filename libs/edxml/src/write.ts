import { Readable } from 'node:stream';
import { create } from 'xmlbuilder2';
import type { XMLBuilder } from 'xmlbuilder2/lib/interfaces';
import {
  LtError,
  STATUS_CODES,
  checkText,
  isStatusCode,
  validateDocumentBody,
  DOCUMENT_LIMITS,
  type DocumentBody,
  type EdxmlExtension,
  type OrganInfo,
} from '@lt/contracts';
import { isoToNational } from './dates';
import { checkStatusFieldsAsEdxml } from './read';
import { EDXML_NAMESPACE, HEADER_PATH, MESSAGE_HEADER_PATH, SOAP_NAMESPACE, TRACE_LIST_PATH } from './names';
import type { EdxmlAttachmentSource, EdxmlDocumentToWrite, EdxmlStatusPackage } from './types';

/**
 * edXML out. The header is built with xmlbuilder2 (its escaping, its serializer); preserved raw
 * elements and attachment contents are left as processing-instruction placeholders, which no
 * escaped text can imitate, and streamed in their place: raw text as kept, attachments
 * base64-encoded from their own streams, one at a time.
 */

const UNRESOLVED_ORIGINAL_ID = '00000000-0000-7000-8000-000000000000';
const PLACEHOLDER = /<\?lt-(raw|attachment) (\d+)\?>/;

type Value = string | number | undefined;

/** Serializes one package: knows the element paths the reader gives unknown elements. */
class Emitter {
  readonly raws: string[] = [];
  private readonly placed = new Set<number>();

  constructor(
    private readonly prefix: string,
    private readonly extensions: readonly EdxmlExtension[],
  ) {}

  private hasExtras(path: string): boolean {
    return this.extensions.some((x) => x.parent === path);
  }

  extras(el: XMLBuilder, path: string): void {
    this.extensions.forEach((x, i) => {
      if (x.parent !== path) return;
      this.placed.add(i);
      el.ins('lt-raw', String(this.raw(x.xml)));
    });
  }

  raw(xml: string): number {
    return this.raws.push(xml) - 1;
  }

  /** An element holding others; dropped when it ends up empty. */
  container(parent: XMLBuilder, name: string, path: string, fill: (el: XMLBuilder) => void, keepEmpty = false): void {
    const el = parent.ele(`${this.prefix}${name}`);
    fill(el);
    this.extras(el, path);
    if (!keepEmpty && el.node.childNodes.length === 0) el.remove();
  }

  leaf(parent: XMLBuilder, name: string, path: string, value: Value): void {
    if (value === undefined && !this.hasExtras(path)) return;
    const el = parent.ele(`${this.prefix}${name}`);
    if (value !== undefined) el.txt(String(value));
    this.extras(el, path);
  }

  /** Extensions whose parent no element had: refused rather than dropped. */
  checkAllPlaced(field: string): void {
    const missing = this.extensions.findIndex((_, i) => !this.placed.has(i));
    if (missing !== -1) {
      throw new LtError(
        'EDXML_INVALID',
        `${field}[${missing}].parent ${JSON.stringify(this.extensions[missing].parent.slice(0, 120))} names no element of this package`,
        {
          field: `${field}[${missing}].parent`,
          reason: 'extension_parent',
        },
      );
    }
  }
}

function organ(e: Emitter, parent: XMLBuilder, name: string, path: string, o: OrganInfo | undefined): void {
  if (!o) return;
  e.container(
    parent,
    name,
    path,
    (el) => {
      e.leaf(el, 'OrganId', `${path}/OrganId`, o.organId);
      e.leaf(el, 'OrganizationInCharge', `${path}/OrganizationInCharge`, o.organizationInCharge);
      e.leaf(el, 'OrganName', `${path}/OrganName`, o.organName);
      e.leaf(el, 'OrganAdd', `${path}/OrganAdd`, o.organAdd);
      e.leaf(el, 'Email', `${path}/Email`, o.email);
      e.leaf(el, 'Telephone', `${path}/Telephone`, o.telephone);
      e.leaf(el, 'Fax', `${path}/Fax`, o.fax);
      e.leaf(el, 'Website', `${path}/Website`, o.website);
    },
    true,
  );
}

function staff(e: Emitter, parent: XMLBuilder, path: string, s: { department?: string; staff?: string; mobile?: string; email?: string } | undefined): void {
  e.container(parent, 'StaffInfo', path, (el) => {
    e.leaf(el, 'Department', `${path}/Department`, s?.department);
    e.leaf(el, 'Staff', `${path}/Staff`, s?.staff);
    e.leaf(el, 'Mobile', `${path}/Mobile`, s?.mobile);
    e.leaf(el, 'Email', `${path}/Email`, s?.email);
  });
}

const date = (value: string | undefined, path: string) => (value === undefined ? undefined : isoToNational(value, path));

function checkBody(body: DocumentBody): void {
  const biz = body.business;
  const placeholder = biz && (biz.businessDocType === 2 || biz.businessDocType === 3) && biz.originalId === undefined;
  // the edXML package has no place for the hub's original envelope id: not required here
  validateDocumentBody(placeholder ? { ...body, business: { ...biz, originalId: UNRESOLVED_ORIGINAL_ID } } : body, 'body');
}

function messageHeader(
  e: Emitter,
  header: XMLBuilder,
  body: DocumentBody,
  from: OrganInfo,
  to: OrganInfo[],
  originalDocumentId: string | undefined,
  extensions: readonly EdxmlExtension[],
): void {
  const mh = MESSAGE_HEADER_PATH;
  e.container(
    header,
    'MessageHeader',
    mh,
    (el) => {
      organ(e, el, 'From', `${mh}/From`, from);
      to.forEach((o, i) => organ(e, el, 'To', `${mh}/To[${i}]`, o));
      e.leaf(el, 'DocumentId', `${mh}/DocumentId`, body.documentId);
      e.container(el, 'Code', `${mh}/Code`, (c) => {
        e.leaf(c, 'CodeNumber', `${mh}/Code/CodeNumber`, body.code.codeNumber);
        e.leaf(c, 'CodeNotation', `${mh}/Code/CodeNotation`, body.code.codeNotation);
      });
      const p = body.promulgationInfo;
      e.container(el, 'PromulgationInfo', `${mh}/PromulgationInfo`, (c) => {
        e.leaf(c, 'Place', `${mh}/PromulgationInfo/Place`, p?.place);
        e.leaf(c, 'PromulgationDate', `${mh}/PromulgationInfo/PromulgationDate`, date(p?.promulgationDate, `${mh}/PromulgationInfo/PromulgationDate`));
      });
      const t = body.documentType;
      e.container(el, 'DocumentType', `${mh}/DocumentType`, (c) => {
        e.leaf(c, 'Type', `${mh}/DocumentType/Type`, t?.type);
        e.leaf(c, 'TypeDetail', `${mh}/DocumentType/TypeDetail`, t?.typeDetail);
        e.leaf(c, 'TypeName', `${mh}/DocumentType/TypeName`, t?.typeName);
      });
      e.leaf(el, 'Subject', `${mh}/Subject`, body.subject);
      e.leaf(el, 'Content', `${mh}/Content`, body.content);
      const s = body.signerInfo;
      e.container(el, 'SignerInfo', `${mh}/SignerInfo`, (c) => {
        e.leaf(c, 'Competence', `${mh}/SignerInfo/Competence`, s?.competence);
        e.leaf(c, 'Position', `${mh}/SignerInfo/Position`, s?.position);
        e.leaf(c, 'FullName', `${mh}/SignerInfo/FullName`, s?.fullName);
      });
      e.leaf(el, 'DueDate', `${mh}/DueDate`, date(body.dueDate, `${mh}/DueDate`));
      e.container(el, 'ToPlaces', `${mh}/ToPlaces`, (c) =>
        (body.toPlaces ?? []).forEach((place, i) => e.leaf(c, 'Place', `${mh}/ToPlaces/Place[${i}]`, place)),
      );
      const o = body.otherInfo;
      e.container(el, 'OtherInfo', `${mh}/OtherInfo`, (c) => {
        e.leaf(c, 'Priority', `${mh}/OtherInfo/Priority`, o?.priority);
        e.leaf(c, 'SphereOfPromulgation', `${mh}/OtherInfo/SphereOfPromulgation`, o?.sphereOfPromulgation);
        e.leaf(c, 'TyperNotation', `${mh}/OtherInfo/TyperNotation`, o?.typerNotation);
        e.leaf(c, 'PromulgationAmount', `${mh}/OtherInfo/PromulgationAmount`, o?.promulgationAmount);
        e.leaf(c, 'PageAmount', `${mh}/OtherInfo/PageAmount`, o?.pageAmount);
        e.container(c, 'Appendixes', `${mh}/OtherInfo/Appendixes`, (a) =>
          (o?.appendixes ?? []).forEach((x, i) => e.leaf(a, 'Appendix', `${mh}/OtherInfo/Appendixes/Appendix[${i}]`, x)),
        );
      });
      e.leaf(el, 'SteeringType', `${mh}/SteeringType`, body.steeringType);
      (body.responseFor ?? []).forEach((r, i) => {
        const at = `${mh}/ResponseFor[${i}]`;
        e.container(
          el,
          'ResponseFor',
          at,
          (c) => {
            e.leaf(c, 'OrganId', `${at}/OrganId`, r.organId);
            e.leaf(c, 'Code', `${at}/Code`, r.code);
            e.leaf(c, 'PromulgationDate', `${at}/PromulgationDate`, date(r.promulgationDate, `${at}/PromulgationDate`));
            e.leaf(c, 'DocumentId', `${at}/DocumentId`, r.documentId);
          },
          true,
        );
      });
      if (body.edxml?.businessIn === 'MessageHeader') bussiness(e, el, body, originalDocumentId, extensions);
    },
    true,
  );
}

function traceHeaderList(
  e: Emitter,
  header: XMLBuilder,
  body: DocumentBody,
  originalDocumentId: string | undefined,
  extensions: readonly EdxmlExtension[],
): void {
  const tl = TRACE_LIST_PATH;
  e.container(header, 'TraceHeaderList', tl, (el) => {
    (body.traceHeaders ?? []).forEach((t, i) => {
      const at = `${tl}/TraceHeader[${i}]`;
      e.container(
        el,
        'TraceHeader',
        at,
        (c) => {
          e.leaf(c, 'OrganId', `${at}/OrganId`, t.organId);
          e.leaf(c, 'Timestamp', `${at}/Timestamp`, date(t.timestamp, `${at}/Timestamp`));
        },
        true,
      );
    });
    if (body.edxml?.businessIn !== 'MessageHeader') bussiness(e, el, body, originalDocumentId, extensions);
  });
}

/**
 * Bussiness, where the package had it: in TraceHeaderList (the public samples) or, when read from
 * there, in MessageHeader (the national field list). Its logical path is the same either way, so
 * unknown elements kept under it come back in it.
 */
function bussiness(e: Emitter, el: XMLBuilder, body: DocumentBody, originalDocumentId: string | undefined, extensions: readonly EdxmlExtension[]): void {
  const tl = TRACE_LIST_PATH;
  const biz = body.business;
  const bp = `${tl}/Bussiness`;
  if (!biz && !extensions.some((x) => x.parent.startsWith(bp))) return;
  e.container(
    el,
    'Bussiness',
    bp,
    (c) => {
      e.leaf(c, 'BussinessDocType', `${bp}/BussinessDocType`, biz?.businessDocType);
      e.leaf(c, 'BussinessDocReason', `${bp}/BussinessDocReason`, biz?.businessDocReason);
      e.leaf(c, 'Paper', `${bp}/Paper`, biz?.paper);
      staff(e, c, `${bp}/StaffInfo`, biz?.staffInfo);
      const keptReplacement = extensions.some((x) => x.parent === bp && /^<(?:[\w.-]+:)?ReplacementInfoList[\s/>]/.test(x.xml));
      if (biz?.businessDocType === 3 && originalDocumentId !== undefined && !keptReplacement) {
        c.ele(`${PREFIX}ReplacementInfoList`).ele(`${PREFIX}ReplacementInfo`).ele(`${PREFIX}DocumentId`).txt(originalDocumentId);
      }
    },
    true,
  );
}

const PREFIX = 'edXML:';

function attachmentMeta(e: Emitter, el: XMLBuilder, at: string, a: EdxmlAttachmentSource, order: 'manifest' | 'encoded'): void {
  e.leaf(el, 'ContentId', `${at}/ContentId`, a.contentId);
  if (order === 'manifest') e.leaf(el, 'ContentType', `${at}/ContentType`, a.mediaType);
  e.leaf(el, 'AttachmentName', `${at}/AttachmentName`, a.name);
  if (order === 'encoded') e.leaf(el, 'ContentType', `${at}/ContentType`, a.mediaType);
  e.leaf(el, 'Description', `${at}/Description`, a.description);
}

/**
 * A document package as a stream: header first, then each attachment read from its source when
 * the writer reaches it. Checks the body (validateDocumentBody) before anything is produced.
 */
export function writeEdxmlDocument(doc: EdxmlDocumentToWrite): Readable {
  const { body } = doc;
  checkBody(body);
  const attachments = doc.attachments ?? [];
  attachments.forEach((a, i) => {
    checkText(a.name, `attachments[${i}].name`, { required: true, max: DOCUMENT_LIMITS.attachmentName });
    checkText(a.mediaType, `attachments[${i}].mediaType`, { required: true });
  });
  const from = doc.from ?? body.from;
  if (!from)
    throw new LtError('EDXML_INVALID', `${MESSAGE_HEADER_PATH}/From is required: give from (the sending agency) or body.from`, {
      field: 'from',
      reason: 'required',
    });
  const extensions = body.edxml?.extensions ?? [];
  const e = new Emitter(PREFIX, extensions);

  const root = create({ version: '1.0', encoding: 'UTF-8' }).ele(`${PREFIX}edXML`, { xmlns: EDXML_NAMESPACE, 'xmlns:edXML': EDXML_NAMESPACE });
  e.container(
    root,
    'edXMLEnvelope',
    'edXML/edXMLEnvelope',
    (env) => {
      e.container(
        env,
        'edXMLHeader',
        HEADER_PATH,
        (header) => {
          messageHeader(e, header, body, from, doc.to ?? body.to ?? [], doc.originalDocumentId, extensions);
          traceHeaderList(e, header, body, doc.originalDocumentId, extensions);
          if (body.edxml?.signature !== undefined) header.ins('lt-raw', String(e.raw(body.edxml.signature)));
        },
        true,
      );
      const bodyPath = 'edXML/edXMLEnvelope/edXMLBody';
      e.container(env, 'edXMLBody', bodyPath, (b) => {
        e.container(b, 'edXMLManifest', `${bodyPath}/edXMLManifest`, (m) => {
          if (attachments.length) m.att('version', '1.0');
          attachments.forEach((a, i) =>
            e.container(
              m,
              'Reference',
              `${bodyPath}/edXMLManifest/Reference[${i}]`,
              (r) => attachmentMeta(e, r, `${bodyPath}/edXMLManifest/Reference[${i}]`, a, 'manifest'),
              true,
            ),
          );
        });
      });
    },
    true,
  );
  e.container(root, 'AttachmentEncoded', 'edXML/AttachmentEncoded', (list) => {
    attachments.forEach((a, i) => {
      const at = `edXML/AttachmentEncoded/Attachment[${i}]`;
      e.container(
        list,
        'Attachment',
        at,
        (el) => {
          attachmentMeta(e, el, at, a, 'encoded');
          el.ele(`${PREFIX}ContentTransferEncoded`).ins('lt-attachment', String(i));
        },
        true,
      );
    });
  });
  e.extras(root, 'edXML');
  e.checkAllPlaced('body.edxml.extensions');

  const parts = root.end({ prettyPrint: true }).split(PLACEHOLDER);
  return Readable.from(documentChunks(parts, e.raws, attachments), { objectMode: false });
}

async function* documentChunks(parts: string[], raws: string[], attachments: EdxmlAttachmentSource[]): AsyncGenerator<Buffer> {
  // split() with the two capture groups: text, kind, index, text, kind, index, ..., text
  for (let i = 0; i < parts.length; i += 3) {
    yield Buffer.from(parts[i], 'utf8');
    if (i + 2 >= parts.length) break;
    const index = Number(parts[i + 2]);
    if (parts[i + 1] === 'raw') yield Buffer.from(raws[index], 'utf8');
    else yield* base64Of(attachments[index].open());
  }
}

/** Base64 of a byte stream, in 3-byte groups so the pieces join into one valid text. */
async function* base64Of(source: Readable): AsyncGenerator<Buffer> {
  let carry: Buffer = Buffer.alloc(0);
  for await (const chunk of source) {
    const bytes = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : (chunk as Buffer);
    const all = carry.length ? Buffer.concat([carry, bytes]) : bytes;
    const whole = all.length - (all.length % 3);
    if (whole > 0) yield Buffer.from(all.subarray(0, whole).toString('base64'), 'latin1');
    carry = Buffer.from(all.subarray(whole));
  }
  if (carry.length) yield Buffer.from(carry.toString('base64'), 'latin1');
}

/** Collects a document package stream into a string (small packages, tests). */
export async function edxmlToString(stream: Readable): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** A status package, in the SOAP envelope agencies exchange statuses in. */
export function writeEdxmlStatus(pkg: Omit<EdxmlStatusPackage, 'kind'> & { kind?: 'status' }): string {
  const s = pkg.status;
  if (!isStatusCode(s.statusCode)) {
    throw new LtError(
      'EDXML_INVALID',
      `Status/StatusCode must be one of ${Object.keys(STATUS_CODES).join(', ')}, got ${JSON.stringify(String(s.statusCode).slice(0, 20))}`,
      {
        field: 'Status/StatusCode',
        reason: 'status_code',
      },
    );
  }
  checkStatusFieldsAsEdxml(pkg.responseFor, pkg.from, s);
  const e = new Emitter(PREFIX, pkg.extensions ?? []);
  const soap = create({ version: '1.0', encoding: 'UTF-8' }).ele('SOAP-ENV:Envelope', {
    'xmlns:SOAP-ENV': SOAP_NAMESPACE,
    xmlns: EDXML_NAMESPACE,
    'xmlns:edXML': EDXML_NAMESPACE,
  });
  const header = soap.ele('SOAP-ENV:Header');
  e.container(
    header,
    'Status',
    'Status',
    (st) => {
      const rf = pkg.responseFor;
      e.container(
        st,
        'ResponseFor',
        'Status/ResponseFor',
        (c) => {
          e.leaf(c, 'OrganId', 'Status/ResponseFor/OrganId', rf.organId);
          e.leaf(c, 'Code', 'Status/ResponseFor/Code', rf.code);
          e.leaf(c, 'PromulgationDate', 'Status/ResponseFor/PromulgationDate', date(rf.promulgationDate, 'Status/ResponseFor/PromulgationDate'));
          e.leaf(c, 'DocumentId', 'Status/ResponseFor/DocumentId', rf.documentId);
        },
        true,
      );
      organ(e, st, 'From', 'Status/From', pkg.from);
      e.leaf(st, 'StatusCode', 'Status/StatusCode', s.statusCode);
      e.leaf(st, 'Description', 'Status/Description', s.description);
      e.leaf(st, 'Timestamp', 'Status/Timestamp', date(s.timestamp, 'Status/Timestamp'));
      staff(e, st, 'Status/StaffInfo', s.staffInfo);
    },
    true,
  );
  e.extras(header, 'Envelope/Header');
  const soapBody = soap.ele('SOAP-ENV:Body');
  e.extras(soapBody, 'Envelope/Body');
  e.extras(soap, 'Envelope');
  e.checkAllPlaced('extensions');
  const parts = soap.end({ prettyPrint: true }).split(PLACEHOLDER);
  let out = '';
  for (let i = 0; i < parts.length; i += 3) {
    out += parts[i];
    if (i + 2 < parts.length) out += e.raws[Number(parts[i + 2])];
  }
  return out;
}
