import { callerTokenHeaders, REGISTRY_RPC, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';
import type { ImportForwarder } from '../ports';

/** Subject of a replica's own import endpoint: chunks of a session go to the replica that holds it. */
export function importReplicaSubject(topo: Topology, replicaId: string): string {
  return `${topo.rpcSubject('registry', REGISTRY_RPC.importCsv)}.${replicaId}`;
}

/** Forwards over request-reply to the replica's own import subject (answered by that replica alone), which checks the caller again. */
export class RpcImportForwarder implements ImportForwarder {
  constructor(
    private readonly client: RpcClient,
    private readonly topo: Topology,
    /** a commit of a large file may take this long */
    private readonly timeoutMs = 120_000,
  ) {}

  forward(replicaId: string, payload: unknown, callerToken: string | undefined): Promise<unknown> {
    const client = callerToken ? this.client.withHeaders(callerTokenHeaders(callerToken)) : this.client;
    return client.call(importReplicaSubject(this.topo, replicaId), payload, this.timeoutMs);
  }
}
