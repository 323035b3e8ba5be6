import { LIMITS, type ErrorCode, type ParsedSelector } from '@lt/contracts';
import type { AgencyView, DirectoryReader } from '@lt/directory';
import type { Copy } from '../../domain/decision';

export type RecipientResolution = { ok: true; copies: Copy[] } | { ok: false; reasonCode: ErrorCode; reason: string; details: Record<string, unknown> };

/** Longest successor chain followed; a registry bug (a cycle) must not hang the router. */
export const MAX_SUCCESSOR_HOPS = 16;

const SHOWN = 10;

function list(codes: string[]): string {
  return codes.length <= SHOWN ? codes.join(', ') : `${codes.slice(0, SHOWN).join(', ')} and ${codes.length - SHOWN} more`;
}

type Followed = { ok: true; agency: AgencyView } | { ok: false; problem: 'closed' | 'suspended' | 'unknown' | 'cycle'; at: string };

/** Follows successors from a closed agency until an active one (or a dead end). */
export function followSuccessors(start: AgencyView, directory: DirectoryReader): Followed {
  let current = start;
  const seen = new Set<string>([start.code]);
  for (let hop = 0; hop <= MAX_SUCCESSOR_HOPS; hop++) {
    if (current.status === 'active') return { ok: true, agency: current };
    if (current.status === 'suspended') return { ok: false, problem: 'suspended', at: current.code };
    if (!current.successorCode) return { ok: false, problem: 'closed', at: current.code };
    const next = directory.agency(current.successorCode);
    if (!next) return { ok: false, problem: 'unknown', at: current.successorCode };
    if (seen.has(next.code)) return { ok: false, problem: 'cycle', at: next.code };
    seen.add(next.code);
    current = next;
  }
  return { ok: false, problem: 'cycle', at: current.code };
}

/**
 * Descendants of `root` through parentCode links, breadth first: `depth` levels (1 = direct
 * children; default every level), only active agencies, only `tier` when given.
 */
export function expandChildren(root: string, directory: DirectoryReader, sel: { tier?: string; depth?: number }): AgencyView[] {
  const out: AgencyView[] = [];
  const maxDepth = sel.depth ?? Number.POSITIVE_INFINITY;
  const seen = new Set<string>([root]);
  let frontier = [root];
  for (let level = 1; frontier.length > 0 && level <= maxDepth; level++) {
    const next: string[] = [];
    for (const code of frontier) {
      for (const child of directory.children(code)) {
        if (seen.has(child.code)) continue;
        seen.add(child.code);
        next.push(child.code);
        if (child.status === 'active' && (sel.tier === undefined || child.tier === sel.tier)) out.push(child);
      }
    }
    frontier = next;
  }
  return out;
}

/**
 * Turns the envelope's `to` into inbox copies. All or nothing: any unknown, closed (without an
 * active successor) or suspended explicit recipient refuses the whole envelope, so the sender
 * never has to work out which copies went out. Explicit codes may name the sender itself; a
 * selector never expands to the sender. Duplicates collapse into one copy (a direct address wins
 * over a forwarded one).
 */
export function resolveRecipients(
  selectors: readonly ParsedSelector[],
  sender: string,
  directory: DirectoryReader,
  maxRecipients: number = LIMITS.maxRecipients,
): RecipientResolution {
  const copies = new Map<string, Copy>();
  const unknown: string[] = [];
  const closed: string[] = [];
  const suspended: string[] = [];
  const emptySelectors: string[] = [];
  const forwarded: Array<{ from: string; to: string }> = [];

  const add = (recipient: string, forwardedFrom?: string) => {
    const existing = copies.get(recipient);
    if (existing && (existing.forwardedFrom === undefined || forwardedFrom !== undefined)) return;
    copies.set(recipient, forwardedFrom === undefined ? { recipient } : { recipient, forwardedFrom });
  };

  for (const sel of selectors) {
    if (sel.type === 'code') {
      const a = directory.agency(sel.code);
      if (!a) {
        unknown.push(sel.code);
        continue;
      }
      if (a.status === 'active') {
        add(a.code);
        continue;
      }
      if (a.status === 'suspended') {
        suspended.push(a.code);
        continue;
      }
      const f = followSuccessors(a, directory);
      if (f.ok) {
        forwarded.push({ from: a.code, to: f.agency.code });
        add(f.agency.code, a.code);
      } else if (f.problem === 'suspended') suspended.push(`${a.code} (successor ${f.at})`);
      else if (f.problem === 'cycle') closed.push(`${a.code} (successors form a cycle at ${f.at})`);
      else if (f.problem === 'unknown') closed.push(`${a.code} (successor ${f.at} not in the directory)`);
      else closed.push(f.at === a.code ? a.code : `${a.code} (successor ${f.at} closed)`);
      continue;
    }
    const root = directory.agency(sel.code);
    if (!root) {
      unknown.push(sel.code);
      continue;
    }
    const found = expandChildren(sel.code, directory, sel).filter((a) => a.code !== sender);
    if (found.length === 0) {
      emptySelectors.push(`childrenOf ${sel.code}${sel.tier ? ` tier ${sel.tier}` : ''}${sel.depth ? ` depth ${sel.depth}` : ''}`);
      continue;
    }
    for (const a of found) add(a.code);
  }

  if (unknown.length > 0 || emptySelectors.length > 0) {
    const parts = [];
    if (unknown.length) parts.push(`not in the directory: ${list(unknown)}`);
    if (emptySelectors.length) parts.push(`selector matched no active agency: ${list(emptySelectors)}`);
    return { ok: false, reasonCode: 'UNKNOWN_RECIPIENT', reason: `unknown recipient(s), ${parts.join('; ')}`, details: { unknown, emptySelectors } };
  }
  if (closed.length > 0) {
    return { ok: false, reasonCode: 'AGENCY_CLOSED', reason: `recipient(s) closed without an active successor: ${list(closed)}`, details: { closed } };
  }
  if (suspended.length > 0) {
    return { ok: false, reasonCode: 'AGENCY_SUSPENDED', reason: `recipient(s) suspended: ${list(suspended)}`, details: { suspended } };
  }
  if (copies.size > maxRecipients) {
    return {
      ok: false,
      reasonCode: 'SCHEMA_INVALID',
      reason: `to expands to ${copies.size} recipients; at most ${maxRecipients}`,
      details: { field: 'to', recipients: copies.size, limit: maxRecipients },
    };
  }
  return { ok: true, copies: [...copies.values()] };
}
