import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { DOSSIER_RPC, LtError, type ApplyDossierResult, type DossierPage, type DossierReportResult, type DossierView, type DossierViewer } from '@lt/contracts';
import { ApplyDossierMessage } from '../use-cases/apply-dossier-message/apply-dossier-message.use-case';
import { DossierReportUseCase } from '../use-cases/dossier-report/dossier-report.use-case';
import { GetDossier } from '../use-cases/get-dossier/get-dossier.use-case';
import { ListDossiers } from '../use-cases/list-dossiers/list-dossiers.use-case';

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

/** Splits `viewer` ({role, agencyCode?}, set by the gateway from the bearer token) off a read payload. */
export function splitViewer(payload: unknown, what: string): { viewer: DossierViewer | undefined; rest: Record<string, unknown> } {
  if (payload === undefined || payload === null) return { viewer: undefined, rest: {} };
  if (typeof payload !== 'object' || Array.isArray(payload)) throw invalid(what, 'must be an object');
  const { viewer, ...rest } = payload as Record<string, unknown>;
  if (viewer === undefined) return { viewer: undefined, rest };
  const v = viewer as Record<string, unknown>;
  if (typeof v !== 'object' || v === null || typeof v.role !== 'string') throw invalid(`${what}.viewer`, 'must be {role, agencyCode?}');
  if (v.agencyCode !== undefined && typeof v.agencyCode !== 'string') throw invalid(`${what}.viewer.agencyCode`, 'must be a string');
  return { viewer: { role: v.role, ...(v.agencyCode !== undefined ? { agencyCode: v.agencyCode as string } : {}) }, rest };
}

/**
 * Request-reply surface (subject = topology.rpcSubject('dossier', method)):
 * - `apply`  ApplyDossierRequest -> ApplyDossierResult (the router, before delivering a dossier envelope)
 * - `get`    {code, viewer?} -> DossierView
 * - `list`   DossierListQuery & {viewer?} -> DossierPage
 * - `report` DossierReportQuery & {viewer?} -> DossierReportResult
 * Refusals are the use cases' LtErrors, answered as {code, message, details}.
 */
@Controller()
export class DossierController {
  constructor(
    private readonly applyDossierMessage: ApplyDossierMessage,
    private readonly getDossier: GetDossier,
    private readonly listDossiers: ListDossiers,
    private readonly dossierReport: DossierReportUseCase,
  ) {}

  @MessagePattern(DOSSIER_RPC.apply)
  apply(@Payload() p: unknown): Promise<ApplyDossierResult> {
    return this.applyDossierMessage.execute(p);
  }

  @MessagePattern(DOSSIER_RPC.get)
  get(@Payload() p: unknown): Promise<DossierView> {
    const { viewer, rest } = splitViewer(p, 'dossier.get payload');
    return this.getDossier.execute(rest.code, viewer);
  }

  @MessagePattern(DOSSIER_RPC.list)
  list(@Payload() p: unknown): Promise<DossierPage> {
    const { viewer, rest } = splitViewer(p, 'dossier.list payload');
    return this.listDossiers.execute(rest, viewer);
  }

  @MessagePattern(DOSSIER_RPC.report)
  report(@Payload() p: unknown): Promise<DossierReportResult> {
    const { viewer, rest } = splitViewer(p, 'dossier.report payload');
    return this.dossierReport.execute(rest, viewer);
  }
}
