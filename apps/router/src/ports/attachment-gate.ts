import type { AttachmentBindReply, AttachmentBindRequest } from '@lt/contracts';

/**
 * The attachments service binds the uploads an envelope names to it and its recipients before
 * the copies go out (docs/attachments.md). A refusal (ATTACHMENT_IN_USE, ATTACHMENT_NOT_FOUND,
 * ...) is bounced like any refusal; the service being down is an outage: the submission waits.
 * Only envelopes naming uploaded attachments pass here.
 */
export interface AttachmentGate {
  bind(req: AttachmentBindRequest): Promise<AttachmentBindReply>;
}

export const ATTACHMENT_GATE = Symbol('ATTACHMENT_GATE');
