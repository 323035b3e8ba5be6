/**
 * The hub's attachments service, shared by apps/attachments and the tests: uploads streamed into
 * the object store, bound by the router to an envelope's recipients, served to them only.
 */
export { AttachmentService, MAX_ACTIVE_UPLOADS_PER_AGENCY, type UploadRecord } from './attachment-service';
export { AttachmentEndpoint } from './attachment-endpoint';
export { loadAttachmentSettings, type AttachmentSettings } from './settings';
