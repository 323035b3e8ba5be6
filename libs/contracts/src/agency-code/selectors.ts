import { LtError } from '../errors';
import { isTier, type Tier } from '../tiers';
import { LIMITS, type RecipientSelector } from '../envelope/envelope';
import { parseAgencyCode, type AgencyCode } from './agency-code';

export type ParsedSelector =
  | { type: 'code'; code: AgencyCode }
  | { type: 'childrenOf'; code: AgencyCode; tier?: Tier; depth?: number };

/** Validates one recipient selector of an envelope's `to`: an agency code or {childrenOf, tier?, depth?}. */
export function parseSelector(sel: unknown, index = 0): ParsedSelector {
  const where = `to[${index}]`;
  if (typeof sel === 'string') return { type: 'code', code: parseAgencyCodeAt(sel, where) };
  if (sel === null || typeof sel !== 'object' || Array.isArray(sel)) {
    throw new LtError('SCHEMA_INVALID', `${where} must be an agency code or {childrenOf, tier?, depth?}`, { field: where });
  }
  const o = sel as Record<string, unknown>;
  const extra = Object.keys(o).filter((k) => !['childrenOf', 'tier', 'depth'].includes(k));
  if (extra.length) throw new LtError('SCHEMA_INVALID', `${where} has unknown field(s) ${extra.join(', ')}`, { field: where });
  const code = parseAgencyCodeAt(o.childrenOf, `${where}.childrenOf`);
  if (o.tier !== undefined && !isTier(o.tier)) {
    throw new LtError('SCHEMA_INVALID', `${where}.tier must be one of central, province, district, commune`, { field: `${where}.tier` });
  }
  if (o.depth !== undefined && (!Number.isInteger(o.depth) || (o.depth as number) < 1 || (o.depth as number) > LIMITS.maxSelectorDepth)) {
    throw new LtError('SCHEMA_INVALID', `${where}.depth must be an integer from 1 to ${LIMITS.maxSelectorDepth}`, { field: `${where}.depth` });
  }
  return { type: 'childrenOf', code, tier: o.tier as Tier | undefined, depth: o.depth as number | undefined };
}

function parseAgencyCodeAt(value: unknown, field: string): AgencyCode {
  try {
    return parseAgencyCode(value);
  } catch (e) {
    const err = e as LtError;
    throw new LtError(err.code, `${field}: ${err.message}`, { ...err.details, field });
  }
}

export function parseSelectors(to: unknown): ParsedSelector[] {
  if (!Array.isArray(to) || to.length === 0) throw new LtError('SCHEMA_INVALID', 'to must be a non-empty array of recipients', { field: 'to' });
  if (to.length > LIMITS.maxRecipients) {
    throw new LtError('SCHEMA_INVALID', `to has ${to.length} entries; at most ${LIMITS.maxRecipients}`, { field: 'to' });
  }
  // an indexed loop, not map(): map() skips holes, so a sparse array would pass unchecked
  const out: ParsedSelector[] = new Array(to.length);
  for (let i = 0; i < to.length; i++) out[i] = parseSelector(to[i], i);
  return out;
}

export function selectorToWire(sel: ParsedSelector): RecipientSelector {
  if (sel.type === 'code') return sel.code;
  return { childrenOf: sel.code, ...(sel.tier ? { tier: sel.tier } : {}), ...(sel.depth ? { depth: sel.depth } : {}) };
}
