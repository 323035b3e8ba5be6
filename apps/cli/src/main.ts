#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { LtError } from '@lt/contracts';
import { CliContext, type GlobalOptions } from './context';
import { terminalSafe } from './terminal-text';
import { COMMAND_GROUPS } from './commands';

/** `lienthong`: one verb per use case; exits non-zero with a one-line reason on failure. */
export function buildProgram(): Command {
  const program = new Command('lienthong')
    .description('LienThong hub: agency directory, signed document exchange, audit and dossiers')
    .option('--json', 'print JSON instead of text')
    .option('--gateway <url>', 'gateway URL (default $LT_GATEWAY_URL or http://127.0.0.1:8080)')
    .option('--token <jwt>', 'bearer token (default $LT_TOKEN, or minted from the local hub key)')
    .option('--data-dir <dir>', 'data folder with keys (default $LT_DATA_DIR or .data)')
    .showHelpAfterError()
    .exitOverride();
  const ctx = () => new CliContext(program.opts<GlobalOptions>());
  for (const register of COMMAND_GROUPS) register(program, ctx);
  return program;
}

export async function run(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const json = argv.includes('--json');
    if (err instanceof LtError) {
      if (json) process.stderr.write(JSON.stringify({ error: err.toJSON() }) + '\n');
      else process.stderr.write(`error ${err.code}: ${terminalSafe(err.message)}\n`);
      return 1;
    }
    process.stderr.write(`error: ${terminalSafe(err instanceof Error ? err.message : String(err))}\n`);
    return 1;
  }
}

if (require.main === module) {
  run(process.argv).then((code) => process.exit(code));
}
