export { readEdxml, withOriginalId, DEFAULT_MAX_PACKAGE_BYTES } from './read';
export { writeEdxmlDocument, writeEdxmlStatus, edxmlToString } from './write';
export { fileAttachmentSink, hashingAttachmentSink } from './attachment-sink';
export { nationalToIso, isoToNational } from './dates';
export { toHubMediaType } from './media-types';
export { EDXML_NAMESPACE, SOAP_NAMESPACE, elementPathOf } from './names';
export type { XmlInput } from './xml-stream';
export type {
  AttachmentOpenMeta,
  AttachmentSink,
  AttachmentWriter,
  EdxmlAttachment,
  EdxmlAttachmentSource,
  EdxmlDocumentPackage,
  EdxmlDocumentToWrite,
  EdxmlOriginalReference,
  EdxmlPackage,
  EdxmlResponseFor,
  EdxmlStatusPackage,
  ReadEdxmlOptions,
} from './types';
