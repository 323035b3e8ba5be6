import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';
import {
  ensureHubKeys,
  hubKeyPaths,
  jwkThumbprint,
  loadHubKey,
  loadHubPublicKeys,
  loadOrCreateHubKey,
  migrateLegacyHubKey,
  newHubKeyFile,
  rotateHubKey,
} from './hub-keys';
import { keyPaths, newEd25519KeyFile, writeKeyFile } from './key-files';

describe('hub keys per purpose', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lt-hubkeys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('names keys <purpose>-<yyyymmdd>-<thumbprint prefix>: two keys made the same day differ', () => {
    const day = new Date('2025-03-04T10:00:00Z');
    const a = newHubKeyFile('envelope', day);
    const b = newHubKeyFile('envelope', day);
    expect(a.keyId).toMatch(/^envelope-20250304-[A-Za-z0-9_-]{8}$/);
    expect(a.keyId.slice(-8)).toBe(jwkThumbprint(a.publicJwk).slice(0, 8));
    expect(a.keyId).not.toBe(b.keyId);
  });

  it('computes the RFC 7638 thumbprint (the RFC 8037 Ed25519 example)', () => {
    const jwk = { kty: 'OKP', crv: 'Ed25519', x: '11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo' };
    expect(jwkThumbprint(jwk)).toBe('kPrK_qmxVWaYVA9wwBF6Iuo3vVzz7TxHCTwXBygrS4k');
  });

  it('creates one file per purpose, each a different key, and loads the same key again', () => {
    const keys = ensureHubKeys(dataDir);
    expect(new Set([keys.token.keyId, keys.envelope.keyId, keys.checkpoint.keyId]).size).toBe(3);
    for (const p of ['token', 'envelope', 'checkpoint'] as const) {
      expect(existsSync(hubKeyPaths.active(dataDir, p))).toBe(true);
      expect(loadOrCreateHubKey(dataDir, p).keyId).toBe(keys[p].keyId);
      expect(keys[p].purpose).toBe(p);
    }
  });

  it('refuses an unknown purpose', () => {
    expect(() => loadOrCreateHubKey(dataDir, 'all' as never)).toThrow(/purpose must be one of token, envelope, checkpoint/);
  });

  it('loadHubKey never creates a key and names the fix', () => {
    let err: unknown;
    try {
      loadHubKey(dataDir, 'token');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).message).toMatch(/no token hub key at .*token\.json: run `npm start`/);
    expect(existsSync(hubKeyPaths.dir(dataDir))).toBe(false);
  });

  it('loadHubPublicKeys only reads: an empty folder gives no keys and stays empty', () => {
    expect(loadHubPublicKeys(dataDir)).toEqual([]);
    expect(loadHubPublicKeys(dataDir, 'token')).toEqual([]);
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('lists public halves only, with purpose and validity, and filters by purpose', () => {
    ensureHubKeys(dataDir, new Date('2025-01-02T00:00:00Z'));
    const all = loadHubPublicKeys(dataDir);
    expect(all.map((k) => k.purpose)).toEqual(['token', 'envelope', 'checkpoint']);
    for (const k of all) {
      expect(k).toMatchObject({ kid: `hub#${k.keyId}`, alg: 'EdDSA', status: 'active', notAfter: null, notBefore: '2025-01-02T00:00:00.000Z' });
      expect(k.publicJwk).not.toHaveProperty('d');
      expect(k).not.toHaveProperty('privateJwk');
    }
    expect(loadHubPublicKeys(dataDir, 'checkpoint').map((k) => k.purpose)).toEqual(['checkpoint']);
  });

  it('rotation retires the old key (public half, retiredAt) and makes a new active one', () => {
    const before = loadOrCreateHubKey(dataDir, 'envelope', new Date('2025-01-01T00:00:00Z'));
    const { retired, active } = rotateHubKey(dataDir, 'envelope', new Date('2025-06-01T00:00:00Z'));
    expect(active.keyId).not.toBe(before.keyId);
    expect(loadOrCreateHubKey(dataDir, 'envelope').keyId).toBe(active.keyId);
    expect(retired).toMatchObject({ keyId: before.keyId, status: 'retired', notAfter: '2025-06-01T00:00:00.000Z', purpose: 'envelope' });
    const onDisk = JSON.parse(readFileSync(hubKeyPaths.retired(dataDir, before.keyId), 'utf8')) as Record<string, unknown>;
    expect(onDisk).not.toHaveProperty('privateJwk');
    expect(loadHubPublicKeys(dataDir, 'envelope').map((k) => [k.keyId, k.status])).toEqual([
      [active.keyId, 'active'],
      [before.keyId, 'retired'],
    ]);
  });

  it('migrates the single pre-split keys/hub.json into a retired legacy key that verifies envelopes and checkpoints', () => {
    const legacy = newEd25519KeyFile('hub-20240101');
    writeKeyFile(keyPaths.hub(dataDir), legacy);
    // before migration a reader already sees it (the gateway never migrates)
    expect(loadHubPublicKeys(dataDir, 'envelope').map((k) => k.keyId)).toEqual(['hub-20240101']);
    const envelope = loadOrCreateHubKey(dataDir, 'envelope');
    expect(envelope.keyId).not.toBe('hub-20240101');
    expect(existsSync(keyPaths.hub(dataDir))).toBe(false);
    expect(existsSync(hubKeyPaths.legacyMigrated(dataDir))).toBe(true);
    expect(migrateLegacyHubKey(dataDir)).toBeNull();
    const ids = (p: 'envelope' | 'checkpoint' | 'token') => loadHubPublicKeys(dataDir, p).map((k) => k.keyId);
    expect(ids('envelope')).toEqual([envelope.keyId, 'hub-20240101']);
    expect(ids('checkpoint')).toContain('hub-20240101');
    expect(ids('token')).not.toContain('hub-20240101');
    expect(loadHubPublicKeys(dataDir).find((k) => k.keyId === 'hub-20240101')).toMatchObject({ legacy: true, status: 'retired', purpose: 'envelope' });
  });
});
