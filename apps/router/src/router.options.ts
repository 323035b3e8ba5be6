import { loadRouterSettings } from '@lt/platform';
import type { BroadcastCaps } from './policy/broadcast-cap';

/** the defaults of the configuration schema (LT_ROUTER_*), read without an environment; the deny rules become a policy (config.ts) */
const { denyRules: _denyRules, ...SCHEMA_DEFAULTS } = loadRouterSettings({});

export interface RouterOptions {
  /** submissions per batch (default 512) */
  maxBatch: number;
  /** how long a batch that is not full waits for more submissions (default 0: at once) */
  lingerMs: number;
  /** deliveries before a submission that keeps failing for its own sake is dead-lettered (default 8) */
  maxDeliver: number;
  /** JetStream ack wait of the durable consumer: how long a crashed router's batch stays invisible (default 30 s) */
  ackWaitMs: number;
  maxAckPending: number;
  /** `inline` (default) or `pool`: worker threads for batches of at least poolThreshold */
  verify: 'inline' | 'pool';
  poolThreshold: number;
  poolSize?: number;
  /** redelivery delay after a failure: nakBaseMs doubled per delivery, at most nakMaxMs */
  nakBaseMs: number;
  nakMaxMs: number;
  /** per agency (submit subject), counted at the hub's receive time; 0 = no limit (default 100/s, bursts of 1000) */
  submitRatePerSecond: number;
  submitBurst: number;
  /** recipients one submission may resolve to, by the sender's tier (defaults: DEFAULT_BROADCAST_CAPS) */
  broadcastCaps: BroadcastCaps;
}

/** Every option at its default: the schema's for the environment settings, plus fixed tuning (like the audit's options). */
export const DEFAULT_ROUTER_OPTIONS: RouterOptions = { ...SCHEMA_DEFAULTS, maxAckPending: 20_000, nakBaseMs: 500, nakMaxMs: 30_000 };

export const ROUTER_OPTIONS = Symbol('ROUTER_OPTIONS');

/** The hub's public keys (PublishedHubKey[]) the router publishes into the agencies bucket at start. */
export const PUBLISHED_HUB_KEYS = Symbol('PUBLISHED_HUB_KEYS');
