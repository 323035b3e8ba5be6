import type { Envelope, EnvelopeKind, ErrorCode } from '@lt/contracts';
import type { DecodedJws } from '@lt/crypto';
import type { KeyView } from '@lt/directory';

/** One message taken from the submit stream. */
export interface Submission {
  subject: string;
  /** the flattened JWS JSON bytes exactly as the agency published them */
  data: Uint8Array;
  /** stream sequence of the submission (Lt-Submit-Seq) */
  seq: number;
  /** when JetStream stored it: the hub's receive time, used for clock skew and revocation */
  receivedAtMs: number;
}

/** Facts known about every submission, whatever is decided. */
export interface SubmissionFacts {
  seq: number;
  subject: string;
  receivedAtMs: number;
  /** SHA-256 hex of the submitted bytes (Lt-Digest) */
  digest: string;
  /** agency the submit subject names, when it names one */
  subjectAgency: string | null;
}

/** A submission whose signature still has to be checked (signatures are verified in batches). */
export interface AwaitingSignature {
  type: 'verify';
  facts: SubmissionFacts;
  decoded: DecodedJws;
  key: KeyView;
}

/** One inbox copy. */
export interface Copy {
  recipient: string;
  /** the closed agency the envelope was addressed to, when this copy goes to its successor */
  forwardedFrom?: string;
}

/** Decree 30/2020: (số, ký hiệu, issuer) must not repeat within a year. Normalised for comparison. */
export interface DocumentNumber {
  sender: string;
  year: number;
  codeNumber: string;
  codeNotation: string;
}

export interface Deliver {
  type: 'deliver';
  facts: SubmissionFacts;
  envelopeId: string;
  sender: string;
  kid: string;
  envelope: Envelope;
  copies: Copy[];
  /** set for new documents: checked against the register of numbers */
  documentNumber?: DocumentNumber;
  /** for `dossier` envelopes, the code the dossier service answered (Lt-Dossier-Code) */
  dossierCode?: string;
}

export interface Refuse {
  type: 'refuse';
  facts: SubmissionFacts;
  reasonCode: ErrorCode;
  reason: string;
  details?: Record<string, unknown>;
  /**
   * True once the signature is proven by a key registered to the submit subject's agency: only
   * then is the envelope id recorded (ids are single-use) and a status 02 bounced to the sender.
   */
  authenticated: boolean;
  /**
   * who receives the status 02: the authenticated sender, or for RATE_LIMITED the agency of the
   * submit subject (NATS permissions bind it; no id is recorded then); null = recorded only
   */
  bounceTo: string | null;
  /** envelope id, when it could be read as a UUID */
  envelopeId?: string;
  /** claimed `from` / kind, when the payload could be read */
  from?: string;
  kind?: EnvelopeKind | string;
  kid?: string;
}

/** What the decision logic says about one submission, before replay detection. */
export type RoutingDecision = Deliver | Refuse;

/** After the replay register and the number register have been consulted. */
export type Outcome =
  | (Deliver & { flags: string[]; firstEnvelopeWithNumber?: string })
  | Refuse
  | { type: 'replay'; facts: SubmissionFacts; envelopeId: string; sender: string; firstSubmitSeq: number; kind?: string };

export const FLAG_DUPLICATE_NUMBER = 'duplicate-number';
