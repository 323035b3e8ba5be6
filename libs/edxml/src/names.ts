import type { Classification } from './xml-stream';

/** The edXML namespace (QCVN 102:2016) and the SOAP envelope namespace status packages travel in. */
export const EDXML_NAMESPACE = 'http://www.mic.gov.vn/TBT/QCVN_102_2016';
export const SOAP_NAMESPACE = 'http://schemas.xmlsoap.org/soap/envelope/';

type Shape = 'leaf' | 'raw' | 'base64' | { readonly [name: string]: Shape };

const ORGAN: Shape = {
  OrganId: 'leaf',
  OrganizationInCharge: 'leaf',
  OrganName: 'leaf',
  OrganAdd: 'leaf',
  Email: 'leaf',
  Telephone: 'leaf',
  Fax: 'leaf',
  Website: 'leaf',
};
const STAFF: Shape = { Department: 'leaf', Staff: 'leaf', Mobile: 'leaf', Email: 'leaf' };
const BUSSINESS: Shape = { BussinessDocType: 'leaf', BussinessDocReason: 'leaf', Paper: 'leaf', StaffInfo: STAFF };
const RESPONSE_FOR: Shape = { OrganId: 'leaf', Code: 'leaf', PromulgationDate: 'leaf', DocumentId: 'leaf' };
const ATTACHMENT_META = { ContentId: 'leaf', AttachmentName: 'leaf', ContentType: 'leaf', Description: 'leaf' } as const;

/** Elements the model knows in a document package (local names; namespaces are not checked). */
const DOCUMENT: Shape = {
  edXML: {
    edXMLEnvelope: {
      edXMLHeader: {
        MessageHeader: {
          From: ORGAN,
          To: ORGAN,
          DocumentId: 'leaf',
          Code: { CodeNumber: 'leaf', CodeNotation: 'leaf' },
          PromulgationInfo: { Place: 'leaf', PromulgationDate: 'leaf' },
          DocumentType: { Type: 'leaf', TypeDetail: 'leaf', TypeName: 'leaf' },
          Subject: 'leaf',
          Content: 'leaf',
          SignerInfo: { Competence: 'leaf', Position: 'leaf', FullName: 'leaf' },
          DueDate: 'leaf',
          ToPlaces: { Place: 'leaf' },
          OtherInfo: {
            Priority: 'leaf',
            SphereOfPromulgation: 'leaf',
            TyperNotation: 'leaf',
            PromulgationAmount: 'leaf',
            PageAmount: 'leaf',
            Appendixes: { Appendix: 'leaf' },
          },
          SteeringType: 'leaf',
          ResponseFor: RESPONSE_FOR,
          Bussiness: BUSSINESS,
        },
        TraceHeaderList: { TraceHeader: { OrganId: 'leaf', Timestamp: 'leaf' }, Bussiness: BUSSINESS },
        Signature: 'raw',
      },
      edXMLBody: { edXMLManifest: { Reference: ATTACHMENT_META } },
    },
    AttachmentEncoded: { Attachment: { ...ATTACHMENT_META, ContentTransferEncoded: 'base64' } },
  },
};

const STATUS: Shape = {
  ResponseFor: RESPONSE_FOR,
  From: ORGAN,
  StatusCode: 'leaf',
  Description: 'leaf',
  Timestamp: 'leaf',
  StaffInfo: STAFF,
};
/** A status package: edXML Status alone, or in a SOAP envelope's header as agencies send it. */
const STATUS_ROOTS: Shape = { Status: STATUS, Envelope: { Header: { Status: STATUS }, Body: {} } };

/** Elements that may repeat under one parent: their paths carry an index, `To[1]`. */
export const REPEATABLE: ReadonlySet<string> = new Set(['To', 'ResponseFor', 'TraceHeader', 'Place', 'Appendix', 'Reference', 'Attachment']);

function classifyIn(shape: Shape, names: readonly string[]): Classification {
  let at: Shape = shape;
  for (const name of names) {
    if (typeof at !== 'object' || !Object.prototype.hasOwnProperty.call(at, name)) return 'raw';
    at = at[name];
  }
  return at === 'raw' ? 'raw' : at === 'base64' ? 'base64' : 'known';
}

export function classifyDocument(names: readonly string[]): Classification {
  return classifyIn(DOCUMENT, names);
}

export function classifyStatus(names: readonly string[]): Classification {
  return classifyIn(STATUS_ROOTS, names);
}

export const DOCUMENT_ROOT = 'edXML';
export const STATUS_ROOT_NAMES: ReadonlySet<string> = new Set(['Status', 'Envelope']);

export const HEADER_PATH = 'edXML/edXMLEnvelope/edXMLHeader';
export const MESSAGE_HEADER_PATH = `${HEADER_PATH}/MessageHeader`;
export const TRACE_LIST_PATH = `${HEADER_PATH}/TraceHeaderList`;
export const MANIFEST_PATH = 'edXML/edXMLEnvelope/edXMLBody/edXMLManifest';
export const ENCODED_PATH = 'edXML/AttachmentEncoded';

const SEGMENT_NAMES: Readonly<Record<string, string>> = {
  businessDocType: 'BussinessDocType',
  businessDocReason: 'BussinessDocReason',
  mediaType: 'ContentType',
  name: 'AttachmentName',
};

/**
 * The element path of a model field named by its JSON path (as validateDocumentBody reports it):
 * `body.code.codeNumber` is `…/MessageHeader/Code/CodeNumber`, `body.toPlaces[2]` is
 * `…/MessageHeader/ToPlaces/Place[2]`, `attachments[0].name` is `edXML/AttachmentEncoded/Attachment[0]/AttachmentName`.
 */
export function elementPathOf(jsonPath: string): string {
  const parts = jsonPath.split('.');
  const out: string[] = [];
  let rest = parts;
  if (parts[0] === 'body') {
    rest = parts.slice(1);
    const first = rest[0] ?? '';
    if (first.startsWith('traceHeaders')) {
      out.push('TraceHeaderList', first.replace('traceHeaders', 'TraceHeader'));
      rest = rest.slice(1);
    } else if (first === 'business') {
      out.push('TraceHeaderList', 'Bussiness');
      rest = rest.slice(1);
    } else if (first === 'edxml') {
      return jsonPath.includes('signature') ? `${HEADER_PATH}/Signature` : jsonPath;
    } else out.push('MessageHeader');
  } else if (parts[0].startsWith('attachments')) {
    out.push('AttachmentEncoded', parts[0].replace('attachments', 'Attachment'));
    rest = parts.slice(1);
  }
  for (const part of rest) {
    const m = /^([A-Za-z]+)(\[\d+\])?$/.exec(part);
    if (!m) {
      out.push(part);
      continue;
    }
    const [, name, index = ''] = m;
    if (name === 'toPlaces') out.push('ToPlaces', ...(index ? [`Place${index}`] : []));
    else if (name === 'appendixes') out.push('Appendixes', ...(index ? [`Appendix${index}`] : []));
    else out.push(`${SEGMENT_NAMES[name] ?? name.charAt(0).toUpperCase() + name.slice(1)}${index}`);
  }
  const path = out.join('/');
  if (out[0] === 'MessageHeader' || out[0] === 'TraceHeaderList') return `${HEADER_PATH}/${path}`;
  return out[0] === 'AttachmentEncoded' ? `edXML/${path}` : path;
}
