import { HUB_KID_PREFIX, JWS_TYP, type AgencyStatus, type FlattenedJws, type Tier } from '@lt/contracts';
import { base64urlEncode, generateSigningKey, importPrivateKey, type SigningKey } from '@lt/crypto';
import { testAgency, type TestAgency as DirectoryTestAgency } from '@lt/directory';
import type { KeyFile } from '@lt/platform';

/** A test agency (key and KV entry) with its key file's fields flat, as connect() takes them. Not exported by the SDK. */
export interface TestAgency extends DirectoryTestAgency, Pick<KeyFile, 'keyId' | 'privateJwk' | 'publicJwk'> {
  signer: SigningKey;
}

export async function makeTestAgency(
  code: string,
  opts: { tier?: Tier; parentCode?: string | null; status?: AgencyStatus; keyId?: string } = {},
): Promise<TestAgency> {
  const t = testAgency(code, opts);
  return { ...t, keyId: t.key.keyId, privateJwk: t.key.privateJwk, publicJwk: t.key.publicJwk, signer: t.signingKey };
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
