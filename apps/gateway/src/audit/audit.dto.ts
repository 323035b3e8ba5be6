import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { AGENCY_CODE_PATTERN, BUNDLE_FORMAT } from '@lt/contracts';

/**
 * OpenAPI schemas of the audit routes (/v1/audit, /v1/messages/{id}/trace, /v1/reports/agencies).
 * Shapes of libs/contracts/src/audit/rpc-contract.ts; hashes are standard base64, times ISO-8601 UTC.
 */

const int = (description?: string, nullable = false) => ({
  type: 'integer' as const,
  ...(description ? { description } : {}),
  ...(nullable ? { nullable: true } : {}),
});
const isoTime = (description?: string, nullable = false) => ({
  type: String,
  format: 'date-time',
  ...(description ? { description } : {}),
  ...(nullable ? { nullable: true } : {}),
});
const hash = (description = 'base64 SHA-256') => ({ type: String, description });
const nullableString = (description?: string) => ({ type: String, nullable: true, ...(description ? { description } : {}) });
const agencyCode = { type: String, pattern: AGENCY_CODE_PATTERN };

@ApiSchema({ name: 'Checkpoint' })
export class CheckpointDto {
  @ApiProperty({ description: 'log origin line' })
  origin!: string;
  @ApiProperty(int('entries covered'))
  treeSize!: number;
  @ApiProperty(hash('root hash (base64)'))
  rootHash!: string;
  @ApiProperty({ description: 'the C2SP signed note (checkpoint text + signature lines)' })
  checkpoint!: string;
  @ApiProperty({ description: 'verifier key of the log: `<origin>+<key hash>+<base64 Ed25519 key>`' })
  vkey!: string;
  @ApiPropertyOptional({ type: [String], description: 'every checkpoint key of the log, the active one first' })
  vkeys?: string[];
  @ApiProperty()
  hubKeyId!: string;
  @ApiProperty(isoTime())
  createdAt!: string;
}

@ApiSchema({ name: 'AuditEntryFields', description: 'the eight fields the leaf hash covers' })
export class BundleEntryFieldsDto {
  @ApiProperty(int())
  seq!: number;
  @ApiProperty({ enum: ['event', 'inbox'] })
  source!: string;
  @ApiProperty()
  id!: string;
  @ApiProperty({ example: 'msg.delivered' })
  type!: string;
  @ApiProperty(nullableString('envelope id, when the entry is about a message'))
  messageId!: string | null;
  @ApiProperty({ type: [String], description: 'agency codes the entry names' })
  agencies!: string[];
  @ApiProperty(isoTime())
  at!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'the event or inbox record (JSON)' })
  body!: unknown;
}

@ApiSchema({ name: 'InclusionProof' })
export class InclusionProofDto {
  @ApiProperty(int())
  seq!: number;
  @ApiProperty(int())
  treeSize!: number;
  @ApiProperty(hash('leaf hash as stored when the entry was appended'))
  leafHash!: string;
  @ApiProperty(hash())
  rootHash!: string;
  @ApiProperty({ type: [String], description: 'audit path, innermost sibling first (RFC 9162)' })
  proof!: string[];
  @ApiProperty(nullableString('the signed checkpoint of treeSize, when one was signed at that size'))
  checkpoint!: string | null;
  @ApiProperty({ type: () => BundleEntryFieldsDto, description: 'canonical JSON of these fields hashes to leafHash' })
  entry!: BundleEntryFieldsDto;
}

@ApiSchema({ name: 'ConsistencyProof' })
export class ConsistencyProofDto {
  @ApiProperty(int())
  from!: number;
  @ApiProperty(int())
  to!: number;
  @ApiProperty(hash())
  fromRoot!: string;
  @ApiProperty(hash())
  toRoot!: string;
  @ApiProperty({ type: [String] })
  proof!: string[];
  @ApiProperty(nullableString())
  fromCheckpoint!: string | null;
  @ApiProperty(nullableString())
  toCheckpoint!: string | null;
}

@ApiSchema({ name: 'ExportRange', description: 'what was asked: seq numbers or ISO times' })
export class ExportBeginRequestDto {
  @ApiPropertyOptional(int())
  fromSeq?: number;
  @ApiPropertyOptional(int())
  toSeq?: number;
  @ApiPropertyOptional(isoTime())
  from?: string;
  @ApiPropertyOptional(isoTime())
  to?: string;
}

@ApiSchema({ name: 'SignedCheckpointAtSize' })
export class SignedCheckpointDto {
  @ApiProperty(int())
  treeSize!: number;
  @ApiProperty({ description: 'C2SP signed note' })
  note!: string;
}

@ApiSchema({ name: 'AuditBundleHeader', description: 'first line of an audit bundle; entries come from /v1/audit/entries' })
export class BundleHeaderDto {
  @ApiProperty({ enum: [BUNDLE_FORMAT] })
  format!: string;
  @ApiProperty()
  origin!: string;
  @ApiProperty()
  vkey!: string;
  @ApiPropertyOptional({ type: [String] })
  vkeys?: string[];
  @ApiProperty()
  hubKeyId!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'public JWK of the hub checkpoint key' })
  hubPublicJwk!: Record<string, unknown>;
  @ApiProperty(int())
  startSize!: number;
  @ApiProperty({ type: [String], description: 'roots of the complete subtrees of the tree of startSize, largest first' })
  startFrontier!: string[];
  @ApiProperty(int())
  endSize!: number;
  @ApiProperty({ type: () => [SignedCheckpointDto] })
  checkpoints!: SignedCheckpointDto[];
  @ApiProperty(isoTime())
  exportedAt!: string;
  @ApiProperty({ type: () => ExportBeginRequestDto })
  requested!: ExportBeginRequestDto;
}

@ApiSchema({ name: 'AuditBundleEntry' })
export class BundleEntryDto {
  @ApiProperty(int())
  seq!: number;
  @ApiProperty(hash())
  leafHash!: string;
  @ApiProperty({ description: 'canonical JSON of the eight entry fields, byte for byte what the leaf hash covers' })
  entry!: string;
}

@ApiSchema({ name: 'AuditEntriesPage' })
export class ExportEntriesDto {
  @ApiProperty({ type: () => [BundleEntryDto] })
  entries!: BundleEntryDto[];
  @ApiProperty(int('where the next page starts, or null when toSeq is reached', true))
  nextSeq!: number | null;
}

@ApiSchema({ name: 'VerifyLogRequest', description: 'optional seq range; empty body: the whole log' })
export class VerifyRequestDto {
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  fromSeq?: number;
  @ApiPropertyOptional({ type: 'integer', minimum: 0 })
  toSeq?: number;
}

const VERIFY_REASONS = [
  'entry_missing',
  'entry_duplicated',
  'entry_altered',
  'leaf_column_altered',
  'stored_hash_missing',
  'stored_hash_altered',
  'sequence_out_of_order',
  'checkpoint_mismatch',
  'checkpoint_signature',
  'malformed',
];

@ApiSchema({ name: 'VerifyProblem' })
export class VerifyProblemDto {
  @ApiProperty(int('first bad position'))
  seq!: number;
  @ApiProperty({ enum: VERIFY_REASONS })
  reason!: string;
  @ApiProperty()
  message!: string;
  @ApiPropertyOptional(int('set when the problem is a checkpoint'))
  checkpointSize?: number;
}

@ApiSchema({ name: 'VerifyReport' })
export class VerifyReportDto {
  @ApiProperty()
  ok!: boolean;
  @ApiProperty(int())
  fromSeq!: number;
  @ApiProperty(int())
  toSeq!: number;
  @ApiProperty(int())
  entriesChecked!: number;
  @ApiProperty(int())
  checkpointsChecked!: number;
  @ApiProperty({ type: () => VerifyProblemDto, nullable: true })
  firstProblem!: VerifyProblemDto | null;
  @ApiProperty(int())
  durationMs!: number;
}

// ---------------------------------------------------------------- message trace

@ApiSchema({ name: 'TraceStep' })
export class TraceStepDto {
  @ApiProperty(int())
  seq!: number;
  @ApiProperty(isoTime())
  at!: string;
  @ApiProperty()
  type!: string;
  @ApiProperty(nullableString('the agency that acted'))
  actor!: string | null;
  @ApiProperty(nullableString('the agency it concerns'))
  target!: string | null;
  @ApiProperty()
  summary!: string;
  @ApiProperty(int(undefined, true))
  msSinceIssued!: number | null;
  @ApiProperty(int(undefined, true))
  msSincePrevious!: number | null;
  @ApiProperty(hash())
  leafHash!: string;
}

@ApiSchema({ name: 'TraceStatus' })
export class TraceStatusDto {
  @ApiProperty({ example: '03', description: 'edXML status code' })
  code!: string;
  @ApiProperty(isoTime())
  at!: string;
  @ApiProperty(int())
  seq!: number;
  @ApiProperty(int(undefined, true))
  msSinceDelivery!: number | null;
}

@ApiSchema({ name: 'RecipientTrace' })
export class RecipientTraceDto {
  @ApiProperty(agencyCode)
  code!: string;
  @ApiProperty(nullableString('set when the addressed agency was closed and this copy went to its successor'))
  forwardedFrom!: string | null;
  @ApiProperty(isoTime(undefined, true))
  deliveredAt!: string | null;
  @ApiProperty(int(undefined, true))
  deliverySeq!: number | null;
  @ApiProperty(int('issuedAt to the copy in the inbox', true))
  msToDelivery!: number | null;
  @ApiProperty({ type: () => [TraceStatusDto] })
  statuses!: TraceStatusDto[];
  @ApiProperty(int(undefined, true))
  msTo01!: number | null;
  @ApiProperty(int(undefined, true))
  msTo03!: number | null;
  @ApiProperty(int(undefined, true))
  msTo06!: number | null;
  @ApiProperty()
  refused!: boolean;
  @ApiProperty({ type: Boolean, nullable: true, description: 'receipt confirmed (01) the same local day (UTC+7) as delivery' })
  confirmedSameDay!: boolean | null;
}

@ApiSchema({ name: 'TraceAttachment' })
export class TraceAttachmentDto {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  @ApiProperty(int())
  size!: number;
  @ApiProperty({ pattern: '^[0-9a-f]{64}$' })
  sha256!: string;
}

@ApiSchema({ name: 'TraceRejection' })
export class TraceRejectionDto {
  @ApiProperty(int())
  seq!: number;
  @ApiProperty(isoTime())
  at!: string;
  @ApiProperty(nullableString())
  reasonCode!: string | null;
  @ApiProperty(nullableString())
  reason!: string | null;
}

@ApiSchema({ name: 'TraceRecallOutcome' })
export class TraceRecallOutcomeDto {
  @ApiProperty(agencyCode)
  recipient!: string;
  @ApiProperty({ example: '15' })
  code!: string;
  @ApiProperty(isoTime())
  at!: string;
}

@ApiSchema({ name: 'TraceRecall' })
export class TraceRecallDto {
  @ApiProperty(isoTime())
  requestedAt!: string;
  @ApiProperty({ type: () => [TraceRecallOutcomeDto] })
  outcomes!: TraceRecallOutcomeDto[];
}

@ApiSchema({ name: 'MessageTrace', description: 'whole timeline of a message from the audit log' })
export class MessageTraceDto {
  @ApiProperty({ format: 'uuid' })
  messageId!: string;
  @ApiProperty()
  found!: boolean;
  @ApiProperty(nullableString('envelope kind'))
  kind!: string | null;
  @ApiProperty(nullableString('sender'))
  from!: string | null;
  @ApiProperty(isoTime(undefined, true))
  issuedAt!: string | null;
  @ApiProperty(nullableString('digest of the signed envelope'))
  digest!: string | null;
  @ApiProperty(int(undefined, true))
  submitSeq!: number | null;
  @ApiProperty(int(undefined, true))
  copies!: number | null;
  @ApiPropertyOptional({ type: () => [TraceAttachmentDto] })
  attachments?: TraceAttachmentDto[];
  @ApiProperty(isoTime(undefined, true))
  firstRoutedAt!: string | null;
  @ApiProperty(int(undefined, true))
  msToRoute!: number | null;
  @ApiProperty({ type: () => [RecipientTraceDto] })
  recipients!: RecipientTraceDto[];
  @ApiProperty({ type: () => [TraceRejectionDto] })
  rejections!: TraceRejectionDto[];
  @ApiProperty({ type: [String] })
  flags!: string[];
  @ApiProperty({ type: () => TraceRecallDto, nullable: true })
  recall!: TraceRecallDto | null;
  @ApiProperty({ type: () => [TraceStepDto] })
  timeline!: TraceStepDto[];
}

// ---------------------------------------------------------------- agency report (Decree 30)

@ApiSchema({ name: 'DirectionStats' })
export class DirectionStatsDto {
  @ApiProperty(int('distinct documents'))
  documents!: number;
  @ApiProperty(int())
  copies!: number;
  @ApiProperty(int())
  arrived!: number;
  @ApiProperty(int())
  confirmedSameDay!: number;
  @ApiProperty(int())
  refused!: number;
  @ApiProperty(int('delivered, no 01 yet, and the local day of delivery is over'))
  unconfirmedPastDue!: number;
  @ApiProperty({ type: Number, nullable: true })
  medianMsTo01!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  medianMsTo03!: number | null;
  @ApiProperty({ type: Number, nullable: true })
  medianMsTo06!: number | null;
}

const statsByTier = (description: string) => ({
  type: 'object' as const,
  additionalProperties: { $ref: getSchemaPath(DirectionStatsDto) },
  description,
});

@ApiSchema({ name: 'SentStats' })
export class SentStatsDto extends DirectionStatsDto {
  @ApiProperty(statsByTier('by recipient tier'))
  byRecipientTier!: Record<string, DirectionStatsDto>;
}

@ApiSchema({ name: 'ReceivedStats' })
export class ReceivedStatsDto extends DirectionStatsDto {
  @ApiProperty(statsByTier('by sender tier'))
  bySenderTier!: Record<string, DirectionStatsDto>;
}

@ApiSchema({ name: 'AgencyReport', description: 'Decree 30 figures of one agency over [from, to)' })
export class AgencyReportDto {
  @ApiProperty(agencyCode)
  code!: string;
  @ApiProperty(isoTime())
  from!: string;
  @ApiProperty(isoTime())
  to!: string;
  @ApiProperty(isoTime())
  generatedAt!: string;
  @ApiProperty({ type: () => SentStatsDto })
  sent!: SentStatsDto;
  @ApiProperty({ type: () => ReceivedStatsDto })
  received!: ReceivedStatsDto;
  @ApiProperty(int('submissions of this agency the hub refused'))
  rejectedByHub!: number;
  @ApiProperty(int())
  recalls!: number;
}
