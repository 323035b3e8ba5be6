import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { LtError, isAttachmentMediaType, type AttachmentRef } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';

/** File extension -> one of ATTACHMENT_MEDIA_TYPES (the hub's allow-list). */
const MEDIA_TYPE_BY_EXTENSION: Readonly<Record<string, string>> = {
  '.pdf': 'application/pdf',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.doc': 'application/msword',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  '.xls': 'application/vnd.ms-excel',
  '.odt': 'application/vnd.oasis.opendocument.text',
  '.ods': 'application/vnd.oasis.opendocument.spreadsheet',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.png': 'image/png',
  '.zip': 'application/zip',
  '.xml': 'application/xml',
  '.txt': 'text/plain',
  '.bin': 'application/octet-stream',
};

/** Media type for a file name by its extension; VALIDATION_FAILED when the hub would not accept it. */
export function mediaTypeForFileName(name: string): string {
  const ext = extname(name).toLowerCase();
  const type = MEDIA_TYPE_BY_EXTENSION[ext];
  if (!type) {
    throw new LtError(
      'VALIDATION_FAILED',
      `attachment ${JSON.stringify(name)}: extension ${JSON.stringify(ext || '(none)')} is not allowed; use one of ${Object.keys(MEDIA_TYPE_BY_EXTENSION).join(' ')}`,
      {
        field: 'attachments',
        name,
      },
    );
  }
  return type;
}

/**
 * Reference to attachment bytes (the bytes travel outside the envelope; the signed envelope
 * carries their SHA-256, so a receiver can check what it fetched).
 */
export function attachmentRef(name: string, bytes: Uint8Array, mediaType: string = mediaTypeForFileName(name)): AttachmentRef {
  if (!isAttachmentMediaType(mediaType)) {
    throw new LtError('VALIDATION_FAILED', `attachment ${JSON.stringify(name)}: media type ${JSON.stringify(mediaType)} is not allowed`, {
      field: 'attachments',
      name,
    });
  }
  return { name, mediaType, size: bytes.byteLength, sha256: sha256Hex(bytes) };
}

/** Reference to a local file (name = its base name, media type from its extension unless given). */
export function attachmentFromFile(path: string, mediaType?: string): AttachmentRef {
  let bytes: Buffer;
  try {
    if (!statSync(path).isFile()) throw new Error('not a regular file');
    bytes = readFileSync(path);
  } catch (e) {
    throw new LtError('VALIDATION_FAILED', `attachment file ${JSON.stringify(path)} cannot be read: ${(e as Error).message}`, { field: 'attachments', path });
  }
  const name = basename(path);
  return attachmentRef(name, bytes, mediaType ?? mediaTypeForFileName(name));
}
