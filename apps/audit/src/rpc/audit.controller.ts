import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  AUDIT_RPC,
  type AgencyReportRequest,
  type ConsistencyProofRequest,
  type ExportBeginRequest,
  type ExportEntriesRequest,
  type InclusionProofRequest,
  type VerifyRequest,
} from '@lt/contracts';
import { AgencyReportUseCase } from '../use-cases/agency-report/agency-report.use-case';
import { ExportBundleUseCase } from '../use-cases/export-bundle/export-bundle.use-case';
import { GetCheckpointUseCase } from '../use-cases/get-checkpoint/get-checkpoint.use-case';
import { ProveConsistencyUseCase } from '../use-cases/prove-consistency/prove-consistency.use-case';
import { ProveInclusionUseCase } from '../use-cases/prove-inclusion/prove-inclusion.use-case';
import { TraceMessageUseCase } from '../use-cases/trace-message/trace-message.use-case';
import { VerifyLogUseCase } from '../use-cases/verify-log/verify-log.use-case';

/**
 * Request-reply surface of the audit log (subject = topology.rpcSubject('audit', method)), served
 * by every replica, writer or standby. The use cases validate their payloads and throw LtError.
 */
@Controller()
export class AuditController {
  constructor(
    private readonly getCheckpoint: GetCheckpointUseCase,
    private readonly proveInclusion: ProveInclusionUseCase,
    private readonly proveConsistency: ProveConsistencyUseCase,
    private readonly traceMessage: TraceMessageUseCase,
    private readonly agencyReport: AgencyReportUseCase,
    private readonly exportBundle: ExportBundleUseCase,
    private readonly verifyLog: VerifyLogUseCase,
  ) {}

  @MessagePattern(AUDIT_RPC.checkpoint)
  checkpoint() {
    return this.getCheckpoint.execute();
  }

  @MessagePattern(AUDIT_RPC.inclusionProof)
  inclusionProof(@Payload() p: InclusionProofRequest) {
    return this.proveInclusion.execute(p);
  }

  @MessagePattern(AUDIT_RPC.consistencyProof)
  consistencyProof(@Payload() p: ConsistencyProofRequest) {
    return this.proveConsistency.execute(p);
  }

  @MessagePattern(AUDIT_RPC.trace)
  trace(@Payload() p: { messageId?: unknown } | undefined) {
    return this.traceMessage.execute(p?.messageId);
  }

  @MessagePattern(AUDIT_RPC.agencyReport)
  report(@Payload() p: AgencyReportRequest) {
    return this.agencyReport.execute(p);
  }

  @MessagePattern(AUDIT_RPC.exportBegin)
  exportBegin(@Payload() p: ExportBeginRequest | undefined) {
    return this.exportBundle.begin(p ?? {});
  }

  @MessagePattern(AUDIT_RPC.exportEntries)
  exportEntries(@Payload() p: ExportEntriesRequest) {
    return this.exportBundle.page(p);
  }

  @MessagePattern(AUDIT_RPC.verify)
  verify(@Payload() p: VerifyRequest | undefined) {
    return this.verifyLog.execute(p ?? {});
  }
}
