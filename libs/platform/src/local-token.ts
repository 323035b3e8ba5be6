import { importPrivateKey, issueToken, type TokenRole } from '@lt/crypto';
import { loadHubKey } from './hub-keys';

export interface LocalTokenOptions {
  /** who the token names (recorded by the registry as the actor of what it writes) */
  sub: string;
  /** default admin */
  role?: TokenRole;
  /** default 600 s */
  ttlSeconds?: number;
}

/**
 * A short-lived bearer token signed with the data folder's token key (never created here): what
 * hub-side tools present to the services they call over NATS (npm start's demo seeding, benches,
 * tests), since a service takes its caller from a verified token only (CALLER_TOKEN_HEADER).
 * Runs only where the token key's private half is, i.e. on the hub machine.
 */
export function issueLocalToken(dataDir: string, opts: LocalTokenOptions): string {
  const key = loadHubKey(dataDir, 'token');
  return issueToken({ sub: opts.sub, role: opts.role ?? 'admin', ttlSeconds: opts.ttlSeconds ?? 600 }, importPrivateKey(key.privateJwk, key.alg), key.keyId);
}
