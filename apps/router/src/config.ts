import { existsSync, readFileSync } from 'node:fs';
import { LtError } from '@lt/contracts';
import { ConfigError, envInt } from '@lt/platform';
import { DenyRulesPolicy } from './policy/deny-rules';

export type VerifyMode = 'inline' | 'pool';

/** Router settings beyond the hub-wide ones (libs/platform loadConfig). */
export interface RouterConfig {
  /** LT_ROUTING_DENY: JSON array of deny rules, or a path to a file holding one (policy/deny-rules.ts) */
  denyPolicy: DenyRulesPolicy | null;
  /** LT_ROUTER_MAX_BATCH: submissions handed to one batch */
  maxBatch: number;
  /** LT_ROUTER_LINGER_MS: how long a batch that is not full waits for more submissions */
  lingerMs: number;
  /** LT_ROUTER_MAX_DELIVER: deliveries before a submission that keeps failing is dead-lettered */
  maxDeliver: number;
  /** LT_ROUTER_VERIFY: `inline` (node:crypto on the router's thread) or `pool` (worker threads for large batches) */
  verify: VerifyMode;
  /** LT_ROUTER_POOL_THRESHOLD: smallest batch sent to the worker pool in `pool` mode */
  poolThreshold: number;
  /** LT_ROUTER_ACK_WAIT_MS: how long a crashed router's unacked batch stays invisible before redelivery */
  ackWaitMs: number;
}

type Env = Record<string, string | undefined>;

/** Reads LT_ROUTING_DENY: inline JSON when it starts with `[`, else a file path. */
export function loadDenyPolicy(raw: string | undefined): DenyRulesPolicy | null {
  if (raw === undefined || raw.trim() === '') return null;
  const name = 'LT_ROUTING_DENY';
  let text = raw;
  let source = name;
  if (!raw.trim().startsWith('[')) {
    if (!existsSync(raw)) throw new ConfigError(name, `is neither a JSON array nor an existing file (got ${JSON.stringify(raw)})`);
    text = readFileSync(raw, 'utf8');
    source = raw;
  }
  let rules: unknown;
  try {
    rules = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(name, `${source} is not valid JSON: ${(e as Error).message}`);
  }
  try {
    return new DenyRulesPolicy(rules, 'rules');
  } catch (e) {
    throw new ConfigError(name, e instanceof LtError ? e.message : String(e));
  }
}

export function loadRouterConfig(env: Env = process.env): RouterConfig {
  const verify = env.LT_ROUTER_VERIFY ?? 'inline';
  if (verify !== 'inline' && verify !== 'pool') throw new ConfigError('LT_ROUTER_VERIFY', `must be inline or pool (got ${JSON.stringify(verify)})`);
  return {
    denyPolicy: loadDenyPolicy(env.LT_ROUTING_DENY),
    maxBatch: envInt(env, 'LT_ROUTER_MAX_BATCH', 512, 1, 5000),
    lingerMs: envInt(env, 'LT_ROUTER_LINGER_MS', 0, 0, 1000),
    maxDeliver: envInt(env, 'LT_ROUTER_MAX_DELIVER', 8, 1, 1000),
    verify,
    poolThreshold: envInt(env, 'LT_ROUTER_POOL_THRESHOLD', 64, 1, 100_000),
    ackWaitMs: envInt(env, 'LT_ROUTER_ACK_WAIT_MS', 30_000, 1_000, 3_600_000),
  };
}
