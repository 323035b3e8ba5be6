import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { LtError, parseAgencyCode, type AgencyKey } from '@lt/contracts';
import { keyPaths, newEd25519KeyFile, readKeyFile, writeKeyFile } from '@lt/platform';
import type { CliContext } from '../context';

export function registerKeyCommands(program: Command, ctx: () => CliContext): void {
  const key = program.command('key').description('agency signing keys');

  key
    .command('generate <code>')
    .description('generate an Ed25519 key pair for an agency; the private key stays in the data folder')
    .option('--key-id <id>', 'key id', `k${new Date().toISOString().slice(0, 10).replace(/-/g, '')}`)
    .option('--out <file>', 'where to write the private key file')
    .option('--force', 'overwrite an existing key file')
    .option('--register', 'also register the public key with the hub')
    .action(async (code: string, o: { keyId: string; out?: string; force?: boolean; register?: boolean }) => {
      const c = ctx();
      parseAgencyCode(code);
      const path = o.out ?? keyPaths.agency(c.dataDir, code);
      if (existsSync(path) && !o.force) throw new LtError('DUPLICATE', `${path} exists; pass --force to replace it`);
      const k = newEd25519KeyFile(o.keyId);
      writeKeyFile(path, k);
      let registered: AgencyKey | undefined;
      if (o.register) registered = await c.http<AgencyKey>('POST', `/v1/agencies/${encodeURIComponent(code)}/keys`, { keyId: k.keyId, alg: k.alg, publicJwk: k.publicJwk });
      c.print({ path, keyId: k.keyId, publicJwk: k.publicJwk, registered: !!registered }, () => `wrote ${path} (kid ${code}#${k.keyId})${registered ? '; registered with the hub' : ''}`);
    });

  key
    .command('add <code>')
    .description('register a public key for an agency (from a key file or a JWK)')
    .option('--file <path>', 'key file written by `key generate` (only the public half is sent)')
    .option('--jwk <json>', 'public JWK as JSON')
    .option('--key-id <id>', 'key id (default: from the file)')
    .option('--alg <alg>', 'EdDSA | ES256', 'EdDSA')
    .option('--not-after <iso>', 'expiry')
    .action(async (code: string, o: { file?: string; jwk?: string; keyId?: string; alg: string; notAfter?: string }) => {
      const c = ctx();
      let body: Record<string, unknown>;
      if (o.file) {
        const k = readKeyFile(o.file);
        body = { keyId: o.keyId ?? k.keyId, alg: k.alg, publicJwk: k.publicJwk };
      } else if (o.jwk) {
        if (!o.keyId) throw new LtError('VALIDATION_FAILED', '--key-id is required with --jwk');
        body = { keyId: o.keyId, alg: o.alg, publicJwk: JSON.parse(o.jwk) };
      } else {
        const path = keyPaths.agency(c.dataDir, code);
        if (!existsSync(path)) throw new LtError('VALIDATION_FAILED', `give --file or --jwk (no key file at ${path})`);
        const k = readKeyFile(path);
        body = { keyId: o.keyId ?? k.keyId, alg: k.alg, publicJwk: k.publicJwk };
      }
      if (o.notAfter) body.notAfter = o.notAfter;
      const r = await c.http<AgencyKey>('POST', `/v1/agencies/${encodeURIComponent(code)}/keys`, body);
      c.print(r, (x: AgencyKey) => `registered ${x.kid} (${x.alg})`);
    });

  key
    .command('revoke <code> <keyId>')
    .description('revoke a key: messages signed with it are refused with KEY_REVOKED from now on')
    .requiredOption('--reason <text>')
    .action(async (code: string, keyId: string, o: { reason: string }) => {
      const c = ctx();
      const r = await c.http<AgencyKey>('POST', `/v1/agencies/${encodeURIComponent(code)}/keys/${encodeURIComponent(keyId)}/revoke`, { reason: o.reason });
      c.print(r, (x: AgencyKey) => `revoked ${x.kid} at ${x.revokedAt}`);
    });

  key
    .command('list <code>')
    .description("an agency's registered keys")
    .action(async (code: string) => {
      const c = ctx();
      const r = await c.http<AgencyKey[]>('GET', `/v1/agencies/${encodeURIComponent(code)}/keys`);
      c.print(r, (xs: AgencyKey[]) => xs.map((k) => `${k.kid}  ${k.alg}  ${k.revokedAt ? `revoked ${k.revokedAt}` : 'active'}`).join('\n') || '(none)');
    });
}
