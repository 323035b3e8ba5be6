import { codeToSubjectTokens, subjectTokensToCode } from '../agency-code/agency-code';
import type { AttachmentRef } from '../envelope/envelope';
import type { Topology } from '../messaging/topology';

/**
 * The attachments protocol (docs/attachments.md). Agencies never touch the object store: its
 * subjects cannot be scoped per agency. They talk to the hub's attachments service on subjects
 * that carry their own code tokens, `<ns>.att.<code tokens>.<op>`, which NATS permissions bind
 * to the agency, so the service knows who asks from the subject alone.
 */
export const ATTACHMENT_OPS = ['open', 'chunk', 'complete', 'status', 'get', 'read', 'revoke'] as const;
export type AttachmentOp = (typeof ATTACHMENT_OPS)[number];

/** Bytes per chunk, both ways: well under the server's max_payload (2 MiB in the hub's config). */
export const ATTACHMENT_CHUNK_BYTES = 256 * 1024;

/** Header of a chunk upload: the offset of its first byte; a chunk at another offset than the next expected is refused. */
export const ATT_OFFSET_HEADER = 'Lt-Att-Offset';
/** Header of a chunk upload and a read: the upload id. */
export const ATT_ID_HEADER = 'Lt-Att-Id';
/** Header set on a read reply that carries an error (JSON) instead of bytes. */
export const ATT_ERROR_HEADER = 'Lt-Att-Error';

export interface AttachmentSubjects {
  /** the subject an agency uses for one operation */
  op(agencyCode: string, op: AttachmentOp): string;
  /** every agency's operations, for the service's subscription */
  readonly wildcard: string;
  /** router -> attachments service: bind uploads to an envelope and its recipients */
  readonly bind: string;
  /** the hub's object store bucket */
  readonly bucket: string;
  /** KV bucket of upload records (owner, declared size and digest, binding) */
  readonly index: string;
  /** the agency and the op of a subject of `wildcard`; null when it is not one */
  parse(subject: string): { agencyCode: string; op: AttachmentOp } | null;
}

export function attachmentSubjects(topo: Pick<Topology, 'ns'>): AttachmentSubjects {
  const prefix = `${topo.ns}.att.`;
  return {
    op: (agencyCode, op) => `${prefix}${codeToSubjectTokens(agencyCode)}.${op}`,
    wildcard: `${prefix}>`,
    bind: `${topo.ns}.rpc.attachments.bind`,
    bucket: `${topo.ns}-attachments`,
    index: `${topo.ns}-attachments-index`,
    parse(subject) {
      if (!subject.startsWith(prefix)) return null;
      const rest = subject.slice(prefix.length);
      const dot = rest.lastIndexOf('.');
      if (dot < 0) return null;
      const op = rest.slice(dot + 1) as AttachmentOp;
      if (!(ATTACHMENT_OPS as readonly string[]).includes(op)) return null;
      try {
        return { agencyCode: subjectTokensToCode(rest.slice(0, dot)), op };
      } catch {
        return null;
      }
    },
  };
}

/** `open`: declares what will be uploaded; refused at once when over a limit. */
export interface AttachmentOpenRequest {
  name: string;
  mediaType: string;
  size: number;
  /** lowercase hex SHA-256 of the whole attachment */
  sha256: string;
  /** attachments of the envelope this upload is for (checked against the per-envelope limit) */
  count?: number;
}
export interface AttachmentOpenReply {
  id: string;
  chunkBytes: number;
}

/** `status` / `complete` / `get` name the upload. */
export interface AttachmentIdRequest {
  id: string;
}
export interface AttachmentStatusReply {
  id: string;
  state: 'uploading' | 'complete' | 'bound';
  /** bytes accepted so far: a resumed upload sends from here */
  received: number;
  size: number;
}
export interface AttachmentChunkReply {
  received: number;
}
/** `complete` answers the reference the envelope carries. */
export type AttachmentCompleteReply = Required<AttachmentRef>;

/** `get`: what will be read, as the service holds it (the reader checks it against the signed envelope). */
export interface AttachmentGetReply {
  id: string;
  size: number;
  sha256: string;
  chunkBytes: number;
}
/** `read`: one chunk from `offset` (a multiple of chunkBytes); the reply body is the bytes. */
export interface AttachmentReadRequest {
  id: string;
  offset: number;
}

/**
 * `revoke` (the sender, when it recalls the document): recipients who have not read an
 * attachment of the envelope to its end can no longer read it. Absent `recipients`: all of them.
 */
export interface AttachmentRevokeRequest {
  envelopeId: string;
  recipients?: string[];
}
export interface AttachmentRevokeReply {
  /** recipients whose access was removed, over all the envelope's attachments */
  revoked: string[];
}

/**
 * `revoke` (the sender, when it recalls the document): recipients who have not read an
 * attachment of the envelope to its end can no longer read it. Absent `recipients`: all of them.
 */
export interface AttachmentRevokeRequest {
  envelopeId: string;
  recipients?: string[];
}
export interface AttachmentRevokeReply {
  /** recipients whose access was removed, over all the envelope's attachments */
  revoked: string[];
}

/** router -> attachments service, before the copies are published; idempotent for one envelope. */
export interface AttachmentBindRequest {
  envelopeId: string;
  sender: string;
  /** every agency that gets a copy (forwarded copies: the successor) */
  recipients: string[];
  attachments: AttachmentRef[];
  /** the hub's receive time of the submission, ISO */
  receivedAt: string;
}
export interface AttachmentBindReply {
  bound: number;
}
