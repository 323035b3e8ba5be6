/**
 * Text that agencies or the hub supplied (subjects, names, reasons, descriptions, error messages)
 * made safe to print in human output. A terminal obeys escape sequences (ESC [ ... clears the
 * screen, rewrites earlier lines, sets the window title) and bidirectional controls reorder what
 * is shown (U+202E makes "fdp.exe" read "exe.pdf"), so such characters are shown as escapes
 * instead: C0 and C1 controls and DEL (newlines and tabs included: a value must not start a line
 * that looks like the CLI's own), the bidi embedding, override and isolate controls, the
 * Arabic letter mark, LRM/RLM and the line and paragraph separators. Everything else, Vietnamese
 * letters and combining marks included, is kept. JSON output (--json) is left to JSON.stringify.
 */

// \p{Cc}: U+0000-U+001F, U+007F-U+009F
const UNSAFE = /[\p{Cc}\u061C\u200E\u200F\u2028\u2029\u202A-\u202E\u2066-\u2069]/gu;

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t' };

function escapeChar(ch: string): string {
  const named = NAMED[ch];
  if (named) return named;
  const code = ch.codePointAt(0)!;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
}

/** One value as a single safe line (undefined and null print as ''). */
export function terminalSafe(value: unknown): string {
  if (value === undefined || value === null) return '';
  const text = String(value);
  return text.replace(UNSAFE, escapeChar);
}

