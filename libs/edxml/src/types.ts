import type { Readable } from 'node:stream';
import type { AttachmentMediaType, DocumentBody, EdxmlExtension, OrganInfo, StatusBody } from '@lt/contracts';

/** What an attachment sink is told when an attachment's base64 text starts. */
export interface AttachmentOpenMeta {
  /** position of the attachment in the package, from 0 */
  index: number;
  /** known when the package lists ContentId / AttachmentName / ContentType before the content (usual) */
  contentId?: string;
  name?: string;
  contentType?: string;
}

export interface AttachmentWriter {
  /** decoded bytes, in order; the reader waits for the returned promise before reading further */
  write(chunk: Buffer): void | Promise<void>;
  end(): Promise<{ size: number; sha256: string; path?: string }>;
  /** the package was refused after this attachment started: drop what was written */
  abort(): Promise<void>;
}

/** Where decoded attachment bytes go (default: temp files, see fileAttachmentSink). */
export interface AttachmentSink {
  open(meta: AttachmentOpenMeta): AttachmentWriter | Promise<AttachmentWriter>;
}

export interface EdxmlAttachment {
  name: string;
  mediaType: AttachmentMediaType;
  size: number;
  sha256: string;
  /** where the default sink wrote the bytes */
  path?: string;
  contentId?: string;
  description?: string;
}

/** 1 revoke, 2 update, 3 replace: the document acted on, as the edXML package names it. */
export interface EdxmlOriginalReference {
  businessDocType: 1 | 2 | 3;
  /**
   * edXML DocumentId of the document revoked / updated / replaced: the package's own DocumentId
   * for 1 and 2, Bussiness/ReplacementInfoList/ReplacementInfo/DocumentId (if present) for 3.
   * The caller resolves it to the hub envelope id and sets body.business.originalId
   * (withOriginalId) before sending: the hub requires it for 2 and 3.
   */
  documentId?: string;
}

export interface EdxmlDocumentPackage {
  kind: 'document';
  from: OrganInfo;
  /** recipients: to[].organId */
  to: OrganInfo[];
  /**
   * The hub document body, valid per validateDocumentBody except, for business 2/3, the missing
   * business.originalId (see original). Carries traceHeaders and edxml (signature, unknown elements,
   * attachment ContentIds/descriptions) so writeEdxmlDocument gives the package back.
   */
  body: DocumentBody;
  attachments: EdxmlAttachment[];
  original?: EdxmlOriginalReference;
}

/** The document a status is about, as the status package names it (edXML ResponseFor). */
export interface EdxmlResponseFor {
  organId: string;
  code?: string;
  promulgationDate?: string;
  documentId: string;
}

export interface EdxmlStatusPackage {
  kind: 'status';
  from: OrganInfo;
  /** the caller resolves it to the envelope id StatusBody.responseFor needs */
  responseFor: EdxmlResponseFor;
  /** StatusBody without responseFor (and without reasonCode, which edXML has no element for) */
  status: Omit<StatusBody, 'responseFor' | 'reasonCode'>;
  extensions?: EdxmlExtension[];
}

export type EdxmlPackage = EdxmlDocumentPackage | EdxmlStatusPackage;

export interface ReadEdxmlOptions {
  /** most bytes of the whole package (PAYLOAD_TOO_LARGE beyond); default DEFAULT_MAX_PACKAGE_BYTES */
  maxBytes?: number;
  /** where attachment bytes go; default: temp files in attachmentsDir */
  sink?: AttachmentSink;
  /** folder for the default sink (default: the OS temp folder) */
  attachmentsDir?: string;
}

/** One attachment to export: its bytes come from open(), called once, when the writer gets there. */
export interface EdxmlAttachmentSource {
  name: string;
  mediaType: string;
  contentId?: string;
  description?: string;
  open: () => Readable;
}

export interface EdxmlDocumentToWrite {
  body: DocumentBody;
  /** defaults to body.from / body.to */
  from?: OrganInfo;
  to?: OrganInfo[];
  attachments?: EdxmlAttachmentSource[];
  /** for business 3 when no ReplacementInfoList is preserved: the replaced document's edXML DocumentId */
  originalDocumentId?: string;
}
