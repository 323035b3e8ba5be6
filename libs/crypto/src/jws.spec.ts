import { FlattenedSign, flattenedVerify, importJWK } from 'jose';
import { JWS_TYP, type Envelope, type FlattenedJws, type SigningAlg } from '@lt/contracts';
import { base64urlEncode } from './base64url';
import { decodeJws, signEnvelope, verifyDecoded } from './jws';
import { generateSigningKey, importPrivateKey, importPublicKey, toLowS, type JWK, type SigningKey, type VerifyKey } from './keys';
import { catchLtError } from './test-helpers';

const KID = '000.00.00.H41#k1';
const envelope: Envelope = {
  id: '0190a5b2-0000-7000-8000-000000000001',
  kind: 'document',
  from: '000.00.00.H41',
  to: ['000.00.05.H41', { childrenOf: '000.00.05.H41', tier: 'commune' }],
  issuedAt: '2026-11-22T08:00:00.000Z',
  body: { subject: 'Công văn số 12/UBND', urgency: 'thường' },
};

interface KeySet {
  alg: SigningAlg;
  privateJwk: JWK;
  publicJwk: JWK;
  signing: SigningKey;
  verifying: VerifyKey;
}

async function keySet(alg: SigningAlg): Promise<KeySet> {
  const { privateJwk, publicJwk } = await generateSigningKey(alg);
  return { alg, privateJwk, publicJwk, signing: importPrivateKey(privateJwk, alg), verifying: importPublicKey(publicJwk, alg) };
}

function encodeHeader(header: unknown): string {
  return base64urlEncode(JSON.stringify(header));
}

/** Re-signs arbitrary header/payload text with a key, to build hostile but validly signed inputs. */
function forge(key: SigningKey, header: unknown, payload = base64urlEncode('{}')): FlattenedJws {
  const protectedB64 = encodeHeader(header);
  return { protected: protectedB64, payload, signature: base64urlEncode(key.sign(Buffer.from(`${protectedB64}.${payload}`))) };
}

let ed: KeySet;
let ec: KeySet;
beforeAll(async () => {
  ed = await keySet('EdDSA');
  ec = await keySet('ES256');
});
const sets = () => ({ EdDSA: ed, ES256: ec });

describe.each<SigningAlg>(['EdDSA', 'ES256'])('flattened JWS (%s)', (alg) => {
  it('round-trips: header {alg, kid, typ}, payload is the envelope JSON', () => {
    const k = sets()[alg];
    const jws = signEnvelope(envelope, k.signing, KID);
    expect(Object.keys(jws).sort()).toEqual(['payload', 'protected', 'signature']);
    const decoded = decodeJws(jws);
    expect(decoded.header).toEqual({ alg, kid: KID, typ: JWS_TYP });
    expect(JSON.parse(Buffer.from(jws.protected, 'base64url').toString())).toEqual({ alg, kid: KID, typ: JWS_TYP });
    expect(decoded.agencyCode).toBe('000.00.00.H41');
    expect(decoded.keyId).toBe('k1');
    expect(JSON.parse(decoded.payloadBytes.toString('utf8'))).toEqual(envelope);
    expect(decoded.signature).toHaveLength(64);
    expect(verifyDecoded(decoded, k.verifying)).toBe(true);
  });

  it('refuses a tampered payload, header or signature', () => {
    const k = sets()[alg];
    const jws = signEnvelope(envelope, k.signing, KID);
    const otherPayload = base64urlEncode(JSON.stringify({ ...envelope, from: '000.00.05.H41' }));
    expect(verifyDecoded(decodeJws({ ...jws, payload: otherPayload }), k.verifying)).toBe(false);
    const otherHeader = encodeHeader({ alg, kid: '000.00.00.H41#k2', typ: JWS_TYP });
    expect(verifyDecoded(decodeJws({ ...jws, protected: otherHeader }), k.verifying)).toBe(false);
    const sig = Buffer.from(jws.signature, 'base64url');
    for (const at of [0, 31, 32, 63]) {
      const bad = Buffer.from(sig);
      bad[at]! ^= 0x01;
      expect(verifyDecoded(decodeJws({ ...jws, signature: base64urlEncode(bad) }), k.verifying)).toBe(false);
    }
  });

  it('refuses a signature by another key of the same algorithm', async () => {
    const k = sets()[alg];
    const other = await keySet(alg);
    expect(verifyDecoded(decodeJws(signEnvelope(envelope, other.signing, KID)), k.verifying)).toBe(false);
  });

  it('jose flattenedVerify accepts what we sign', async () => {
    const k = sets()[alg];
    const jws = signEnvelope(envelope, k.signing, KID);
    const result = await flattenedVerify(jws, await importJWK(k.publicJwk, alg), { algorithms: [alg] });
    expect(result.protectedHeader).toEqual({ alg, kid: KID, typ: JWS_TYP });
    expect(JSON.parse(Buffer.from(result.payload).toString('utf8'))).toEqual(envelope);
  });

  it('we accept what jose FlattenedSign produces', async () => {
    const k = sets()[alg];
    const jws = await new FlattenedSign(new TextEncoder().encode(JSON.stringify(envelope)))
      .setProtectedHeader({ alg, kid: KID, typ: JWS_TYP })
      .sign(await importJWK(k.privateJwk, alg));
    // jose (WebCrypto) gives either ECDSA form; we accept the low-S one only (see low-s.spec.ts)
    const raw = Buffer.from(jws.signature, 'base64url');
    const decoded = decodeJws({ ...jws, signature: base64urlEncode(alg === 'ES256' ? toLowS(raw) : raw) });
    expect(verifyDecoded(decoded, k.verifying)).toBe(true);
    expect(JSON.parse(decoded.payloadBytes.toString('utf8'))).toEqual(envelope);
  });
});

describe('algorithm confusion', () => {
  it('refuses an EdDSA header checked against an ES256 key and the reverse', () => {
    expect(verifyDecoded(decodeJws(signEnvelope(envelope, ed.signing, KID)), ec.verifying)).toBe(false);
    expect(verifyDecoded(decodeJws(signEnvelope(envelope, ec.signing, KID)), ed.verifying)).toBe(false);
  });

  it('refuses a header that lies about the alg even when the signature bytes are genuine', () => {
    // Ed25519 signature, header claims ES256, checked with the signer's own Ed25519 key
    const lying = forge(ed.signing, { alg: 'ES256', kid: KID, typ: JWS_TYP });
    expect(verifyDecoded(decodeJws(lying), ed.verifying)).toBe(false);
  });

  it.each(['none', 'HS256', 'RS256', 'ES384', 'Ed25519', 'eddsa', ''])('refuses alg %j with BAD_SIGNATURE', (alg) => {
    const err = catchLtError(() => decodeJws(forge(ed.signing, { alg, kid: KID, typ: JWS_TYP })), 'BAD_SIGNATURE');
    expect(err.details?.field).toBe('alg');
    expect(err.message).toContain(JSON.stringify(alg));
  });

  it("refuses alg 'none' with an empty signature", () => {
    const protectedB64 = encodeHeader({ alg: 'none', kid: KID, typ: JWS_TYP });
    catchLtError(() => decodeJws({ protected: protectedB64, payload: base64urlEncode('{}'), signature: '' }), 'BAD_SIGNATURE');
  });
});

describe('decodeJws refuses malformed input with a clear LtError', () => {
  const good = () => signEnvelope(envelope, ed.signing, KID);
  const header = (h: unknown) => ({ ...good(), protected: typeof h === 'string' ? base64urlEncode(h) : encodeHeader(h) });

  it.each<[string, () => unknown, string, RegExp]>([
    ['a string', () => 'a.b.c', 'SCHEMA_INVALID', /JSON object/],
    ['null', () => null, 'SCHEMA_INVALID', /got null/],
    ['an array', () => [good()], 'SCHEMA_INVALID', /array/],
    ['missing payload', () => ({ ...good(), payload: undefined }), 'SCHEMA_INVALID', /"payload".*got nothing/],
    ['numeric signature', () => ({ ...good(), signature: 5 }), 'SCHEMA_INVALID', /"signature".*number/],
    ['unprotected header member', () => ({ ...good(), header: { kid: 'x' } }), 'SCHEMA_INVALID', /"header" is not allowed/],
    ['general serialization', () => ({ payload: good().payload, signatures: [] }), 'SCHEMA_INVALID', /"protected"/],
    ['empty protected', () => ({ ...good(), protected: '' }), 'SCHEMA_INVALID', /protected.*empty/],
    ['empty payload', () => ({ ...good(), payload: '' }), 'SCHEMA_INVALID', /payload.*empty/],
    ['padded payload', () => ({ ...good(), payload: `${good().payload}==` }), 'SCHEMA_INVALID', /payload.*alphabet/],
    ['standard base64 signature', () => ({ ...good(), signature: 'ab+/' }), 'SCHEMA_INVALID', /signature.*alphabet/],
    ['header not JSON', () => header('{alg:'), 'SCHEMA_INVALID', /not valid JSON/],
    ['header a JSON array', () => header([]), 'SCHEMA_INVALID', /JSON object/],
    ['missing alg', () => header({ kid: KID, typ: JWS_TYP }), 'BAD_SIGNATURE', /alg undefined/],
    ['missing kid', () => header({ alg: 'EdDSA', typ: JWS_TYP }), 'BAD_SIGNATURE', /kid is missing/],
    ['malformed kid', () => header({ alg: 'EdDSA', kid: 'H41#k1', typ: JWS_TYP }), 'BAD_SIGNATURE', /agency code part/],
    ['wrong typ', () => header({ alg: 'EdDSA', kid: KID, typ: 'JWT' }), 'BAD_SIGNATURE', /typ "JWT"/],
    ['missing typ', () => header({ alg: 'EdDSA', kid: KID }), 'BAD_SIGNATURE', /typ undefined/],
    ['crit extension', () => header({ alg: 'EdDSA', kid: KID, typ: JWS_TYP, crit: ['b64'], b64: false }), 'BAD_SIGNATURE', /crit/],
    ['oversized payload', () => ({ ...good(), payload: 'A'.repeat(1_500_000) }), 'PAYLOAD_TOO_LARGE', /message limit/],
  ])('%s', (_name, input, code, message) => {
    const err = catchLtError(() => decodeJws(input()), code as 'SCHEMA_INVALID');
    expect(err.message).toMatch(message);
  });

  it('accepts another typ when the caller expects it', () => {
    const jws = forge(ed.signing, { alg: 'EdDSA', kid: KID, typ: 'lt-receipt+jws' });
    expect(verifyDecoded(decodeJws(jws, 'lt-receipt+jws'), ed.verifying)).toBe(true);
  });

  it('signEnvelope refuses a malformed kid', () => {
    expect(catchLtError(() => signEnvelope(envelope, ed.signing, 'k1'), 'VALIDATION_FAILED').details?.field).toBe('kid');
  });
});
