/**
 * Request-reply surface of the audit service: subject = topology.rpcSubject('audit', method).
 * Pure types and names only (no I/O), shared by the audit service, the gateway controllers, the CLI
 * and @lt/audit-log (offline verification).
 * Hashes are standard base64 (as in checkpoints and Go's tlog), times ISO-8601 UTC.
 */
export const AUDIT_RPC = {
  checkpoint: 'checkpoint.latest',
  inclusionProof: 'proof.inclusion',
  consistencyProof: 'proof.consistency',
  trace: 'message.trace',
  agencyReport: 'report.agency',
  exportBegin: 'export.begin',
  exportEntries: 'export.entries',
  verify: 'log.verify',
} as const;

export interface CheckpointResponse {
  origin: string;
  treeSize: number;
  rootHash: string;
  /** the C2SP signed note (checkpoint text + signature lines) */
  checkpoint: string;
  /** verifier key of the log: `<origin>+<key hash>+<base64 Ed25519 key>` */
  vkey: string;
  /** every checkpoint key of the log, the active one (vkey) first: older checkpoints were signed by a key since rotated */
  vkeys?: string[];
  hubKeyId: string;
  createdAt: string;
}

export interface InclusionProofRequest {
  seq: number;
  /** tree size to prove against; default: the latest checkpoint's */
  treeSize?: number;
}

export interface InclusionProofResponse {
  seq: number;
  treeSize: number;
  /** leaf hash as stored when the entry was appended */
  leafHash: string;
  rootHash: string;
  /** audit path, innermost sibling first (RFC 9162, Go tlog.ProveRecord order) */
  proof: string[];
  /** the signed checkpoint of treeSize, when one was signed at that size */
  checkpoint: string | null;
  /** the entry itself: canonicalJson of its eight fields hashes to leafHash */
  entry: BundleEntryFields;
}

export interface ConsistencyProofRequest {
  from: number;
  to: number;
}

export interface ConsistencyProofResponse {
  from: number;
  to: number;
  fromRoot: string;
  toRoot: string;
  proof: string[];
  fromCheckpoint: string | null;
  toCheckpoint: string | null;
}

/** The eight fields the leaf hash covers. */
export interface BundleEntryFields {
  seq: number;
  source: 'event' | 'inbox';
  id: string;
  type: string;
  messageId: string | null;
  agencies: string[];
  at: string;
  body: unknown;
}

/** An exported entry: its canonical JSON text (the hashed bytes) and the leaf hash stored when it was appended. */
export interface BundleEntry {
  seq: number;
  leafHash: string;
  /** canonical JSON of the eight BundleEntryFields, byte for byte what the leaf hash covers */
  entry: string;
}

export const BUNDLE_FORMAT = 'lienthong-audit-bundle/1';

/** A bundle line after the header: `{"leafHash":"<base64>","entry":<canonical entry JSON>}`. */
export function bundleLine(e: Pick<BundleEntry, 'leafHash' | 'entry'>): string {
  return `{"leafHash":${JSON.stringify(e.leafHash)},"entry":${e.entry}}`;
}

/**
 * First line of a bundle (JSON Lines). Entries [startSize, endSize) follow, one per line
 * (bundleLine), in seq order. startFrontier is the right edge of the tree of startSize records
 * (roots of its complete subtrees, largest first); with it and the entries, a verifier recomputes
 * the root at every checkpoint size in (startSize, endSize] and compares it with the signed
 * checkpoint.
 */
export interface BundleHeader {
  format: typeof BUNDLE_FORMAT;
  origin: string;
  vkey: string;
  /** every checkpoint key of the log, the active one (vkey) first */
  vkeys?: string[];
  hubKeyId: string;
  hubPublicJwk: Record<string, unknown>;
  startSize: number;
  startFrontier: string[];
  endSize: number;
  /** signed checkpoints with startSize <= treeSize <= endSize, ascending */
  checkpoints: Array<{ treeSize: number; note: string }>;
  exportedAt: string;
  /** what was asked: the range is widened to checkpoint boundaries */
  requested: ExportBeginRequest;
}

export interface ExportBeginRequest {
  fromSeq?: number;
  toSeq?: number;
  /** ISO times; mapped to the checkpoints signed around them */
  from?: string;
  to?: string;
}

export interface ExportEntriesRequest {
  fromSeq: number;
  toSeq: number;
  limit?: number;
}

export interface ExportEntriesResponse {
  entries: BundleEntry[];
  /** where the next page starts, or null when toSeq is reached */
  nextSeq: number | null;
}

export interface VerifyRequest {
  fromSeq?: number;
  toSeq?: number;
}

export interface VerifyProblem {
  /** first bad position */
  seq: number;
  reason: VerifyReason;
  message: string;
  /** set when the problem is a checkpoint */
  checkpointSize?: number;
}

export type VerifyReason =
  | 'entry_missing'
  | 'entry_duplicated'
  | 'entry_altered'
  | 'leaf_column_altered'
  | 'stored_hash_missing'
  | 'stored_hash_altered'
  | 'sequence_out_of_order'
  | 'checkpoint_mismatch'
  | 'checkpoint_signature'
  | 'malformed';

export interface VerifyReport {
  ok: boolean;
  fromSeq: number;
  toSeq: number;
  entriesChecked: number;
  checkpointsChecked: number;
  firstProblem: VerifyProblem | null;
  durationMs: number;
}

export interface TraceRequest {
  messageId: string;
}

export interface TraceStep {
  seq: number;
  at: string;
  type: string;
  /** the agency that acted (sender of a copy or status), when any */
  actor: string | null;
  /** the agency it concerns (recipient), when any */
  target: string | null;
  summary: string;
  msSinceIssued: number | null;
  msSincePrevious: number | null;
  leafHash: string;
}

export interface RecipientTrace {
  code: string;
  /** set when the addressed agency was closed and this copy went to its successor */
  forwardedFrom: string | null;
  deliveredAt: string | null;
  deliverySeq: number | null;
  /** routing latency: issuedAt to the copy in the inbox */
  msToDelivery: number | null;
  statuses: Array<{ code: string; at: string; seq: number; msSinceDelivery: number | null }>;
  msTo01: number | null;
  msTo03: number | null;
  msTo06: number | null;
  refused: boolean;
  /** Decree 30: receipt confirmed (01) the same local day (UTC+7) as delivery */
  confirmedSameDay: boolean | null;
}

export interface MessageTrace {
  messageId: string;
  found: boolean;
  kind: string | null;
  from: string | null;
  issuedAt: string | null;
  digest: string | null;
  submitSeq: number | null;
  copies: number | null;
  /** each uploaded attachment the envelope names, as the delivery entries record it (Lt-Attachments) */
  attachments?: Array<{ id: string; size: number; sha256: string }>;
  firstRoutedAt: string | null;
  msToRoute: number | null;
  recipients: RecipientTrace[];
  rejections: Array<{ seq: number; at: string; reasonCode: string | null; reason: string | null }>;
  flags: string[];
  recall: { requestedAt: string; outcomes: Array<{ recipient: string; code: string; at: string }> } | null;
  timeline: TraceStep[];
}

export interface AgencyReportRequest {
  code: string;
  /** ISO date-time, or a date (YYYY-MM-DD, Vietnam local midnight); default 30 days before `to` */
  from?: string;
  /** exclusive; default now */
  to?: string;
}

export interface DirectionStats {
  /** distinct documents */
  documents: number;
  copies: number;
  arrived: number;
  confirmedSameDay: number;
  refused: number;
  /** delivered, no 01 yet, and the local day of delivery is over */
  unconfirmedPastDue: number;
  medianMsTo01: number | null;
  medianMsTo03: number | null;
  medianMsTo06: number | null;
}

export interface AgencyReport {
  code: string;
  from: string;
  to: string;
  generatedAt: string;
  /** documents this agency sent: delivered copies and how recipients answered */
  sent: DirectionStats & { byRecipientTier: Record<string, DirectionStats> };
  /** documents this agency received: how it met its obligations */
  received: DirectionStats & { bySenderTier: Record<string, DirectionStats> };
  /** submissions of this agency the hub refused (msg.rejected) */
  rejectedByHub: number;
  recalls: number;
}
