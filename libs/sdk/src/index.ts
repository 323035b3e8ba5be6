/**
 * LienThong agency SDK: what an agency system embeds to send signed documents, statuses and
 * recalls through the hub and to read its verified inbox.
 *
 *   const lt = await connect({ natsUrl, agencyCode, keyFile });
 *   const { id } = await lt.sendDocument({ to: ['000.00.05.H41'], body });
 *   for await (const m of lt.inbox()) { store(m); await m.ack(); }   // ack sends 01 to the sender
 */
export * from './client';
export * from './types';
export * from './directory';
export * from './envelope-builder';
export * from './verify-inbound';
export { checkAddressedTo, checkIssuedAtWindow, DEFAULT_ISSUED_AT_WINDOW, type AddressedCopy, type IssuedAtWindow } from './inbound-checks';
export { DEFAULT_STATE_DIR } from './client/inbox-reader';
export { HUB_TRACKING_KEY, TrackingTable, type RecipientTracking, type StatusHistoryEntry } from './client/status-tracking';
export * from './attachments';
export { AttachmentChannel, uploadAttachment, uploadAttachments, isAttachmentSource, type AttachmentInput, type AttachmentSource, type TransferProgress, type UploadOptions } from './attachment-upload';
export { downloadAttachment, attachmentRefOf, type DownloadOptions } from './attachment-download';
export * from './inbox-consumer';
export { NAK_MIN_DELAY_MS } from './client/inbox-feed';
export * from './dossiers';
export { verifyWebhook, generateWebhookSecret, signWebhook, WEBHOOK_TOLERANCE_SEC, type VerifyWebhookOptions, type VerifiedWebhook, type WebhookSeenIds, type WebhookHeaders, type WebhookInvalidReason } from './webhooks';
// what SDK users need from the hub's contracts without depending on them: the error type and the document model
export { LtError, isErrorCode, type ErrorCode, type DocumentBody, type StatusBody, type StatusCode, type Envelope, type AttachmentRef, type RecipientSelector } from '@lt/contracts';
