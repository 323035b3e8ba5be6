import { HUB_KID_PREFIX, JWS_TYP, type Envelope, type FlattenedJws, type StatusBody } from '@lt/contracts';
import { base64urlEncode, importPrivateKey, type JWK, type SigningKey } from '@lt/crypto';
import type { KeyFile } from '@lt/platform';

/** Public half of the hub key, as published under HUB_KEYS_KV_KEY. */
export interface HubPublicKey {
  kid: string;
  alg: 'EdDSA' | 'ES256';
  publicJwk: JWK;
}

const STATUS_DESCRIPTION_MAX = 500;

/**
 * Signs what the hub itself says (refusals) with the hub key, kid `hub#<key id>`. libs/crypto's
 * signEnvelope only accepts agency kids (`<code>#<key id>`), so the JWS is assembled here with
 * the same protected header shape {alg, kid, typ}.
 */
export class HubSigner {
  readonly kid: string;
  readonly publicKey: HubPublicKey;
  private readonly key: SigningKey;

  constructor(keyFile: KeyFile) {
    this.key = importPrivateKey(keyFile.privateJwk, keyFile.alg);
    this.kid = `${HUB_KID_PREFIX}${keyFile.keyId}`;
    this.publicKey = { kid: this.kid, alg: keyFile.alg, publicJwk: this.key.publicKey.jwk };
  }

  sign(envelope: object): { jws: FlattenedJws; bytes: Buffer } {
    const protectedB64 = base64urlEncode(JSON.stringify({ alg: this.key.alg, kid: this.kid, typ: JWS_TYP }));
    const payloadB64 = base64urlEncode(JSON.stringify(envelope));
    const signature = base64urlEncode(this.key.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1')));
    const jws: FlattenedJws = { protected: protectedB64, payload: payloadB64, signature };
    return { jws, bytes: Buffer.from(JSON.stringify(jws)) };
  }
}

/** The status 02 the hub sends back to the sender of a refused envelope. */
export function refusalEnvelope(p: {
  id: string;
  hubAgency: string;
  sender: string;
  responseFor: string;
  reasonCode: string;
  reason: string;
  at: Date;
}): Envelope<StatusBody> {
  const iso = p.at.toISOString();
  return {
    id: p.id,
    kind: 'status',
    from: p.hubAgency,
    to: [p.sender],
    issuedAt: iso,
    body: {
      responseFor: p.responseFor,
      statusCode: '02',
      reasonCode: p.reasonCode,
      description: clip(p.reason, STATUS_DESCRIPTION_MAX),
      timestamp: iso,
    },
  };
}

function clip(text: string, max: number): string {
  // a reason may quote hostile input: controls (other than \n, \t) would make the 02 itself invalid
   
  const chars = [...text.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\ufffe\uffff]/gu, (c) => `\\u${c.codePointAt(0)!.toString(16).padStart(4, '0')}`)];
  return chars.length <= max ? chars.join('') : `${chars.slice(0, max - 1).join('')}…`;
}
