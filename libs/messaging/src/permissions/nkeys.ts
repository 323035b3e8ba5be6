import { readFileSync } from 'node:fs';
import { nkeyAuthenticator, nkeys } from '@nats-io/nats-core';
import type { NodeConnectionOptions } from '@nats-io/transport-node';
import { LtError } from '@lt/contracts';
import { agencyInboxPrefix } from './agency-permissions';

/**
 * NATS user identities are nkeys (Ed25519): the server config holds only the public key
 * (`U...`), the client proves possession of the seed (`SU...`) by signing the server's nonce.
 * No shared secret sits in the config file.
 */
export interface UserNkey {
  /** private seed, `SU...`; goes to the agency only (file mode 0600) */
  seed: string;
  /** public key, `U...`; goes into the server config */
  publicKey: string;
}

export function createUserNkey(): UserNkey {
  const kp = nkeys.createUser();
  return { seed: new TextDecoder().decode(kp.getSeed()), publicKey: kp.getPublicKey() };
}

/** Public key of a user seed; throws a coded error if the text is not a user seed. */
export function publicKeyFromSeed(seed: string): string {
  const text = seed.trim();
  if (!text.startsWith('SU')) throw new LtError('VALIDATION_FAILED', `not a NATS user nkey seed (expected "SU...", got "${text.slice(0, 2)}...")`, { field: 'seed' });
  try {
    return nkeys.fromSeed(new TextEncoder().encode(text)).getPublicKey();
  } catch (err) {
    throw new LtError('VALIDATION_FAILED', `invalid NATS user nkey seed: ${(err as Error).message}`, { field: 'seed' });
  }
}

/** Reads a seed file written by `lienthong nats config` (the seed on the first non-comment line). */
export function readSeedFile(path: string): UserNkey {
  const line = readFileSync(path, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.startsWith('SU'));
  if (!line) throw new LtError('VALIDATION_FAILED', `${path} holds no NATS user seed (a line starting with "SU")`, { path });
  return { seed: line, publicKey: publicKeyFromSeed(line) };
}

/**
 * Connection options an agency client needs under `agencyPermissions`: nkey authentication
 * and its own reply prefix (without it, every request's reply subscription is refused).
 */
export function agencyConnectionOptions(agencyCode: string, seed: string): Partial<NodeConnectionOptions> {
  publicKeyFromSeed(seed);
  const bytes = new TextEncoder().encode(seed.trim());
  return { authenticator: nkeyAuthenticator(bytes), inboxPrefix: agencyInboxPrefix(agencyCode), name: `agency ${agencyCode}` };
}

/** Connection options of a hub service holding a user seed (services keep the default `_INBOX`). */
export function serviceConnectionOptions(seed: string): Partial<NodeConnectionOptions> {
  publicKeyFromSeed(seed);
  return { authenticator: nkeyAuthenticator(new TextEncoder().encode(seed.trim())) };
}
