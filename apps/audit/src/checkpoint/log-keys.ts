import { createPrivateKey, createPublicKey } from 'node:crypto';
import { LtError } from '@lt/contracts';
import { createNoteSigner, createNoteVerifier, encodeVerifierKey, isValidNoteKeyName, type NoteSigner, type NoteVerifier } from '@lt/tlog';
import type { KeyFile } from '@lt/platform';

/**
 * The log's signing identity: the hub's checkpoint key under the note key name = the log origin
 * (C2SP tlog-checkpoint recommends naming the key after the origin). `vkey` is what verifiers pin.
 * Every signature line carries the key hash, so after a rotation the earlier checkpoint keys
 * (retired, public halves) sit next to the active one in `verifiers`/`vkeys` and old checkpoints
 * keep verifying.
 */
export interface LogKeys {
  origin: string;
  signer: NoteSigner;
  /** the active key's verifier */
  verifier: NoteVerifier;
  /** `<origin>+<key hash>+<base64 key>` (Go note.NewEd25519VerifierKey) of the active key */
  vkey: string;
  /** the active key first, then every earlier checkpoint key */
  verifiers: NoteVerifier[];
  vkeys: string[];
  hubKeyId: string;
  hubPublicJwk: Record<string, unknown>;
}

/** Public half of an earlier checkpoint key (loadHubPublicKeys(dataDir, 'checkpoint')). */
export interface EarlierCheckpointKey {
  keyId: string;
  alg: string;
  publicJwk: Record<string, unknown>;
}

export function logKeysFromHubKey(hubKey: KeyFile, origin: string, earlier: readonly EarlierCheckpointKey[] = []): LogKeys {
  if (!isValidNoteKeyName(origin)) {
    throw new LtError('VALIDATION_FAILED', `log origin ${JSON.stringify(origin)} must be non-empty, without white space or "+"`, { field: 'origin' });
  }
  if (hubKey.alg !== 'EdDSA') {
    throw new LtError('VALIDATION_FAILED', `hub key ${hubKey.keyId} is ${hubKey.alg}; checkpoints are signed notes and need an Ed25519 (EdDSA) key`, {
      field: 'hubKey',
    });
  }
  const privateKey = createPrivateKey({ key: hubKey.privateJwk as never, format: 'jwk' });
  const publicKey = createPublicKey(privateKey);
  const verifier = createNoteVerifier(origin, publicKey);
  const vkey = encodeVerifierKey(origin, publicKey);
  const verifiers = [verifier];
  const vkeys = [vkey];
  for (const k of earlier) {
    // Ed25519 only: a note key of another algorithm cannot have signed a checkpoint
    if (k.keyId === hubKey.keyId || k.alg !== 'EdDSA') continue;
    const pub = createPublicKey({ key: k.publicJwk as never, format: 'jwk' });
    const v = encodeVerifierKey(origin, pub);
    if (vkeys.includes(v)) continue;
    verifiers.push(createNoteVerifier(origin, pub));
    vkeys.push(v);
  }
  return {
    origin,
    signer: createNoteSigner(origin, privateKey),
    verifier,
    vkey,
    verifiers,
    vkeys,
    hubKeyId: hubKey.keyId,
    hubPublicJwk: hubKey.publicJwk,
  };
}
