import { LtError } from '../errors';

/**
 * Electronic agency identifier, QCVN 102:2016/BTTTT: `DDD.CC.BB.AXX`, e.g. `000.12.05.H41`.
 * AXX is the level-1 unit (group letter + 2 digits), BB level 2, CC level 3, DDD level 4.
 * Zeros mean "this unit sits higher up"; a non-zero segment under a zero one is malformed.
 */
export type AgencyCode = string & { readonly __agencyCode: unique symbol };
export type AgencyLevel = 1 | 2 | 3 | 4;

/** Level-1 group letters defined by QCVN 102 (A Party bodies ... K provincial People's Councils). */
export const GROUP_LETTERS = 'ABCDEFGHIJK';

const SEGMENTS = [
  { name: 'level-4 unit (DDD)', width: 3, zero: '000' },
  { name: 'level-3 unit (CC)', width: 2, zero: '00' },
  { name: 'level-2 unit (BB)', width: 2, zero: '00' },
] as const;

/** Longest slice of the input echoed back: a megabyte of garbage must not end up in every log line. */
const MAX_ECHO = 40;

function clip(input: string): string {
  if (input.length <= MAX_ECHO) return input;
  let cut = input.slice(0, MAX_ECHO);
  // never split a surrogate pair
  const last = cut.charCodeAt(cut.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) cut = cut.slice(0, -1);
  return `${cut}…`;
}

function invalid(input: string, message: string, segment?: string, reason?: string): LtError {
  const shown = clip(input);
  return new LtError('INVALID_AGENCY_CODE', `invalid agency code ${JSON.stringify(shown)}: ${message}`, {
    input: shown,
    ...(segment ? { segment } : {}),
    ...(reason ? { reason } : {}),
  });
}

function describeChar(ch: string): string {
  const cp = ch.codePointAt(0)!;
  const u = `U+${cp.toString(16).toUpperCase().padStart(4, '0')}`;
  // controls, format and bidi characters are named, never echoed raw (messages travel into statuses and logs)
  return /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}\p{Cs}]/u.test(ch) ? u : `"${ch}" (${u})`;
}

const SEGMENT_NAMES_LEFT_TO_RIGHT = ['level-4 unit (DDD)', 'level-3 unit (CC)', 'level-2 unit (BB)', 'level-1 unit (AXX)'] as const;

function countDots(input: string, end: number): number {
  let n = 0;
  for (let i = 0; i < end; i++) if (input.charCodeAt(i) === 0x2e) n++;
  return n;
}

/** Returns the first problem with the code, or null when it is a well-formed code. */
function findProblem(input: string): LtError | null {
  if (input.length === 0) return invalid(input, 'empty', undefined, 'empty');
  if (input !== input.trim()) return invalid(input, 'surrounding whitespace is not allowed', undefined, 'whitespace');
  const parts = input.split('.');
  for (let i = 0; i < input.length; i++) {
    const cp = input.codePointAt(i)!;
    if (cp > 0x7e || cp < 0x21) {
      // name the segment holding the character when the shape DDD.CC.BB.AXX is intact
      const segment = parts.length === 4 ? SEGMENT_NAMES_LEFT_TO_RIGHT[countDots(input, i)] : undefined;
      const ch = String.fromCodePoint(cp);
      if (cp === 0x20 || cp === 0x09 || cp === 0xa0 || cp === 0x3000) {
        return invalid(input, `whitespace ${describeChar(ch)} inside the code`, segment, 'whitespace');
      }
      return invalid(input, `non-ASCII or control character ${describeChar(ch)}; codes use ASCII digits, dots and one capital letter`, segment, 'non_ascii');
    }
  }
  if (parts.length !== 4) {
    return invalid(input, `expected 4 dot-separated segments DDD.CC.BB.AXX, found ${parts.length}`, undefined, 'segment_count');
  }
  const [ddd, cc, bb, axx] = parts as [string, string, string, string];
  // level-1 unit first: everything else hangs under it
  const l1 = 'level-1 unit (AXX)';
  if (axx.length !== 3) return invalid(input, `${l1} "${axx}" must be 3 characters, found ${axx.length}`, l1, 'length');
  const letter = axx[0]!;
  if (letter >= 'a' && letter <= 'z') return invalid(input, `${l1} "${axx}" must start with a capital letter, found lowercase "${letter}"`, l1, 'lowercase');
  if (!(letter >= 'A' && letter <= 'Z')) return invalid(input, `${l1} "${axx}" must start with a group letter A-K, found "${letter}"`, l1, 'not_letter');
  if (!GROUP_LETTERS.includes(letter)) return invalid(input, `${l1} "${axx}" has unknown group letter "${letter}" (QCVN 102 defines A-K)`, l1, 'unknown_group');
  if (!/^[0-9]{2}$/.test(axx.slice(1))) return invalid(input, `${l1} "${axx}" must end with 2 digits, found "${axx.slice(1)}"`, l1, 'not_digit');
  const values = [ddd, cc, bb];
  for (let i = 0; i < 3; i++) {
    const seg = SEGMENTS[i]!;
    const v = values[i]!;
    if (v.length !== seg.width) return invalid(input, `${seg.name} "${v}" must be ${seg.width} digits, found ${v.length} characters`, seg.name, 'length');
    const bad = [...v].find((c) => c < '0' || c > '9');
    if (bad !== undefined) {
      const kind = bad >= 'a' && bad <= 'z' ? 'a lowercase letter' : bad >= 'A' && bad <= 'Z' ? 'a letter' : 'a non-digit';
      return invalid(input, `${seg.name} "${v}" must be digits only, found ${kind} "${bad}"`, seg.name, 'not_digit');
    }
  }
  // a unit cannot hang under a missing parent: no non-zero segment above (to the left of) ... under a zero
  // order from the top: BB (level 2), CC (level 3), DDD (level 4)
  const fromTop = [
    { seg: SEGMENTS[2], v: bb },
    { seg: SEGMENTS[1], v: cc },
    { seg: SEGMENTS[0], v: ddd },
  ];
  for (let i = 1; i < fromTop.length; i++) {
    const parent = fromTop[i - 1]!;
    const child = fromTop[i]!;
    if (child.v !== child.seg.zero && parent.v === parent.seg.zero) {
      return invalid(
        input,
        `${child.seg.name} "${child.v}" hangs under a missing parent: ${parent.seg.name} is "${parent.v}"`,
        child.seg.name,
        'missing_parent',
      );
    }
  }
  return null;
}

/** Parses a code, throwing INVALID_AGENCY_CODE naming the offending segment and why. */
export function parseAgencyCode(input: unknown): AgencyCode {
  if (typeof input !== 'string') {
    throw new LtError('INVALID_AGENCY_CODE', `invalid agency code: expected a string, got ${input === null ? 'null' : typeof input}`, { reason: 'type' });
  }
  const problem = findProblem(input);
  if (problem) throw problem;
  return input as AgencyCode;
}

export function tryParseAgencyCode(input: unknown): { ok: true; code: AgencyCode } | { ok: false; error: LtError } {
  try {
    return { ok: true, code: parseAgencyCode(input) };
  } catch (e) {
    return { ok: false, error: e as LtError };
  }
}

export function isAgencyCode(input: unknown): input is AgencyCode {
  return typeof input === 'string' && input.length === 13 && findProblem(input) === null;
}

interface Parts {
  ddd: string;
  cc: string;
  bb: string;
  axx: string;
}

function split(code: string): Parts {
  const c = parseAgencyCode(code);
  const [ddd, cc, bb, axx] = c.split('.') as [string, string, string, string];
  return { ddd, cc, bb, axx };
}

export function formatAgencyCode(p: { level1: string; level2?: number; level3?: number; level4?: number }): AgencyCode {
  const pad = (n: number | undefined, w: number) => String(n ?? 0).padStart(w, '0');
  return parseAgencyCode(`${pad(p.level4, 3)}.${pad(p.level3, 2)}.${pad(p.level2, 2)}.${p.level1}`);
}

export function agencyLevel(code: string): AgencyLevel {
  const p = split(code);
  if (p.ddd !== '000') return 4;
  if (p.cc !== '00') return 3;
  if (p.bb !== '00') return 2;
  return 1;
}

/** The parent by structure: zero the lowest non-zero segment. Null for a level-1 unit. */
export function structuralParent(code: string): AgencyCode | null {
  const p = split(code);
  if (p.ddd !== '000') return `000.${p.cc}.${p.bb}.${p.axx}` as AgencyCode;
  if (p.cc !== '00') return `000.00.${p.bb}.${p.axx}` as AgencyCode;
  if (p.bb !== '00') return `000.00.00.${p.axx}` as AgencyCode;
  return null;
}

/** Structural ancestors, nearest first. */
export function structuralAncestors(code: string): AgencyCode[] {
  const out: AgencyCode[] = [];
  for (let p = structuralParent(code); p; p = structuralParent(p)) out.push(p);
  return out;
}

export function level1Unit(code: string): string {
  return split(code).axx;
}

/**
 * Subject token path: segments reversed so wildcards select subtrees.
 * `000.12.05.H41` -> `H41.05.12.000`; `lt.inbox.H41.05.>` is a district and everything under it.
 */
export function codeToSubjectTokens(code: string): string {
  const p = split(code);
  return `${p.axx}.${p.bb}.${p.cc}.${p.ddd}`;
}

export function subjectTokensToCode(tokens: string): AgencyCode {
  if (typeof tokens !== 'string') {
    throw new LtError('INVALID_AGENCY_CODE', `invalid subject tokens: expected a string, got ${tokens === null ? 'null' : typeof tokens}`, { reason: 'type' });
  }
  const parts = tokens.split('.');
  if (parts.length !== 4) {
    const shown = clip(tokens);
    throw new LtError('INVALID_AGENCY_CODE', `invalid subject tokens ${JSON.stringify(shown)}: expected AXX.BB.CC.DDD`, { input: shown, reason: 'segment_count' });
  }
  const [axx, bb, cc, ddd] = parts as [string, string, string, string];
  return parseAgencyCode(`${ddd}.${cc}.${bb}.${axx}`);
}

/** Subject filter for a whole subtree (the agency and all its structural descendants). */
export function subtreeSubjectTokens(code: string): string {
  const p = split(code);
  const level = agencyLevel(code);
  const tokens = [p.axx, p.bb, p.cc, p.ddd].slice(0, level);
  return level === 4 ? tokens.join('.') : `${tokens.join('.')}.>`;
}
