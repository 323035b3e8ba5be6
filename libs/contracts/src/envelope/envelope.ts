import type { Tier } from '../tiers';

/** What an agency signs, as a flattened JWS (Ed25519 or ES256). Field names are the public wire format. */
export const ENVELOPE_KINDS = ['document', 'status', 'recall', 'dossier', 'receipt'] as const;
export type EnvelopeKind = (typeof ENVELOPE_KINDS)[number];

/** An explicit code, or every descendant of an agency, optionally only those of one tier. */
export type RecipientSelector = string | { childrenOf: string; tier?: Tier; depth?: number };

export interface AttachmentRef {
  /** id of the bytes uploaded to the hub's attachments service (absent: the bytes did not travel through the hub) */
  id?: string;
  name: string;
  mediaType: string;
  size: number;
  /** lowercase hex SHA-256 of the attachment bytes; the bytes travel outside the envelope */
  sha256: string;
}

export interface Envelope<B = unknown> {
  id: string;
  kind: EnvelopeKind;
  from: string;
  to: RecipientSelector[];
  issuedAt: string;
  body: B;
  attachments?: AttachmentRef[];
}

/** Flattened JWS JSON serialization, as published on `lt.submit.*` and delivered in inboxes. */
export interface FlattenedJws {
  protected: string;
  payload: string;
  signature: string;
}

export const JWS_TYP = 'lt-envelope+jws';
export const SIGNING_ALGS = ['EdDSA', 'ES256'] as const;
export type SigningAlg = (typeof SIGNING_ALGS)[number];

/** Hard limits of the hub; a larger message is refused with PAYLOAD_TOO_LARGE. */
export const LIMITS = {
  maxMessageBytes: 1024 * 1024,
  maxRecipients: 5000,
  maxSelectorDepth: 4,
  maxJsonDepth: 32,
  maxAttachments: 100,
  maxClockSkewMs: 5 * 60 * 1000,
} as const;
