import { LtError } from '@lt/contracts';
import type { VerifyKey } from '@lt/crypto';
import { loadTokenVerifyKeys } from '@lt/messaging';
import { hubKeyPaths } from '@lt/platform';

/**
 * The keys bearer tokens are verified with: the active token key of the data folder, by key id
 * (the token header's kid). Retired token keys are not accepted: a rotation of the token key
 * ends every token signed before it once the gateway restarts. Only public halves are read; on a
 * folder without a token key the gateway does not start, and the message says how to make one.
 */
export function tokenVerifyKeys(dataDir: string): Map<string, VerifyKey> {
  const keys = loadTokenVerifyKeys(dataDir);
  if (keys.size === 0) {
    throw new LtError(
      'UNKNOWN_KEY',
      `the gateway found no hub token key at ${hubKeyPaths.active(dataDir, 'token')} (it never creates hub keys): run \`npm start\`, which creates them, or \`lienthong hub rotate-key --purpose token\` on the hub machine, then start the gateway again`,
      { purpose: 'token', dataDir },
    );
  }
  return keys;
}
