import { drawTree } from './commands/agency';
import { terminalSafe } from './terminal-text';

describe('terminalSafe', () => {
  it('keeps Vietnamese text, precomposed and with combining marks, as it is', () => {
    const text = 'Về việc triển khai Đề án 06 — Huế, Nghệ An';
    expect(terminalSafe(text)).toBe(text);
    const combining = 'Vie\u0302\u0323t Nam'; // "Việt" written with combining marks
    expect(terminalSafe(combining)).toBe(combining);
  });

  it('escapes terminal escape sequences so they cannot act on the terminal', () => {
    expect(terminalSafe('ok\u001b[2J\u001b]0;pwned\u0007')).toBe('ok\\x1b[2J\\x1b]0;pwned\\x07');
    expect(terminalSafe('\u009b31m C1 CSI')).toBe('\\x9b31m C1 CSI');
    expect(terminalSafe('del\u007f')).toBe('del\\x7f');
  });

  it('escapes newlines, carriage returns and tabs: a value cannot fake a line of output', () => {
    expect(terminalSafe('subject\nerror FORBIDDEN: fake')).toBe('subject\\nerror FORBIDDEN: fake');
    expect(terminalSafe('overwrite\rme\tx')).toBe('overwrite\\rme\\tx');
  });

  it('escapes bidirectional controls and line separators', () => {
    expect(terminalSafe('invoice\u202Efdp.exe')).toBe('invoice\\u202efdp.exe');
    expect(terminalSafe('\u2066a\u2069\u200e\u200f\u061c\u2028\u2029')).toBe('\\u2066a\\u2069\\u200e\\u200f\\u061c\\u2028\\u2029');
  });

  it('prints undefined and null as nothing, other values as strings', () => {
    expect([terminalSafe(undefined), terminalSafe(null), terminalSafe(12)]).toEqual(['', '', '12']);
  });
});

describe('human output of agency-supplied names', () => {
  it('agency tree: a name cannot inject escapes or lines', () => {
    const node = { code: '000.00.00.H41', name: 'UBND\u001b[31m\nfake', tier: 'province', status: 'active', children: [] };
    expect(drawTree(node as unknown as Parameters<typeof drawTree>[0])).toBe('000.00.00.H41  UBND\\x1b[31m\\nfake  [Tỉnh]');
  });
});
