import { ApiProperty, ApiPropertyOptional, ApiSchema, getSchemaPath } from '@nestjs/swagger';
import { AGENCY_CODE_PATTERN, DOSSIER_STATES, TIERS } from '@lt/contracts';

/**
 * OpenAPI schemas of the dossier routes (/v1/dossiers, /v1/reports/dossiers): the shapes of
 * libs/contracts/src/dossier (DossierView, DossierSummary, DossierReport).
 */

const STATE_CODES = Object.keys(DOSSIER_STATES).map(Number);
const STATE_NAMES = Object.values(DOSSIER_STATES);
const TIMELINESS = ['early', 'on_time', 'late'];
const agencyCode = (description?: string) => ({ type: String, pattern: AGENCY_CODE_PATTERN, ...(description ? { description } : {}) });
const isoTime = (description?: string) => ({ type: String, format: 'date-time', ...(description ? { description } : {}) });
const state = (description = 'national portal state 1-10') => ({ type: 'integer' as const, enum: STATE_CODES, description });
const int = (description?: string) => ({ type: 'integer' as const, ...(description ? { description } : {}) });
const nullableNumber = (description?: string) => ({ type: Number, nullable: true, ...(description ? { description } : {}) });

@ApiSchema({ name: 'DossierSummary' })
export class DossierSummaryDto {
  @ApiProperty({ example: '000.12.05.H41-260302-0001' })
  code!: string;
  @ApiProperty({ example: 'DEMO-HT-KHAISINH' })
  procedureCode!: string;
  @ApiProperty(agencyCode('the one-stop desk'))
  receivingAgency!: string;
  @ApiProperty({ enum: TIERS, enumName: 'AgencyTier' })
  receivingTier!: string;
  @ApiProperty(agencyCode('agency holding it now'))
  holder!: string;
  @ApiProperty(state())
  state!: number;
  @ApiProperty({ enum: STATE_NAMES, enumName: 'DossierStateName' })
  stateName!: string;
  @ApiProperty(isoTime())
  receivedAt!: string;
  @ApiProperty(isoTime('legal deadline, pause-adjusted'))
  dueAt!: string;
  @ApiProperty({ ...isoTime(), nullable: true })
  settledAt!: string | null;
  @ApiProperty({ enum: TIMELINESS, nullable: true })
  settledClass!: string | null;
  @ApiProperty(isoTime())
  updatedAt!: string;
}

@ApiSchema({ name: 'DossierPage' })
export class DossierPageDto {
  @ApiProperty({ type: () => [DossierSummaryDto] })
  items!: DossierSummaryDto[];
  @ApiProperty({ type: String, nullable: true, description: 'opaque cursor of the next page; null on the last' })
  nextCursor!: string | null;
}

@ApiSchema({ name: 'DossierTransferStep', description: 'one inter-level leg: sent by from to to, due back by stepDueAt' })
export class TransferStepDto {
  @ApiProperty(agencyCode())
  from!: string;
  @ApiProperty(agencyCode())
  to!: string;
  @ApiPropertyOptional({ enum: TIERS, enumName: 'AgencyTier' })
  toTier?: string;
  @ApiProperty(isoTime())
  sentAt!: string;
  @ApiProperty(isoTime('end of the step’s last working day (Vietnam time)'))
  stepDueAt!: string;
  @ApiPropertyOptional(isoTime())
  returnedAt?: string;
}

@ApiSchema({ name: 'DossierPause', description: 'a stretch in state 5, 6 or 8' })
export class PauseIntervalDto {
  @ApiProperty({ type: 'integer', enum: [5, 6, 8] })
  state!: number;
  @ApiProperty(isoTime())
  from!: string;
  @ApiPropertyOptional(isoTime())
  to?: string;
  @ApiPropertyOptional(int('working days it cost, set when it closes'))
  workingDays?: number;
  @ApiPropertyOptional(isoTime('the dossier’s dueAt right after this pause closed'))
  dueAtAfter?: string;
}

@ApiSchema({ name: 'DossierApologySlip' })
export class ApologySlipDto {
  @ApiProperty(isoTime())
  issuedAt!: string;
  @ApiProperty(isoTime('new appointment date promised to the citizen'))
  newDueAt!: string;
  @ApiProperty()
  reason!: string;
  @ApiProperty(agencyCode())
  by!: string;
}

@ApiSchema({ name: 'DossierHistoryEntry' })
export class DossierHistoryEntryDto {
  @ApiProperty(isoTime())
  at!: string;
  @ApiProperty(agencyCode())
  by!: string;
  @ApiProperty({ enum: ['register', 'transition', 'transfer', 'return'] })
  action!: string;
  @ApiPropertyOptional(state())
  fromState?: number;
  @ApiProperty(state())
  toState!: number;
  @ApiPropertyOptional(agencyCode('for transfer/return: the agency the dossier went to'))
  toAgency?: string;
  @ApiPropertyOptional()
  reason?: string;
}

@ApiSchema({ name: 'DossierView', description: 'a dossier: state, holder, deadlines, transfer steps, pauses, apology slips, history' })
export class DossierViewDto {
  @ApiProperty({ example: '000.12.05.H41-260302-0001' })
  code!: string;
  @ApiProperty()
  procedureCode!: string;
  @ApiProperty(agencyCode())
  receivingAgency!: string;
  @ApiProperty({ enum: TIERS, enumName: 'AgencyTier' })
  receivingTier!: string;
  @ApiProperty(agencyCode())
  holder!: string;
  @ApiProperty(state())
  state!: number;
  @ApiProperty({ enum: STATE_NAMES, enumName: 'DossierStateName' })
  stateName!: string;
  @ApiProperty(isoTime())
  receivedAt!: string;
  @ApiProperty(isoTime('legal deadline at registration'))
  initialDueAt!: string;
  @ApiProperty(isoTime('legal deadline, pushed back by every closed pause'))
  dueAt!: string;
  @ApiPropertyOptional(isoTime('deadline of the innermost open transfer step'))
  stepDueAt?: string;
  @ApiProperty({ type: () => [TransferStepDto] })
  steps!: TransferStepDto[];
  @ApiProperty({ type: () => [PauseIntervalDto] })
  pauses!: PauseIntervalDto[];
  @ApiPropertyOptional(isoTime())
  settledAt?: string;
  @ApiPropertyOptional({ enum: TIMELINESS })
  settledClass?: string;
  @ApiPropertyOptional(int())
  settlementWorkingDays?: number;
  @ApiPropertyOptional(isoTime())
  resultReturnedAt?: string;
  @ApiPropertyOptional(isoTime('when it reached 3 (not accepted) or 7 (withdrawn)'))
  closedAt?: string;
  @ApiProperty({ type: () => [ApologySlipDto] })
  apologies!: ApologySlipDto[];
  @ApiProperty({ type: 'array', items: { $ref: getSchemaPath('AttachmentRef') }, description: 'dossier documents by digest (the envelope AttachmentRef)' })
  attachments!: unknown[];
  @ApiProperty({ type: () => [DossierHistoryEntryDto] })
  history!: DossierHistoryEntryDto[];
  @ApiProperty(isoTime())
  updatedAt!: string;
  @ApiProperty({ description: 'open and past its due day now' })
  overdue!: boolean;
  @ApiProperty({ type: [String], description: 'receiving agency and every agency a transfer step touched' })
  participants!: string[];
}

@ApiSchema({ name: 'ReportPeriod' })
export class PeriodDto {
  @ApiProperty(isoTime())
  from!: string;
  @ApiProperty(isoTime())
  to!: string;
}

@ApiSchema({ name: 'SettledCounts' })
export class SettledCountsDto {
  @ApiProperty(int())
  total!: number;
  @ApiProperty(int())
  early!: number;
  @ApiProperty(int())
  onTime!: number;
  @ApiProperty(int())
  late!: number;
}

@ApiSchema({ name: 'SettlementWorkingDays' })
export class SettlementWorkingDaysDto {
  @ApiProperty(nullableNumber())
  mean!: number | null;
  @ApiProperty(nullableNumber())
  p90!: number | null;
}

@ApiSchema({ name: 'DossierReport', description: 'dossier figures over a period' })
export class DossierReportDto {
  @ApiProperty({ type: () => PeriodDto })
  period!: PeriodDto;
  @ApiPropertyOptional(agencyCode())
  agency?: string;
  @ApiPropertyOptional({ enum: TIERS, enumName: 'AgencyTier' })
  tier?: string;
  @ApiProperty(isoTime('instant of the in-progress and overdue counts'))
  asOf!: string;
  @ApiProperty(int('registered within the period'))
  received!: number;
  @ApiProperty(int())
  notAccepted!: number;
  @ApiProperty(int())
  withdrawn!: number;
  @ApiProperty({ type: () => SettledCountsDto })
  settled!: SettledCountsDto;
  @ApiProperty(nullableNumber('(early + onTime) / total, 0..1; null when nothing was settled'))
  onTimeRate!: number | null;
  @ApiProperty(int())
  awaitingAcceptance!: number;
  @ApiProperty(int())
  inProgress!: number;
  @ApiProperty(int())
  overdueNow!: number;
  @ApiProperty({ type: () => SettlementWorkingDaysDto })
  settlementWorkingDays!: SettlementWorkingDaysDto;
}

@ApiSchema({ name: 'DossierReportGroup' })
export class DossierReportGroupDto extends DossierReportDto {
  @ApiProperty({ description: 'the agency code or tier of this group' })
  key!: string;
}

@ApiSchema({ name: 'DossierReportGroups', description: 'the answer with groupBy' })
export class DossierReportGroupsDto {
  @ApiProperty({ type: () => PeriodDto })
  period!: PeriodDto;
  @ApiProperty(isoTime())
  asOf!: string;
  @ApiProperty({ enum: ['agency', 'tier'] })
  groupBy!: string;
  @ApiProperty({ type: () => [DossierReportGroupDto] })
  groups!: DossierReportGroupDto[];
}
