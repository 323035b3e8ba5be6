import { ATTACHMENT_MEDIA_TYPES, LtError, isAttachmentMediaType, type AttachmentMediaType } from '@lt/contracts';

// names agency systems write for types the hub knows under another name
const ALIASES: Readonly<Record<string, AttachmentMediaType>> = {
  'application/x-pdf': 'application/pdf',
  'image/jpg': 'image/jpeg',
  'image/pjpeg': 'image/jpeg',
  'application/x-zip-compressed': 'application/zip',
  'application/x-zip': 'application/zip',
  'application/vnd.ms-word': 'application/msword',
  'application/x-msexcel': 'application/vnd.ms-excel',
  'application/excel': 'application/vnd.ms-excel',
  binary: 'application/octet-stream',
};

/** edXML ContentType to the hub's allow-list (case and parameters ignored); EDXML_INVALID otherwise. */
export function toHubMediaType(contentType: string | undefined, field: string): AttachmentMediaType {
  if (contentType === undefined || contentType.trim() === '') return 'application/octet-stream';
  const bare = contentType.split(';')[0].trim().toLowerCase();
  if (isAttachmentMediaType(bare)) return bare;
  const alias = ALIASES[bare];
  if (alias) return alias;
  throw new LtError(
    'EDXML_INVALID',
    `${field} ${JSON.stringify(contentType.slice(0, 80))} is not an allowed attachment type (${ATTACHMENT_MEDIA_TYPES.join(', ')})`,
    {
      field,
      reason: 'media_type',
    },
  );
}
