import { createHash, randomBytes } from 'node:crypto';
import { existsSync, linkSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { HUB_KEY_PURPOSES, HUB_KID_PREFIX, hubKeyServes, isHubKeyPurpose, LtError, type HubKeyPurpose, type PublishedHubKey } from '@lt/contracts';
import { keyPaths, newEd25519KeyFile, readKeyFile, writeKeyFile, type KeyFile } from './key-files';

/**
 * The hub's signing keys, one per purpose, under `<dataDir>/keys/hub/`:
 *
 *   token.json | envelope.json | checkpoint.json   the active key of each purpose (private, 0600)
 *   retired/<keyId>.json                           public half + validity of every earlier key
 *
 * Key ids are `<purpose>-<yyyymmdd>-<first 8 chars of the JWK thumbprint>`: two keys made the same
 * day differ, so a key made after a wiped data folder never takes the id of a published one.
 * Only the service that signs with a purpose loads its private key (loadOrCreateHubKey); whoever
 * verifies reads public halves (loadHubPublicKeys) and never creates a key.
 */
export interface HubKeyFile extends KeyFile {
  purpose: HubKeyPurpose;
  notBefore: string;
}

/** A retired key on disk: public half only. */
interface RetiredKeyFile {
  keyId: string;
  alg: KeyFile['alg'];
  publicJwk: Record<string, unknown>;
  purpose: HubKeyPurpose;
  notBefore: string;
  retiredAt: string;
  legacy?: true;
}

export const hubKeyPaths = {
  dir: (dataDir: string) => join(dataDir, 'keys', 'hub'),
  active: (dataDir: string, purpose: HubKeyPurpose) => join(dataDir, 'keys', 'hub', `${purpose}.json`),
  retiredDir: (dataDir: string) => join(dataDir, 'keys', 'hub', 'retired'),
  retired: (dataDir: string, keyId: string) => join(dataDir, 'keys', 'hub', 'retired', `${keyId}.json`),
  /** where the single pre-split key is moved once migrated (kept, never read again) */
  legacyMigrated: (dataDir: string) => `${keyPaths.hub(dataDir)}.migrated`,
};

/** RFC 7638 thumbprint of a public JWK (OKP or EC), base64url. */
export function jwkThumbprint(jwk: Record<string, unknown>): string {
  const members = jwk.kty === 'EC' ? { crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y } : { crv: jwk.crv, kty: jwk.kty, x: jwk.x };
  return createHash('sha256').update(JSON.stringify(members)).digest('base64url');
}

export function hubKeyId(purpose: HubKeyPurpose, publicJwk: Record<string, unknown>, at: Date): string {
  return `${purpose}-${at.toISOString().slice(0, 10).replace(/-/g, '')}-${jwkThumbprint(publicJwk).slice(0, 8)}`;
}

export function newHubKeyFile(purpose: HubKeyPurpose, now: Date = new Date()): HubKeyFile {
  const k = newEd25519KeyFile('pending');
  return { ...k, keyId: hubKeyId(purpose, k.publicJwk, now), purpose, notBefore: now.toISOString() };
}

function assertPurpose(purpose: unknown): asserts purpose is HubKeyPurpose {
  if (!isHubKeyPurpose(purpose)) {
    throw new LtError('VALIDATION_FAILED', `hub key purpose must be one of ${HUB_KEY_PURPOSES.join(', ')}, got ${JSON.stringify(purpose)}`, { field: 'purpose' });
  }
}

function readActive(dataDir: string, purpose: HubKeyPurpose): HubKeyFile | null {
  const path = hubKeyPaths.active(dataDir, purpose);
  if (!existsSync(path)) return null;
  const k = readKeyFile(path) as Partial<HubKeyFile> & KeyFile;
  if (k.purpose !== purpose) {
    throw new LtError('VALIDATION_FAILED', `hub key file ${path} is for purpose ${JSON.stringify(k.purpose)}, not ${purpose}: restore the right file or move it away`, { path });
  }
  return { ...k, purpose, notBefore: k.notBefore ?? statSync(path).mtime.toISOString() };
}

/** Creates `path` only when it does not exist yet (link is atomic): of two processes racing, one key wins and both use it. */
function createExclusive(path: string, key: HubKeyFile): boolean {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(key, null, 2), { mode: 0o600 });
  try {
    linkSync(tmp, path);
    return true;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw err;
  } finally {
    unlinkSync(tmp);
  }
}

function writeJson(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  writeFileSync(tmp, JSON.stringify(value, null, 2), { mode: 0o600 });
  renameSync(tmp, path);
}

/** The pre-split `keys/hub.json` as a retired record: it signed envelopes and checkpoints that must keep verifying. */
function legacyRecord(dataDir: string, retiredAt: string): RetiredKeyFile | null {
  const path = keyPaths.hub(dataDir);
  if (!existsSync(path)) return null;
  const k = readKeyFile(path);
  return { keyId: k.keyId, alg: k.alg, publicJwk: k.publicJwk, purpose: 'envelope', notBefore: statSync(path).mtime.toISOString(), retiredAt, legacy: true };
}

/**
 * Migration of a data folder from before the split: the single `keys/hub.json` becomes a retired
 * record (public half, `legacy`, purpose envelope; it also verifies old checkpoints) and the file
 * is renamed `hub.json.migrated`. Idempotent and safe when several services do it at once.
 */
export function migrateLegacyHubKey(dataDir: string, now: Date = new Date()): string | null {
  const record = legacyRecord(dataDir, now.toISOString());
  if (!record) return null;
  const target = hubKeyPaths.retired(dataDir, record.keyId);
  if (!existsSync(target)) writeJson(target, record);
  try {
    renameSync(keyPaths.hub(dataDir), hubKeyPaths.legacyMigrated(dataDir));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return record.keyId;
}

/**
 * The active private key of one purpose, created on first use. Call it only in the service that
 * signs with that purpose (router, dossier, audit: envelope; audit: checkpoint; CLI: token).
 */
export function loadOrCreateHubKey(dataDir: string, purpose: HubKeyPurpose, now: Date = new Date()): HubKeyFile {
  assertPurpose(purpose);
  migrateLegacyHubKey(dataDir, now);
  const held = readActive(dataDir, purpose);
  if (held) return held;
  createExclusive(hubKeyPaths.active(dataDir, purpose), newHubKeyFile(purpose, now));
  return readActive(dataDir, purpose)!;
}

/** The active private key of one purpose, or an LtError naming the fix; never creates one. */
export function loadHubKey(dataDir: string, purpose: HubKeyPurpose): HubKeyFile {
  assertPurpose(purpose);
  const held = readActive(dataDir, purpose);
  if (!held) {
    throw new LtError(
      'UNKNOWN_KEY',
      `no ${purpose} hub key at ${hubKeyPaths.active(dataDir, purpose)}: run \`npm start\` (creates the hub keys) or restore ${hubKeyPaths.dir(dataDir)} from a backup`,
      { purpose, path: hubKeyPaths.active(dataDir, purpose) },
    );
  }
  return held;
}

/** Creates whatever hub key is missing (npm start's setup step); returns the three active keys. */
export function ensureHubKeys(dataDir: string, now: Date = new Date()): Record<HubKeyPurpose, HubKeyFile> {
  return { token: loadOrCreateHubKey(dataDir, 'token', now), envelope: loadOrCreateHubKey(dataDir, 'envelope', now), checkpoint: loadOrCreateHubKey(dataDir, 'checkpoint', now) };
}

export function publishedHubKey(k: HubKeyFile): PublishedHubKey {
  return { kid: `${HUB_KID_PREFIX}${k.keyId}`, keyId: k.keyId, purpose: k.purpose, alg: k.alg, publicJwk: k.publicJwk, notBefore: k.notBefore, notAfter: null, status: 'active' };
}

function publishedRetired(r: RetiredKeyFile): PublishedHubKey {
  return {
    kid: `${HUB_KID_PREFIX}${r.keyId}`,
    keyId: r.keyId,
    purpose: r.purpose,
    alg: r.alg,
    publicJwk: r.publicJwk,
    notBefore: r.notBefore,
    notAfter: r.retiredAt,
    status: 'retired',
    ...(r.legacy ? { legacy: true as const } : {}),
  };
}

/**
 * Public halves of the hub keys in a data folder: the active key of each purpose, then the retired
 * ones (oldest first). Only reads: a verifier (the gateway) never writes into the key folder. With
 * `purpose`, the keys that verify what was signed for it (hubKeyServes: the legacy key counts for
 * envelopes and checkpoints). A pre-split `keys/hub.json` not yet migrated is listed as the legacy key.
 */
export function loadHubPublicKeys(dataDir: string, purpose?: HubKeyPurpose): PublishedHubKey[] {
  if (purpose !== undefined) assertPurpose(purpose);
  const out: PublishedHubKey[] = [];
  for (const p of HUB_KEY_PURPOSES) {
    const k = readActive(dataDir, p);
    if (k) out.push(publishedHubKey(k));
  }
  const retired: RetiredKeyFile[] = [];
  const dir = hubKeyPaths.retiredDir(dataDir);
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).filter((n) => n.endsWith('.json')).sort()) {
      const r = JSON.parse(readFileSync(join(dir, name), 'utf8')) as RetiredKeyFile;
      if (!r.keyId || !r.publicJwk || !isHubKeyPurpose(r.purpose)) throw new LtError('VALIDATION_FAILED', `retired hub key file ${join(dir, name)} lacks keyId, publicJwk or purpose`, {});
      retired.push(r);
    }
  }
  const legacy = legacyRecord(dataDir, new Date().toISOString());
  if (legacy && !retired.some((r) => r.keyId === legacy.keyId)) retired.push(legacy);
  retired.sort((a, b) => a.retiredAt.localeCompare(b.retiredAt));
  for (const r of retired) if (!out.some((k) => k.keyId === r.keyId)) out.push(publishedRetired(r));
  return purpose === undefined ? out : out.filter((k) => hubKeyServes(k, purpose));
}

/**
 * Rotation: the active key of `purpose` becomes a retired record (public half, retiredAt = now),
 * a new key takes its place. Services holding the old key keep signing with it until restarted;
 * what they signed still verifies through the retired record once published.
 */
export function rotateHubKey(dataDir: string, purpose: HubKeyPurpose, now: Date = new Date()): { retired: PublishedHubKey | null; active: HubKeyFile } {
  assertPurpose(purpose);
  migrateLegacyHubKey(dataDir, now);
  const old = readActive(dataDir, purpose);
  let retired: PublishedHubKey | null = null;
  if (old) {
    const record: RetiredKeyFile = { keyId: old.keyId, alg: old.alg, publicJwk: old.publicJwk, purpose, notBefore: old.notBefore, retiredAt: now.toISOString() };
    writeJson(hubKeyPaths.retired(dataDir, old.keyId), record);
    retired = publishedRetired(record);
  }
  const next = newHubKeyFile(purpose, now);
  writeKeyFile(hubKeyPaths.active(dataDir, purpose), next);
  return { retired, active: next };
}
