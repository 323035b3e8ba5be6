import { DOSSIER_RPC, LtError, type DossierViewer, type Topology } from '@lt/contracts';
import type { RpcServer } from '@lt/messaging';
import type { DossierUseCases } from '../dossier.use-cases';

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
 */
export function serveDossierRpc(server: RpcServer, topo: Topology, uc: DossierUseCases): void {
  const subject = (m: string) => topo.rpcSubject('dossier', m);
  server.serve(subject(DOSSIER_RPC.apply), (p) => uc.applyDossierMessage.execute(p));
  server.serve(subject(DOSSIER_RPC.get), (p) => {
    const { viewer, rest } = splitViewer(p, 'dossier.get payload');
    return uc.getDossier.execute(rest.code, viewer);
  });
  server.serve(subject(DOSSIER_RPC.list), (p) => {
    const { viewer, rest } = splitViewer(p, 'dossier.list payload');
    return uc.listDossiers.execute(rest, viewer);
  });
  server.serve(subject(DOSSIER_RPC.report), (p) => {
    const { viewer, rest } = splitViewer(p, 'dossier.report payload');
    return uc.dossierReport.execute(rest, viewer);
  });
}
