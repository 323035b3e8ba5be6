import { HUB_KID_PREFIX, JWS_TYP, type AgencyKvEntry, type FlattenedJws, type Tier } from '@lt/contracts';
import { base64urlEncode, generateSigningKey, importPrivateKey, type SigningKey } from '@lt/crypto';

/** Test agencies and hub keys as the registry would mirror them into KV. Not exported by the SDK. */
export interface TestAgency {
  code: string;
  keyId: string;
  kid: string;
  privateJwk: Record<string, unknown>;
  publicJwk: Record<string, unknown>;
  signer: SigningKey;
  entry: AgencyKvEntry;
}

export async function makeTestAgency(
  code: string,
  opts: { tier?: Tier; parentCode?: string | null; status?: 'active' | 'suspended' | 'closed'; keyId?: string } = {},
): Promise<TestAgency> {
  const g = await generateSigningKey('EdDSA', opts.keyId ?? 'k1');
  const kid = `${code}#${g.keyId}`;
  return {
    code,
    keyId: g.keyId,
    kid,
    privateJwk: g.privateJwk as Record<string, unknown>,
    publicJwk: g.publicJwk as Record<string, unknown>,
    signer: importPrivateKey(g.privateJwk, 'EdDSA'),
    entry: {
      agency: {
        code,
        name: `Agency ${code}`,
        tier: opts.tier ?? 'province',
        parentCode: opts.parentCode ?? null,
        status: opts.status ?? 'active',
        successorCode: null,
        validFrom: '2020-01-01T00:00:00.000Z',
        validTo: null,
        version: 1,
      },
      keys: [
        {
          kid,
          keyId: g.keyId,
          alg: 'EdDSA',
          publicJwk: g.publicJwk as Record<string, unknown>,
          notBefore: '2020-01-01T00:00:00.000Z',
          notAfter: null,
          revokedAt: null,
        },
      ],
    },
  };
}

export interface TestHubKey {
  kid: string;
  signer: SigningKey;
  publicJwk: Record<string, unknown>;
}

export async function makeHubKey(keyId = 'hub-test'): Promise<TestHubKey> {
  const g = await generateSigningKey('EdDSA', keyId);
  return { kid: `${HUB_KID_PREFIX}${keyId}`, signer: importPrivateKey(g.privateJwk, 'EdDSA'), publicJwk: g.publicJwk as Record<string, unknown> };
}

export function hubKeysValue(...keys: TestHubKey[]): { keys: Array<{ kid: string; alg: 'EdDSA'; publicJwk: Record<string, unknown> }> } {
  return { keys: keys.map((k) => ({ kid: k.kid, alg: 'EdDSA', publicJwk: k.publicJwk })) };
}

/** A hub-signed flattened JWS (signEnvelope refuses a non-agency kid, so sign by hand). */
export function hubSign(envelope: object, key: TestHubKey): FlattenedJws {
  const protectedB64 = base64urlEncode(JSON.stringify({ alg: 'EdDSA', kid: key.kid, typ: JWS_TYP }));
  const payloadB64 = base64urlEncode(JSON.stringify(envelope));
  const signature = key.signer.sign(Buffer.from(`${protectedB64}.${payloadB64}`, 'latin1'));
  return { protected: protectedB64, payload: payloadB64, signature: base64urlEncode(signature) };
}

export const SAMPLE_BODY = {
  code: { codeNumber: '123', codeNotation: 'UBND-VP' },
  subject: 'Về việc triển khai liên thông văn bản',
  promulgationInfo: { place: 'Huế', promulgationDate: '2026-11-20' },
  otherInfo: { priority: 1 as const },
};
