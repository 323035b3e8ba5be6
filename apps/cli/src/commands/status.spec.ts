import { runCli } from '../testing/run-cli';
import { table, uptime } from './status';

describe('lienthong status (pure parts)', () => {
  it('pads every column to its widest cell and escapes control characters', () => {
    expect(
      table(
        ['A', 'BB', 'C'],
        [
          ['xxx', 'y', 'z'],
          ['q\u001b[2J', 'rr', 'last column is not padded'],
        ],
      ),
    ).toBe(['A         BB  C', 'xxx       y   z', 'q\\x1b[2J  rr  last column is not padded'].join('\n'));
  });

  it('shows uptime in its two largest units', () => {
    expect([uptime(0), uptime(59), uptime(61), uptime(3_600 + 5 * 60), uptime(2 * 86_400 + 3 * 3_600 + 59)]).toEqual(['0s', '59s', '1m01s', '1h05m', '2d3h']);
  });

  it('without --as it is the hub status; with only part of a document status it names what is missing', async () => {
    const partial = await runCli(['--json', 'status', '--as', '000.00.01.H41', '--code', '03']);
    expect(partial.code).toBe(1);
    expect(JSON.parse(partial.err)).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('needs --doc, --from too') } });
    const badTimeout = await runCli(['--json', 'status', '--timeout', 'soon']);
    expect(badTimeout.code).toBe(1);
    expect(JSON.parse(badTimeout.err)).toMatchObject({ error: { code: 'VALIDATION_FAILED', message: expect.stringContaining('--timeout') } });
  });
});
