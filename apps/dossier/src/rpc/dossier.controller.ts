import { Controller } from '@nestjs/common';
import { Ctx, MessagePattern, Payload } from '@nestjs/microservices';
import {
  CALLER_TOKEN_HEADER,
  DOSSIER_RPC,
  LtError,
  type ApplyDossierResult,
  type DossierPage,
  type DossierReportResult,
  type DossierView,
  type DossierViewer,
} from '@lt/contracts';
import { CallerVerifier, NatsRpcContext } from '@lt/messaging';
import { ApplyDossierMessage } from '../use-cases/apply-dossier-message/apply-dossier-message.use-case';
import { DossierReportUseCase } from '../use-cases/dossier-report/dossier-report.use-case';
import { GetDossier } from '../use-cases/get-dossier/get-dossier.use-case';
import { ListDossiers } from '../use-cases/list-dossiers/list-dossiers.use-case';

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

/** A read payload as an object; `viewer` is refused: who reads is the verified caller token, never a field. */
export function readFields(payload: unknown, what: string): Record<string, unknown> {
  if (payload === undefined || payload === null) return {};
  if (typeof payload !== 'object' || Array.isArray(payload)) throw invalid(what, 'must be an object');
  const o = payload as Record<string, unknown>;
  if ('viewer' in o) {
    throw invalid(
      'viewer',
      `is not read: who reads is the caller's bearer token (Authorization over HTTP, the ${CALLER_TOKEN_HEADER} header over NATS); remove viewer from the ${what}`,
    );
  }
  return o;
}

/**
 * Request-reply surface (subject = topology.rpcSubject('dossier', method)):
 * - `apply`  ApplyDossierRequest -> ApplyDossierResult (the router, before delivering a dossier
 *   envelope; NATS lets only the router call it, and the envelope is the agency's signed one)
 * - `get`    {code} -> DossierView
 * - `list`   DossierListQuery -> DossierPage
 * - `report` DossierReportQuery -> DossierReportResult
 * Reads need the reader's bearer token in the Lt-Caller-Token header (the gateway forwards it),
 * verified here with the hub's token key: an agency token sees only what concerns its agency,
 * admin and auditor tokens everything. No or a bad token: UNAUTHENTICATED; a payload with
 * `viewer`: VALIDATION_FAILED (docs/security-identity.md). Refusals are the use cases' LtErrors,
 * answered as {code, message, details}.
 */
@Controller()
export class DossierController {
  constructor(
    private readonly applyDossierMessage: ApplyDossierMessage,
    private readonly getDossier: GetDossier,
    private readonly listDossiers: ListDossiers,
    private readonly dossierReport: DossierReportUseCase,
    private readonly callers: CallerVerifier,
  ) {}

  /** The verified reader, before anything in the payload is looked at. */
  private viewer(ctx: NatsRpcContext): DossierViewer {
    const c = this.callers.require(ctx);
    return c.agencyCode ? { role: c.role, agencyCode: c.agencyCode } : { role: c.role };
  }

  @MessagePattern(DOSSIER_RPC.apply)
  apply(@Payload() p: unknown): Promise<ApplyDossierResult> {
    return this.applyDossierMessage.execute(p);
  }

  @MessagePattern(DOSSIER_RPC.get)
  get(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext): Promise<DossierView> {
    const viewer = this.viewer(ctx);
    return this.getDossier.execute(readFields(p, 'dossier.get payload').code, viewer);
  }

  @MessagePattern(DOSSIER_RPC.list)
  list(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext): Promise<DossierPage> {
    const viewer = this.viewer(ctx);
    return this.listDossiers.execute(readFields(p, 'dossier.list payload'), viewer);
  }

  @MessagePattern(DOSSIER_RPC.report)
  report(@Payload() p: unknown, @Ctx() ctx: NatsRpcContext): Promise<DossierReportResult> {
    const viewer = this.viewer(ctx);
    return this.dossierReport.execute(readFields(p, 'dossier.report payload'), viewer);
  }
}
