import { DOSSIER_RPC, type ApplyDossierRequest, type ApplyDossierResult, type Topology } from '@lt/contracts';
import type { RpcClient, TraceContext } from '@lt/messaging';
import type { DossierGate } from '../ports/dossier-gate';

/** The dossier service's lifecycle check over request-reply (its `dossier.apply` handler). */
export class RpcDossierGate implements DossierGate {
  constructor(
    private readonly rpc: RpcClient,
    private readonly topo: Topology,
    private readonly timeoutMs = 10_000,
  ) {}

  apply(req: ApplyDossierRequest, trace?: TraceContext): Promise<ApplyDossierResult> {
    return this.rpc.call<ApplyDossierResult>(this.topo.rpcSubject('dossier', DOSSIER_RPC.apply), req, this.timeoutMs, trace);
  }
}
