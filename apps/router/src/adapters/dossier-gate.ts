import { DOSSIER_RPC, type ApplyDossierRequest, type ApplyDossierResult, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';

/**
 * The dossier service owns the one-stop-shop lifecycle: the router asks it, after every other
 * check, whether a `dossier` envelope may go and to whom. An illegal transition comes back as an
 * LtError (ILLEGAL_TRANSITION, UNKNOWN_PROCEDURE, ...) and is bounced like any refusal; the
 * service being down (UNAVAILABLE, TIMEOUT) is an outage, and the submission waits for it.
 */
export interface DossierGate {
  apply(req: ApplyDossierRequest): Promise<ApplyDossierResult>;
}

export class RpcDossierGate implements DossierGate {
  constructor(
    private readonly rpc: RpcClient,
    private readonly topo: Topology,
    private readonly timeoutMs = 10_000,
  ) {}

  apply(req: ApplyDossierRequest): Promise<ApplyDossierResult> {
    return this.rpc.call<ApplyDossierResult>(this.topo.rpcSubject('dossier', DOSSIER_RPC.apply), req, this.timeoutMs);
  }
}
