import { HUB_KID_PREFIX, JWS_TYP, type FlattenedJws } from '@lt/contracts';
import { base64urlEncode, importPrivateKey, type SigningKey } from '@lt/crypto';
import type { KeyFile } from '@lt/platform';

/**
 * Signs what the hub itself says with the hub key, kid `hub#<key id>` (agencies' SDKs check it
 * against the hub keys in KV). libs/crypto's signEnvelope accepts agency kids only, so the JWS is
 * assembled here with the same protected header {alg, kid, typ}.
 */
export class HubEnvelopeSigner {
  readonly kid: string;
  private readonly key: SigningKey;

  constructor(keyFile: KeyFile) {
    this.key = importPrivateKey(keyFile.privateJwk, keyFile.alg);
    this.kid = `${HUB_KID_PREFIX}${keyFile.keyId}`;
  }

  get publicKey() {
    return this.key.publicKey;
  }

  sign(envelope: object): { jws: FlattenedJws; bytes: Buffer } {
    const protectedB64 = base64urlEncode(JSON.stringify({ alg: this.key.alg, kid: this.kid, typ: JWS_TYP }));
    const payloadB64 = base64urlEncode(JSON.stringify(envelope));
    const signature = base64urlEncode(this.key.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1')));
    const jws: FlattenedJws = { protected: protectedB64, payload: payloadB64, signature };
    return { jws, bytes: Buffer.from(JSON.stringify(jws)) };
  }
}
