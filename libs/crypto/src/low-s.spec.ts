import { sign as nodeSign, verify as nodeVerify } from 'node:crypto';
import { JWS_TYP } from '@lt/contracts';
import { base64urlEncode } from './base64url';
import { decodeJws, signEnvelope, verifyDecoded } from './jws';
import { generateSigningKey, importPrivateKey, importPublicKey, isHighS, toLowS, type SigningKey, type VerifyKey } from './keys';
import { catchLtError } from './test-helpers';
import { VerifierPool } from './verifier-pool';

const KID = '000.00.00.H41#k1';
const N = BigInt('0xffffffff00000000ffffffffffffffffbce6faada7179e84f3b9cac2fc632551');

/** The other ECDSA form of a raw r||s signature: S replaced by n - S (valid for the same key and data). */
function twin(signature: Buffer): Buffer {
  const s = BigInt(`0x${signature.subarray(32).toString('hex')}`);
  return Buffer.concat([signature.subarray(0, 32), Buffer.from((N - s).toString(16).padStart(64, '0'), 'hex')]);
}

let ec: { signing: SigningKey; verifying: VerifyKey };
let ed: { signing: SigningKey; verifying: VerifyKey };
let pool: VerifierPool;
beforeAll(async () => {
  const e = await generateSigningKey('ES256');
  ec = { signing: importPrivateKey(e.privateJwk, 'ES256'), verifying: importPublicKey(e.publicJwk, 'ES256') };
  const d = await generateSigningKey('EdDSA');
  ed = { signing: importPrivateKey(d.privateJwk, 'EdDSA'), verifying: importPublicKey(d.publicJwk, 'EdDSA') };
  pool = new VerifierPool({ size: 1 });
});
afterAll(() => pool.close());

describe('ES256 low-S', () => {
  it('isHighS compares S with n/2: n/2 itself is low, n/2 + 1 is high', () => {
    const r = Buffer.alloc(32, 1);
    const half = Buffer.from((N / 2n).toString(16).padStart(64, '0'), 'hex');
    const above = Buffer.from((N / 2n + 1n).toString(16).padStart(64, '0'), 'hex');
    expect(isHighS(Buffer.concat([r, half]))).toBe(false);
    expect(isHighS(Buffer.concat([r, above]))).toBe(true);
    expect(toLowS(Buffer.concat([r, above])).subarray(32).toString('hex')).toBe((N - (N / 2n + 1n)).toString(16).padStart(64, '0'));
  });

  it('our ES256 signatures are always low-S (OpenSSL alone gives high-S about half the time)', () => {
    const data = Buffer.from('probe');
    const raw = Array.from({ length: 64 }, () => nodeSign('sha256', data, { key: ec.signing.keyObject, dsaEncoding: 'ieee-p1363' }));
    expect(raw.some(isHighS)).toBe(true);
    for (let i = 0; i < 64; i++) {
      const sig = ec.signing.sign(Buffer.from(`message ${i}`));
      expect(isHighS(sig)).toBe(false);
      expect(ec.verifying.verify(Buffer.from(`message ${i}`), sig)).toBe(true);
    }
  });

  it('refuses the high-S twin of a valid signature: VerifyKey, decoded JWS and the verifier pool', async () => {
    const jws = signEnvelope({ id: 'x', n: 1 }, ec.signing, KID);
    const low = Buffer.from(jws.signature, 'base64url');
    const high = twin(low);
    const decoded = decodeJws({ ...jws, signature: base64urlEncode(high) });
    // the twin is a mathematically valid ECDSA signature: plain OpenSSL accepts it
    expect(nodeVerify('sha256', decoded.signingInput, { key: ec.verifying.keyObject, dsaEncoding: 'ieee-p1363' }, high)).toBe(true);
    expect(isHighS(high)).toBe(true);
    expect(ec.verifying.verify(decoded.signingInput, high)).toBe(false);
    expect(verifyDecoded(decoded, ec.verifying)).toBe(false);
    const item = { signingInput: decoded.signingInput, alg: 'ES256' as const, kid: KID, key: ec.verifying };
    expect(await pool.verifyBatch([{ ...item, signature: high }, { ...item, signature: low }])).toEqual([false, true]);
  });

  it('leaves EdDSA alone: an Ed25519 signature whose second half reads above n/2 still verifies', async () => {
    let sig: Buffer | undefined;
    let data: Buffer | undefined;
    for (let i = 0; i < 200 && !sig; i++) {
      data = Buffer.from(`ed ${i}`);
      const s = ed.signing.sign(data);
      if (isHighS(s)) sig = s;
    }
    expect(sig).toBeDefined();
    expect(ed.verifying.verify(data!, sig!)).toBe(true);
    expect(await pool.verifyBatch([{ signingInput: data!, signature: sig!, alg: 'EdDSA', kid: '000.00.05.H41#e', key: ed.verifying }])).toEqual([true]);
  });
});

describe('signed JSON with a repeated member', () => {
  it('refuses a protected header that names alg twice', () => {
    const protectedB64 = base64urlEncode(`{"alg":"ES256","kid":"${KID}","typ":"${JWS_TYP}","alg":"EdDSA"}`);
    const payload = base64urlEncode('{}');
    const jws = { protected: protectedB64, payload, signature: base64urlEncode(ec.signing.sign(Buffer.from(`${protectedB64}.${payload}`))) };
    const err = catchLtError(() => decodeJws(jws), 'SCHEMA_INVALID');
    expect(err.details).toMatchObject({ field: 'protected', reason: 'duplicate_key', member: 'alg' });
    expect(err.message).toMatch(/"alg"/);
  });
});
