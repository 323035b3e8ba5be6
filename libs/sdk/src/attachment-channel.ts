import type { Readable } from 'node:stream';
import type { Envelope } from '@lt/contracts';
import { attachmentRefOf, downloadAttachment, type DownloadOptions } from './attachment-download';
import { AttachmentChannel } from './attachment-upload';
import type { AgencyConnection } from './client/connection';

const channels = new WeakMap<AgencyConnection, AttachmentChannel>();

/** The agency's channel to the attachments service, one per connection. */
export function attachmentChannelOf(conn: AgencyConnection): AttachmentChannel {
  let ch = channels.get(conn);
  if (!ch) {
    ch = new AttachmentChannel(conn.nc, conn.topo, conn.agencyCode);
    channels.set(conn, ch);
  }
  return ch;
}

/** `message.attachment(name)`: the verified bytes of one attachment of a received envelope. */
export function openAttachment(conn: AgencyConnection, envelope: Envelope, name: string, opts?: DownloadOptions): Readable {
  return downloadAttachment(attachmentChannelOf(conn), attachmentRefOf(envelope, name), opts);
}
