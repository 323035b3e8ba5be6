import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LtError } from '@lt/contracts';
import { GATEWAY_TOKEN_AUDIENCE, importPrivateKey, issueToken, verifyToken } from '@lt/crypto';
import { ensureHubKeys, hubKeyPaths, keyPaths, newEd25519KeyFile, writeKeyFile } from '@lt/platform';
import { tokenVerifyKeys } from './token-keys';

describe('the gateway token keys', () => {
  let dataDir: string;
  beforeEach(() => {
    dataDir = mkdtempSync(join(tmpdir(), 'lt-gw-keys-'));
  });
  afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

  it('on an empty data folder: fails naming the fix and creates nothing', () => {
    let err: unknown;
    try {
      tokenVerifyKeys(dataDir);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LtError);
    expect((err as LtError).message).toBe(
      `the gateway found no hub token key at ${hubKeyPaths.active(dataDir, 'token')} (it never creates hub keys): run \`npm start\`, which creates them, or \`lienthong hub rotate-key --purpose token\` on the hub machine, then start the gateway again`,
    );
    expect(readdirSync(dataDir)).toEqual([]);
  });

  it('does not take a pre-split hub.json for a token key, nor migrate it', () => {
    writeKeyFile(keyPaths.hub(dataDir), newEd25519KeyFile('hub-20240101'));
    expect(() => tokenVerifyKeys(dataDir)).toThrow(/no hub token key/);
    expect(existsSync(keyPaths.hub(dataDir))).toBe(true);
    expect(existsSync(hubKeyPaths.dir(dataDir))).toBe(false);
  });

  it('holds the token key public half only, by key id: tokens of another purpose key are refused', () => {
    const keys = ensureHubKeys(dataDir);
    const map = tokenVerifyKeys(dataDir);
    expect([...map.keys()]).toEqual([keys.token.keyId]);
    const mint = (k: typeof keys.token) => issueToken({ sub: 't', role: 'admin', ttlSeconds: 60 }, importPrivateKey(k.privateJwk, k.alg), k.keyId);
    expect(verifyToken(mint(keys.token), map, { audience: GATEWAY_TOKEN_AUDIENCE }).sub).toBe('t');
    expect(() => verifyToken(mint(keys.envelope), map, { audience: GATEWAY_TOKEN_AUDIENCE })).toThrow(/no hub key "envelope-/);
  });
});
