export { AttachmentsModule, ATTACHMENT_SETTINGS, type AttachmentsModuleDeps } from './attachments.module';
