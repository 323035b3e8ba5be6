import type { Env } from './config-error';
import { readVariable } from './schema';

export type VerifyMode = 'inline' | 'pool';

/** Recipients one submission may resolve to, by the sender's tier (LT_ROUTER_BROADCAST_MAX_*). */
export interface BroadcastCaps {
  central: number;
  province: number;
  district: number;
  commune: number;
}

/** Router settings beyond the hub-wide ones. */
export interface RouterSettings {
  /** LT_ROUTING_DENY as written (JSON array or file path), undefined when unset; the router turns it into a policy */
  denyRules: string | undefined;
  /** LT_ROUTER_MAX_BATCH */
  maxBatch: number;
  /** LT_ROUTER_LINGER_MS */
  lingerMs: number;
  /** LT_ROUTER_MAX_DELIVER */
  maxDeliver: number;
  /** LT_ROUTER_VERIFY */
  verify: VerifyMode;
  /** LT_ROUTER_POOL_THRESHOLD */
  poolThreshold: number;
  /** LT_ROUTER_ACK_WAIT_MS */
  ackWaitMs: number;
  /** LT_ROUTER_SUBMIT_RATE: submissions per second per agency; 0 = no limit */
  submitRatePerSecond: number;
  /** LT_ROUTER_SUBMIT_BURST */
  submitBurst: number;
  /** LT_ROUTER_BROADCAST_MAX_* */
  broadcastCaps: BroadcastCaps;
}

export function loadRouterSettings(env: Env = process.env): RouterSettings {
  return {
    denyRules: readVariable(env, 'LT_ROUTING_DENY'),
    maxBatch: readVariable(env, 'LT_ROUTER_MAX_BATCH'),
    lingerMs: readVariable(env, 'LT_ROUTER_LINGER_MS'),
    maxDeliver: readVariable(env, 'LT_ROUTER_MAX_DELIVER'),
    verify: readVariable(env, 'LT_ROUTER_VERIFY'),
    poolThreshold: readVariable(env, 'LT_ROUTER_POOL_THRESHOLD'),
    ackWaitMs: readVariable(env, 'LT_ROUTER_ACK_WAIT_MS'),
    submitRatePerSecond: readVariable(env, 'LT_ROUTER_SUBMIT_RATE'),
    submitBurst: readVariable(env, 'LT_ROUTER_SUBMIT_BURST'),
    broadcastCaps: {
      central: readVariable(env, 'LT_ROUTER_BROADCAST_MAX_CENTRAL'),
      province: readVariable(env, 'LT_ROUTER_BROADCAST_MAX_PROVINCE'),
      district: readVariable(env, 'LT_ROUTER_BROADCAST_MAX_DISTRICT'),
      commune: readVariable(env, 'LT_ROUTER_BROADCAST_MAX_COMMUNE'),
    },
  };
}
