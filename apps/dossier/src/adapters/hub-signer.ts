import { HUB_KID_PREFIX, JWS_TYP, type Envelope, type FlattenedJws } from '@lt/contracts';
import { base64urlEncode, importPrivateKey, type SigningKey } from '@lt/crypto';
import type { KeyFile } from '@lt/platform';

/** Default `from` of hub-signed envelopes: the operator of the national axis (HubConfig.hubAgency, LT_HUB_AGENCY). */
export const DEFAULT_HUB_AGENCY = '000.00.00.G22';

/**
 * Signs envelopes as the hub: flattened JWS, protected header {alg, kid: `hub#<key id>`, typ}.
 * `signEnvelope` of libs/crypto only accepts agency kids, hence this small signer. Ed25519 is
 * deterministic, so re-signing the same envelope after a crash gives the same bytes.
 */
export class HubSigner {
  readonly kid: string;
  private readonly key: SigningKey;

  constructor(hubKey: KeyFile) {
    this.key = importPrivateKey(hubKey.privateJwk, hubKey.alg);
    this.kid = `${HUB_KID_PREFIX}${hubKey.keyId}`;
  }

  sign(envelope: Envelope): FlattenedJws {
    const protectedB64 = base64urlEncode(JSON.stringify({ alg: this.key.alg, kid: this.kid, typ: JWS_TYP }));
    const payloadB64 = base64urlEncode(JSON.stringify(envelope));
    const signature = this.key.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1'));
    return { protected: protectedB64, payload: payloadB64, signature: base64urlEncode(signature) };
  }
}
