import { ENVELOPE_KINDS, isAgencyCode, LtError, type EnvelopeKind } from '@lt/contracts';
import type { AgencyView } from '@lt/directory';
import type { PolicyVerdict, RoutingPolicy } from './routing-policy';

/**
 * Deny rules (env LT_ROUTING_DENY: a JSON array, or the path of a file holding one):
 *
 *   [{"from": "H41.>", "to": "G12.>", "kinds": ["document"], "reason": "provinces write to the MoF through G22"}]
 *
 * `from` and `to` are one pattern or an array of patterns (any may match). A pattern is either
 *   - an agency code `000.00.05.H41`: exactly that agency, or
 *   - a subject-token pattern over the reversed code (the form used on subjects, so that a
 *     subtree is one pattern): `H41.05.12.000` exactly, `H41.>` the province and everything under it,
 *     `H41.05.>` a district and its communes, `*.00.00.000` every level-1 unit, `>` anyone.
 *     `*` matches one token, `>` the rest (at least one token), as in NATS.
 * `kinds` (optional) limits the rule to those envelope kinds. A rule matches when the sender
 * matches `from`, the recipient matches `to` and the kind is listed (or no kinds are given);
 * a matching rule refuses the whole envelope with FORBIDDEN.
 */
export interface DenyRule {
  from: string | string[];
  to: string | string[];
  kinds?: EnvelopeKind[];
  reason?: string;
}

type TokenMatcher = (tokens: readonly string[]) => boolean;

interface CompiledRule {
  from: TokenMatcher[];
  to: TokenMatcher[];
  kinds: ReadonlySet<string> | null;
  describe: string;
}

const TOKEN_SHAPES = [/^[A-K][0-9]{2}$/, /^[0-9]{2}$/, /^[0-9]{2}$/, /^[0-9]{3}$/];
const TOKEN_NAMES = ['level-1 unit (AXX)', 'level-2 unit (BB)', 'level-3 unit (CC)', 'level-4 unit (DDD)'];
const RULE_FIELDS = new Set(['from', 'to', 'kinds', 'reason']);

function invalid(field: string, message: string): LtError {
  return new LtError('VALIDATION_FAILED', `${field} ${message}`, { field });
}

/** Subject tokens of a (valid) agency code: `000.12.05.H41` -> [H41, 05, 12, 000]. */
export function codeTokens(code: string): string[] {
  return code.split('.').reverse();
}

export function compilePattern(pattern: unknown, field: string): TokenMatcher {
  if (typeof pattern !== 'string' || pattern.length === 0) throw invalid(field, `must be a non-empty string, got ${JSON.stringify(pattern)}`);
  if (isAgencyCode(pattern)) {
    const want = codeTokens(pattern);
    return (t) => t.length === 4 && t[0] === want[0] && t[1] === want[1] && t[2] === want[2] && t[3] === want[3];
  }
  const parts = pattern.split('.');
  if (parts.length > 4) throw invalid(field, `${JSON.stringify(pattern)} has ${parts.length} tokens; a code has 4 (AXX.BB.CC.DDD)`);
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p === '>') {
      if (i !== parts.length - 1) throw invalid(field, `${JSON.stringify(pattern)}: ">" may only be the last token`);
      continue;
    }
    if (p === '*') continue;
    if (!TOKEN_SHAPES[i]!.test(p)) {
      throw invalid(
        field,
        `${JSON.stringify(pattern)}: token ${i + 1} "${p}" is not a ${TOKEN_NAMES[i]} (patterns use reversed codes, e.g. "H41.>" or "H41.05.>", or a full agency code "000.00.05.H41")`,
      );
    }
  }
  const tail = parts[parts.length - 1] === '>';
  if (!tail && parts.length !== 4) {
    throw invalid(field, `${JSON.stringify(pattern)} has ${parts.length} tokens and no ">": it can never match a 4-token code (did you mean "${pattern}.>"?)`);
  }
  const fixed = tail ? parts.slice(0, -1) : parts;
  return (t) => {
    if (tail ? t.length <= fixed.length : t.length !== fixed.length) return false;
    for (let i = 0; i < fixed.length; i++) if (fixed[i] !== '*' && fixed[i] !== t[i]) return false;
    return true;
  };
}

function compilePatterns(value: unknown, field: string): TokenMatcher[] {
  const list = Array.isArray(value) ? value : [value];
  if (list.length === 0) throw invalid(field, 'must name at least one pattern');
  return list.map((p, i) => compilePattern(p, Array.isArray(value) ? `${field}[${i}]` : field));
}

/** Validates and compiles rules; every problem is VALIDATION_FAILED naming `<source>[i].<field>`. */
export function parseDenyRules(input: unknown, source = 'rules'): CompiledRule[] {
  if (!Array.isArray(input)) throw invalid(source, 'must be a JSON array of {from, to, kinds?, reason?}');
  return input.map((raw, i) => {
    const at = `${source}[${i}]`;
    if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) throw invalid(at, 'must be an object {from, to, kinds?, reason?}');
    const r = raw as Record<string, unknown>;
    for (const k of Object.keys(r)) if (!RULE_FIELDS.has(k)) throw invalid(`${at}.${k}`, 'is not a rule field (from, to, kinds, reason)');
    if (r.from === undefined) throw invalid(`${at}.from`, 'is required');
    if (r.to === undefined) throw invalid(`${at}.to`, 'is required');
    let kinds: Set<string> | null = null;
    if (r.kinds !== undefined) {
      if (!Array.isArray(r.kinds) || r.kinds.length === 0) throw invalid(`${at}.kinds`, 'must be a non-empty array of envelope kinds');
      for (const k of r.kinds) {
        if (!(ENVELOPE_KINDS as readonly unknown[]).includes(k))
          throw invalid(`${at}.kinds`, `${JSON.stringify(k)} is not one of ${ENVELOPE_KINDS.join(', ')}`);
      }
      kinds = new Set(r.kinds as string[]);
    }
    if (r.reason !== undefined && typeof r.reason !== 'string') throw invalid(`${at}.reason`, 'must be a string');
    const describe = typeof r.reason === 'string' && r.reason ? r.reason : `deny rule ${i} (${JSON.stringify(r.from)} -> ${JSON.stringify(r.to)})`;
    return { from: compilePatterns(r.from, `${at}.from`), to: compilePatterns(r.to, `${at}.to`), kinds, describe };
  });
}

/** A RoutingPolicy refusing what any rule matches; everything else is allowed. */
export class DenyRulesPolicy implements RoutingPolicy {
  private readonly rules: CompiledRule[];

  constructor(rules: unknown, source?: string) {
    this.rules = parseDenyRules(rules, source);
  }

  get size(): number {
    return this.rules.length;
  }

  check(sender: AgencyView, recipient: AgencyView, kind: EnvelopeKind): PolicyVerdict {
    if (this.rules.length === 0) return { allow: true };
    const from = codeTokens(sender.code);
    const to = codeTokens(recipient.code);
    for (const rule of this.rules) {
      if (rule.kinds && !rule.kinds.has(kind)) continue;
      if (!rule.from.some((m) => m(from))) continue;
      if (!rule.to.some((m) => m(to))) continue;
      return { allow: false, reason: rule.describe };
    }
    return { allow: true };
  }
}
