import { ApiProperty, ApiPropertyOptional, ApiSchema } from '@nestjs/swagger';
import { AGENCY_CODE_PATTERN, AGENCY_STATUSES, SIGNING_ALGS, TIERS } from '@lt/contracts';

/**
 * OpenAPI schemas of the registry routes (/v1/agencies). Documentation only: the registry
 * service checks every input itself (apps/registry/src/domain/input.ts) with the same limits.
 */

const NAME_MAX = 500;
const CONTACT_MAX = 500;
const REASON_MAX = 1000;
const code = (description: string, example = '000.00.05.H41') => ({ type: String, pattern: AGENCY_CODE_PATTERN, description, example });
const nullableCode = (description: string) => ({ ...code(description), nullable: true });
const isoTime = (description: string) => ({ type: String, format: 'date-time', description });

@ApiSchema({ name: 'AgencyContact', description: 'edXML "From" fields carried for every agency' })
export class AgencyContactDto {
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  organizationInCharge?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  address?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  email?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  telephone?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  fax?: string | null;
  @ApiPropertyOptional({ type: String, nullable: true, maxLength: CONTACT_MAX })
  website?: string | null;
}

@ApiSchema({ name: 'Agency', description: 'an agency as the registry serves it' })
export class AgencyDto {
  @ApiProperty(code('agency code DDD.CC.BB.AXX'))
  code!: string;
  @ApiProperty({ example: 'Sở Y tế tỉnh Nghệ An' })
  name!: string;
  @ApiProperty({ enum: TIERS, enumName: 'AgencyTier' })
  tier!: string;
  @ApiProperty(nullableCode('parent agency; null for a root'))
  parentCode!: string | null;
  @ApiProperty({ enum: AGENCY_STATUSES, enumName: 'AgencyStatus' })
  status!: string;
  @ApiProperty(nullableCode('set when closed: the agency that takes over its mail'))
  successorCode!: string | null;
  @ApiProperty({ type: String, nullable: true })
  closedReason!: string | null;
  @ApiProperty(isoTime('in the directory from'))
  validFrom!: string;
  @ApiProperty({ ...isoTime('closed at'), nullable: true })
  validTo!: string | null;
  @ApiProperty({ type: () => AgencyContactDto })
  contact!: AgencyContactDto;
  @ApiProperty({ type: 'integer', minimum: 1 })
  version!: number;
  @ApiProperty(isoTime('registered at'))
  createdAt!: string;
  @ApiProperty(isoTime('last changed at'))
  updatedAt!: string;
}

@ApiSchema({ name: 'AgencyKey', description: 'a public signing key of an agency' })
export class AgencyKeyDto {
  @ApiProperty(code('the agency'))
  agencyCode!: string;
  @ApiProperty({ example: 'k2026' })
  keyId!: string;
  @ApiProperty({ description: '`<agency code>#<key id>` as used in JWS headers', example: '000.00.05.H41#k2026' })
  kid!: string;
  @ApiProperty({ enum: SIGNING_ALGS, enumName: 'SigningAlg' })
  alg!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'public JWK (OKP Ed25519 or EC P-256)' })
  publicJwk!: Record<string, unknown>;
  @ApiProperty(isoTime('valid from'))
  notBefore!: string;
  @ApiProperty({ ...isoTime('valid until'), nullable: true })
  notAfter!: string | null;
  @ApiProperty({ ...isoTime('revoked at'), nullable: true })
  revokedAt!: string | null;
  @ApiProperty({ type: String, nullable: true })
  revokedReason!: string | null;
}

@ApiSchema({ name: 'AgencyWithKeys', description: 'an agency with all its keys' })
export class AgencyWithKeysDto extends AgencyDto {
  @ApiProperty({ type: () => [AgencyKeyDto] })
  keys!: AgencyKeyDto[];
}

@ApiSchema({ name: 'CreateAgency' })
export class CreateAgencyDto {
  @ApiProperty(code('agency code DDD.CC.BB.AXX'))
  code!: string;
  @ApiProperty({ maxLength: NAME_MAX, example: 'Sở Y tế tỉnh Nghệ An' })
  name!: string;
  @ApiProperty({ enum: TIERS, enumName: 'AgencyTier' })
  tier!: string;
  @ApiPropertyOptional({ ...nullableCode('parent agency, registered before'), example: '000.00.00.H41' })
  parentCode?: string | null;
  @ApiPropertyOptional(isoTime('default now'))
  validFrom?: string;
  @ApiPropertyOptional({ type: () => AgencyContactDto })
  contact?: AgencyContactDto;
}

@ApiSchema({ name: 'UpdateAgency', description: 'the fields to change; code comes from the path' })
export class UpdateAgencyDto {
  @ApiPropertyOptional({ maxLength: NAME_MAX })
  name?: string;
  @ApiPropertyOptional({ enum: TIERS, enumName: 'AgencyTier' })
  tier?: string;
  @ApiPropertyOptional(nullableCode('new parent agency'))
  parentCode?: string | null;
  @ApiPropertyOptional({ enum: ['active', 'suspended'], description: 'closing is POST /v1/agencies/{code}/close' })
  status?: string;
  @ApiPropertyOptional({ type: () => AgencyContactDto })
  contact?: AgencyContactDto;
}

@ApiSchema({ name: 'CloseAgency' })
export class CloseAgencyDto {
  @ApiPropertyOptional({ ...nullableCode('agency that takes over its mail'), example: '000.00.00.H41' })
  successorCode?: string | null;
  @ApiProperty({ maxLength: REASON_MAX, example: 'Sáp nhập theo Nghị quyết 202/2025/QH15' })
  reason!: string;
}

@ApiSchema({ name: 'AddAgencyKey' })
export class AddKeyDto {
  @ApiProperty({ example: 'k2026', description: 'key id, unique within the agency' })
  keyId!: string;
  @ApiProperty({ enum: SIGNING_ALGS, enumName: 'SigningAlg' })
  alg!: string;
  @ApiProperty({ type: 'object', additionalProperties: true, description: 'public JWK only (no d)', example: { kty: 'OKP', crv: 'Ed25519', x: '...' } })
  publicJwk!: Record<string, unknown>;
  @ApiPropertyOptional(isoTime('default now'))
  notBefore?: string;
  @ApiPropertyOptional({ ...isoTime('default open-ended'), nullable: true })
  notAfter?: string | null;
}

@ApiSchema({ name: 'RevokeAgencyKey' })
export class RevokeKeyDto {
  @ApiProperty({ maxLength: REASON_MAX, example: 'private key leaked' })
  reason!: string;
}

@ApiSchema({ name: 'AgencyPage' })
export class AgencyPageDto {
  @ApiProperty({ type: () => [AgencyDto] })
  items!: AgencyDto[];
  @ApiProperty({ type: String, nullable: true, description: 'opaque cursor of the next page; null on the last' })
  nextCursor!: string | null;
}

@ApiSchema({ name: 'ImportLineError' })
export class ImportLineErrorDto {
  @ApiProperty({ type: 'integer', description: 'CSV line number' })
  line!: number;
  @ApiProperty({ description: 'error code of the line (an ErrorCode)' })
  code!: string;
  @ApiProperty()
  message!: string;
  @ApiPropertyOptional()
  agencyCode?: string;
}

@ApiSchema({ name: 'ImportResult' })
export class ImportResultDto {
  @ApiProperty({ enum: ['partial', 'all-or-nothing'] })
  mode!: string;
  @ApiProperty({ type: 'integer' })
  total!: number;
  @ApiProperty({ type: 'integer' })
  created!: number;
  @ApiProperty({ type: 'integer' })
  updated!: number;
  @ApiProperty({ type: 'integer' })
  unchanged!: number;
  @ApiProperty({ type: 'integer' })
  failed!: number;
  @ApiProperty({ type: () => [ImportLineErrorDto] })
  errors!: ImportLineErrorDto[];
  @ApiProperty({ description: 'true when all-or-nothing refused the whole file' })
  rolledBack!: boolean;
  @ApiProperty({ type: 'integer' })
  durationMs!: number;
}

@ApiSchema({ name: 'AgencyTreeNode' })
export class AgencyTreeNodeDto {
  @ApiProperty(code('agency code'))
  code!: string;
  @ApiProperty()
  name!: string;
  @ApiProperty({ enum: TIERS, enumName: 'AgencyTier' })
  tier!: string;
  @ApiProperty({ enum: AGENCY_STATUSES, enumName: 'AgencyStatus' })
  status!: string;
  @ApiProperty({ type: () => [AgencyTreeNodeDto] })
  children!: AgencyTreeNodeDto[];
}

@ApiSchema({ name: 'RegistryActor' })
export class ActorDto {
  @ApiProperty({ description: 'sub of the token that made the change' })
  sub!: string;
  @ApiProperty({ example: 'admin' })
  role!: string;
}

@ApiSchema({ name: 'AgencyHistoryEntry', description: 'one change of the append-only registry history' })
export class AgencyHistoryEntryDto {
  @ApiProperty({ type: 'integer' })
  seq!: number;
  @ApiProperty(isoTime('when'))
  at!: string;
  @ApiProperty({ enum: ['registry.agency.created', 'registry.agency.updated', 'registry.agency.closed', 'registry.key.added', 'registry.key.revoked'] })
  type!: string;
  @ApiProperty({ type: () => ActorDto })
  actor!: ActorDto;
  @ApiProperty({ type: String, nullable: true })
  keyId!: string | null;
  @ApiProperty({ format: 'uuid' })
  eventId!: string;
  @ApiProperty({ type: () => AgencyWithKeysDto, description: 'the agency with all its keys right after this change' })
  snapshot!: AgencyWithKeysDto;
}

@ApiSchema({ name: 'AgencyHistoryPage' })
export class AgencyHistoryPageDto {
  @ApiProperty({ type: () => [AgencyHistoryEntryDto] })
  items!: AgencyHistoryEntryDto[];
  @ApiProperty({ type: String, nullable: true })
  nextCursor!: string | null;
}
