import { LtError, type Topology } from '@lt/contracts';
import type { RpcClient } from '@lt/messaging';

/** One RPC to the audit service. */
export function callAudit<T>(rpc: RpcClient, topo: Topology, method: string, payload: unknown, timeoutMs?: number): Promise<T> {
  return rpc.call<T>(topo.rpcSubject('audit', method), payload, timeoutMs);
}

/** Optional non-negative integer query parameter. */
export function optionalInt(v: string | undefined, name: string): number | undefined {
  if (v === undefined || v === '') return undefined;
  const n = Number(v);
  if (!Number.isSafeInteger(n) || n < 0) throw new LtError('BAD_REQUEST', `${name} must be a non-negative integer, got ${JSON.stringify(v)}`, { field: name });
  return n;
}

export function requiredInt(v: string | undefined, name: string): number {
  const n = optionalInt(v, name);
  if (n === undefined) throw new LtError('BAD_REQUEST', `${name} is required`, { field: name });
  return n;
}
