/**
 * Hands an import request to the replica holding its session: sessions live in one replica's
 * memory, while the shared subject's queue group may deliver a chunk to any replica.
 */
export const IMPORT_FORWARDER = Symbol('IMPORT_FORWARDER');
export interface ImportForwarder {
  /** the reply of replica `replicaId` to the same request (with the same caller token), errors included */
  forward(replicaId: string, payload: unknown, callerToken: string | undefined): Promise<unknown>;
}
