import { existsSync, readFileSync } from 'node:fs';
import { LtError } from '@lt/contracts';
import { ConfigError, loadRouterSettings, type Env, type RouterSettings } from '@lt/platform';
import { DenyRulesPolicy } from './policy/deny-rules';

/** Router settings (libs/platform loadRouterSettings) with LT_ROUTING_DENY turned into a policy. */
export interface RouterConfig extends Omit<RouterSettings, 'denyRules'> {
  /** LT_ROUTING_DENY: null when unset */
  denyPolicy: DenyRulesPolicy | null;
}

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

/** The router's settings, validated; a wrong value throws ConfigError naming the variable. */
export function loadRouterConfig(env: Env = process.env): RouterConfig {
  const { denyRules, ...settings } = loadRouterSettings(env);
  return { ...settings, denyPolicy: loadDenyPolicy(denyRules) };
}
