import type { Command } from 'commander';
import { LtError } from '@lt/contracts';
import { assertTokenRole, importPrivateKey, issueToken, peekTokenClaims } from '@lt/crypto';
import type { CliContext } from '../context';

export function registerTokenCommands(program: Command, ctx: () => CliContext): void {
  const tokens = program.command('token').description('bearer tokens for the HTTP gateway');
  tokens
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
      const hub = c.hubTokenKey();
      const token = issueToken({ sub: o.sub, role, ttlSeconds: ttl }, importPrivateKey(hub.privateJwk, hub.alg), hub.keyId);
      const { jti, exp, aud } = peekTokenClaims(token);
      // stdout stays the bare token (scripts capture it); the jti, needed to revoke it, goes to stderr
      if (!c.opts.json) process.stderr.write(`jti ${jti} (expires ${new Date(exp * 1000).toISOString()}; revoke with: lienthong token revoke ${jti})\n`);
      c.print({ token, jti, aud, role, sub: o.sub, expiresIn: ttl, expiresAt: new Date(exp * 1000).toISOString() }, () => token);
    });

  tokens
    .command('revoke <jti>')
    .description('revoke a token by its jti (printed by `token issue`): every gateway refuses it within seconds (admin)')
    .option('--reason <text>', 'why, kept with the revocation')
    .action(async (jti: string, o: { reason?: string }) => {
      const c = ctx();
      const r = await c.http<{ jti: string; revokedAt: string }>('POST', '/v1/tokens/revoke', { jti, ...(o.reason ? { reason: o.reason } : {}) });
      c.print(r, () => `revoked token ${r.jti} at ${r.revokedAt}`);
    });
}
