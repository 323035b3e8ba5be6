import { createPrivateKey, createPublicKey } from 'node:crypto';
import { LtError } from '@lt/contracts';
import { createNoteSigner, createNoteVerifier, encodeVerifierKey, isValidNoteKeyName, type NoteSigner, type NoteVerifier } from '@lt/tlog';
import type { KeyFile } from '@lt/platform';

/**
 * The log's signing identity: the hub's Ed25519 key under the note key name = the log origin
 * (C2SP tlog-checkpoint recommends naming the key after the origin). `vkey` is what verifiers pin.
 */
export interface LogKeys {
  origin: string;
  signer: NoteSigner;
  verifier: NoteVerifier;
  /** `<origin>+<key hash>+<base64 key>` (Go note.NewEd25519VerifierKey) */
  vkey: string;
  hubKeyId: string;
  hubPublicJwk: Record<string, unknown>;
}

export function logKeysFromHubKey(hubKey: KeyFile, origin: string): LogKeys {
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
  return {
    origin,
    signer: createNoteSigner(origin, privateKey),
    verifier: createNoteVerifier(origin, publicKey),
    vkey: encodeVerifierKey(origin, publicKey),
    hubKeyId: hubKey.keyId,
    hubPublicJwk: hubKey.publicJwk,
  };
}
