import { run } from '../main';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/**
 * Runs the CLI in-process as `lienthong <args>` and captures what it prints (tests only: it
 * replaces process.stdout/stderr.write for the duration). The code is the one `run` returns, else
 * process.exitCode, which is reset before and after.
 */
export async function runCli(args: string[]): Promise<CliRun> {
  let out = '';
  let err = '';
  const so = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => ((out += String(chunk)), true));
  const se = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => ((err += String(chunk)), true));
  try {
    process.exitCode = undefined;
    const code = await run(['node', 'lienthong', ...args]);
    return { code: code || Number(process.exitCode ?? 0), out, err };
  } finally {
    so.mockRestore();
    se.mockRestore();
    process.exitCode = undefined;
  }
}
