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
}

export const DOCUMENT_LIMITS = {
  subject: 500,
  content: 500,
  codeNumber: 11,
  codeNotation: 30,
  toPlace: 150,
  attachmentName: 200,
} as const;
