import { generateKeyPairSync, createPublicKey, createPrivateKey, type KeyObject } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync, renameSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * Private keys on local disk: the hub's own signing keys (one per purpose, hub-keys.ts) and the
 * demo agencies' keys that `npm start` seeds. Files are JSON {keyId, alg, privateJwk, publicJwk},
 * mode 0600. In production agencies keep their own keys; the hub only ever sees public JWKs.
 */
export interface KeyFile {
  keyId: string;
  alg: 'EdDSA' | 'ES256';
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
}

export function newEd25519KeyFile(keyId: string): KeyFile {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    keyId,
    alg: 'EdDSA',
    privateJwk: privateKey.export({ format: 'jwk' }) as Record<string, unknown>,
    publicJwk: publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
  };
}

export function readKeyFile(path: string): KeyFile {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as KeyFile;
  if (!raw.keyId || !raw.alg || !raw.privateJwk || !raw.publicJwk) throw new Error(`key file ${path} lacks keyId, alg, privateJwk or publicJwk`);
  return raw;
}

export function writeKeyFile(path: string, key: KeyFile): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, JSON.stringify(key, null, 2), { mode: 0o600 });
  renameSync(tmp, path);
}

export function keyObjects(key: KeyFile): { privateKey: KeyObject; publicKey: KeyObject } {
  return {
    privateKey: createPrivateKey({ key: key.privateJwk as never, format: 'jwk' }),
    publicKey: createPublicKey({ key: key.publicJwk as never, format: 'jwk' }),
  };
}

export const keyPaths = {
  /** the single hub key from before the split by purpose; only read to migrate it (hub-keys.ts) */
  hub: (dataDir: string) => join(dataDir, 'keys', 'hub.json'),
  agency: (dataDir: string, code: string) => join(dataDir, 'keys', 'agencies', `${code}.json`),
};
