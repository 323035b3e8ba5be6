import { HUB_KID_PREFIX, JWS_TYP, type FlattenedJws, type SigningAlg } from '@lt/contracts';
import { base64urlEncode } from './base64url';
import { importPrivateKey, type JWK, type SigningKey } from './keys';

/** Public half of the hub key, as published under HUB_KEYS_KV_KEY for agencies' SDKs. */
export interface HubPublicKey {
  kid: string;
  alg: SigningAlg;
  publicJwk: JWK;
}

/**
 * Signs what the hub itself says (refusals, receipts, dossier confirmations and notices) with the
 * hub key, kid `hub#<key id>`, protected header {alg, kid, typ} like every envelope. The key is
 * imported once. Ed25519 is deterministic: re-signing after a crash gives the same bytes, so
 * re-published hub messages deduplicate.
 */
export class HubSigner {
  readonly kid: string;
  readonly publicKey: HubPublicKey;
  private readonly key: SigningKey;

  constructor(hubKey: { keyId: string; alg: SigningAlg; privateJwk: unknown }) {
    this.key = importPrivateKey(hubKey.privateJwk, hubKey.alg);
    this.kid = `${HUB_KID_PREFIX}${hubKey.keyId}`;
    this.publicKey = { kid: this.kid, alg: hubKey.alg, publicJwk: this.key.publicKey.jwk };
  }

  sign(envelope: object): { jws: FlattenedJws; bytes: Buffer } {
    const protectedB64 = base64urlEncode(JSON.stringify({ alg: this.key.alg, kid: this.kid, typ: JWS_TYP }));
    const payloadB64 = base64urlEncode(JSON.stringify(envelope));
    const signature = base64urlEncode(this.key.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1')));
    const jws: FlattenedJws = { protected: protectedB64, payload: payloadB64, signature };
    return { jws, bytes: Buffer.from(JSON.stringify(jws)) };
  }
}
