import type { Command } from 'commander';
import { LtError } from '@lt/contracts';
import { assertTokenRole, importPrivateKey, issueToken } from '@lt/crypto';
import { keyPaths, readKeyFile } from '@lt/platform';
import type { CliContext } from '../context';

export function registerTokenCommands(program: Command, ctx: () => CliContext): void {
  program
    .command('token')
    .description('bearer tokens for the HTTP gateway')
    .command('issue')
    .description('issue a token signed with the hub key (needs the hub key file: run on the hub machine)')
    .requiredOption('--role <role>', 'admin | auditor | agency:<code>')
    .option('--sub <subject>', 'who the token is for', process.env.USER ?? 'operator')
    .option('--ttl <seconds>', 'lifetime in seconds', '3600')
    .action((o: { role: string; sub: string; ttl: string }) => {
      const c = ctx();
      const role = assertTokenRole(o.role);
      const ttl = Number(o.ttl);
      if (!Number.isInteger(ttl) || ttl <= 0) throw new LtError('VALIDATION_FAILED', `--ttl must be a positive whole number of seconds, got ${o.ttl}`);
      const hub = readKeyFile(keyPaths.hub(c.dataDir));
      const token = issueToken({ sub: o.sub, role, ttlSeconds: ttl }, importPrivateKey(hub.privateJwk, hub.alg), hub.keyId);
      c.print({ token, role, sub: o.sub, expiresIn: ttl }, () => token);
    });
}
