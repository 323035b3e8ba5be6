/**
 * The document body mirrors edXML's MessageHeader field by field, in camelCase, so edXML
 * import/export is lossless (edXML, QCVN 102:2016).
 */
export interface OrganInfo {
  organId: string;
  organizationInCharge?: string;
  organName?: string;
  organAdd?: string;
  email?: string;
  telephone?: string;
  fax?: string;
  website?: string;
}

export interface DocumentBody {
  from?: OrganInfo;
  to?: OrganInfo[];
  documentId?: string;
  code: { codeNumber: string; codeNotation: string };
  promulgationInfo?: { place?: string; promulgationDate?: string };
  documentType?: { type?: number; typeDetail?: number; typeName?: string };
  subject: string;
  content?: string;
  signerInfo?: { competence?: string; position?: string; fullName?: string };
  dueDate?: string;
  toPlaces?: string[];
  otherInfo?: {
    priority?: 0 | 1 | 2 | 3 | 4;
    sphereOfPromulgation?: string;
    typerNotation?: string;
    promulgationAmount?: number;
    pageAmount?: number;
    appendixes?: string[];
  };
  steeringType?: 0 | 1 | 2;
  responseFor?: Array<{ organId: string; code?: string; promulgationDate?: string; documentId: string }>;
  business?: {
    /** 0 new, 1 revoke, 2 update, 3 replace */
    businessDocType: 0 | 1 | 2 | 3;
    /** envelope id of the document updated or replaced (required for 2 and 3) */
    originalId?: string;
    businessDocReason?: string;
    paper?: 0 | 1;
    staffInfo?: { department?: string; staff?: string; mobile?: string; email?: string };
  };
  /** edXML TraceHeaderList: one entry per hop (dates as elsewhere: ISO date or date-time) */
  traceHeaders?: Array<{ organId: string; timestamp: string }>;
  /** what an edXML package carries beyond the model, kept so an export gives it back */
  edxml?: EdxmlPreserved;
}

/** An element the model does not know, as its source text, and the element path it sat under. */
export interface EdxmlExtension {
  parent: string;
  xml: string;
}

export interface EdxmlPreserved {
  /** the XML-DSig Signature element, exact source text */
  signature?: string;
  extensions?: EdxmlExtension[];
  /** per attachment (same order as the envelope's attachments): edXML ContentId and Description */
  attachments?: Array<{ contentId?: string; description?: string }>;
  /** Bussiness sat in MessageHeader (as the national field list puts it) rather than in TraceHeaderList (as the public samples do): written back there */
  businessIn?: 'MessageHeader';
}

export const DOCUMENT_LIMITS = {
  subject: 500,
  content: 500,
  codeNumber: 11,
  codeNotation: 30,
  toPlace: 150,
  attachmentName: 200,
  traceHeaders: 100,
  edxmlExtensions: 64,
  /** characters of one preserved extension or of the signature */
  edxmlRawChars: 64 * 1024,
} as const;
