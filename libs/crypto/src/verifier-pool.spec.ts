import type { SigningAlg } from '@lt/contracts';
import { decodeJws, signEnvelope, verifyDecoded } from './jws';
import { generateSigningKey, importPrivateKey, importPublicKey, type JWK, type SigningKey, type VerifyKey } from './keys';
import { defaultPoolSize, toVerifyItem, VerifierPool, type VerifyItem } from './verifier-pool';

interface Agency {
  kid: string;
  alg: SigningAlg;
  signing: SigningKey;
  verifying: VerifyKey;
  publicJwk: JWK;
}

const agencies: Agency[] = [];
const pools: VerifierPool[] = [];
function pool(options?: ConstructorParameters<typeof VerifierPool>[0]): VerifierPool {
  const p = new VerifierPool(options);
  pools.push(p);
  return p;
}

beforeAll(async () => {
  const codes = ['000.00.00.H41', '000.00.05.H41', '000.12.05.H41', '000.00.00.G01'];
  for (const [i, code] of codes.entries()) {
    const alg: SigningAlg = i % 2 === 0 ? 'EdDSA' : 'ES256';
    const g = await generateSigningKey(alg);
    agencies.push({ kid: `${code}#${g.keyId}`, alg, signing: importPrivateKey(g.privateJwk, alg), verifying: importPublicKey(g.publicJwk, alg), publicJwk: g.publicJwk });
  }
});
afterAll(async () => {
  await Promise.all(pools.map((p) => p.close()));
});

/** A mixed batch: valid, tampered payload, flipped signature, wrong key, alg confusion, key given three ways. */
function mixedBatch(count: number): { items: VerifyItem[]; expected: boolean[] } {
  const items: VerifyItem[] = [];
  const expected: boolean[] = [];
  for (let i = 0; i < count; i++) {
    const a = agencies[i % agencies.length]!;
    const jws = signEnvelope({ id: `m${i}`, body: 'x'.repeat(i % 50) }, a.signing, a.kid);
    const keyForm = i % 3 === 0 ? a.verifying : i % 3 === 1 ? a.verifying.spki : a.publicJwk;
    const decoded = decodeJws(jws);
    let item = toVerifyItem(decoded, keyForm);
    const key: VerifyKey = a.verifying;
    switch (i % 7) {
      case 1: // tampered payload
        item = toVerifyItem(decodeJws({ ...jws, payload: Buffer.from(`{"id":"m${i}","evil":1}`).toString('base64url') }), keyForm);
        break;
      case 2: {
        const sig = Buffer.from(decoded.signature);
        sig[5]! ^= 0x80;
        item = { ...item, signature: sig };
        break;
      }
      case 3: {
        // right kid, wrong key: another agency of the same alg signs it
        const forger = agencies[(i + 2) % agencies.length]!;
        item = toVerifyItem(decodeJws(signEnvelope({ id: `m${i}` }, forger.signing, a.kid)), keyForm);
        break;
      }
      case 4: {
        // header alg says the other algorithm than the key has
        item = { ...item, alg: a.alg === 'EdDSA' ? 'ES256' : 'EdDSA' };
        break;
      }
      default:
        break;
    }
    items.push(item);
    // the oracle is the single-thread path
    expected.push(item.alg === key.alg && key.verify(item.signingInput, item.signature));
  }
  return { items, expected };
}

describe('VerifierPool', () => {
  it('defaults to availableParallelism - 1 workers, at least one', () => {
    expect(defaultPoolSize()).toBeGreaterThanOrEqual(1);
    expect(() => new VerifierPool({ size: 0 })).toThrow(/at least 1/);
  });

  it('gives the same answers as single-thread verification on a mixed batch', async () => {
    const { items, expected } = mixedBatch(140);
    expect(expected.filter(Boolean).length).toBeGreaterThan(20);
    expect(expected.filter((v) => !v).length).toBeGreaterThan(20);
    const p = pool({ size: 2, minChunk: 8 });
    expect(await p.verifyBatch(items)).toEqual(expected);
    // second run: keys now come from the workers' caches
    expect(await p.verifyBatch(items)).toEqual(expected);
  });

  it('agrees with verifyDecoded item by item', async () => {
    const a = agencies[0]!;
    const decoded = [decodeJws(signEnvelope({ n: 1 }, a.signing, a.kid)), decodeJws(signEnvelope({ n: 2 }, agencies[2]!.signing, a.kid))];
    const results = await pool({ size: 1 }).verifyBatch(decoded.map((d) => toVerifyItem(d, a.verifying)));
    expect(results).toEqual(decoded.map((d) => verifyDecoded(d, a.verifying)));
    expect(results).toEqual([true, false]);
  });

  it('handles concurrent batches and an empty batch', async () => {
    const p = pool({ size: 2, minChunk: 4 });
    const batches = [mixedBatch(30), mixedBatch(7), mixedBatch(61)];
    const results = await Promise.all(batches.map((b) => p.verifyBatch(b.items)));
    results.forEach((r, i) => expect(r).toEqual(batches[i]!.expected));
    expect(await p.verifyBatch([])).toEqual([]);
  });

  it('re-sends a key when a kid comes back with different material', async () => {
    const p = pool({ size: 1 });
    const [a, , c] = agencies as [Agency, Agency, Agency];
    const signedByC = toVerifyItem(decodeJws(signEnvelope({ n: 1 }, c.signing, a.kid)), a.verifying);
    expect(await p.verifyBatch([signedByC])).toEqual([false]);
    // same kid now registered with c's key (e.g. a registry correction)
    expect(await p.verifyBatch([{ ...signedByC, key: c.verifying }])).toEqual([true]);
    expect(await p.verifyBatch([signedByC, { ...signedByC, key: c.publicJwk }])).toEqual([false, true]);
  });

  it('answers false for unusable keys and refuses non-byte inputs and private JWKs', async () => {
    const p = pool({ size: 1 });
    const a = agencies[0]!;
    const item = toVerifyItem(decodeJws(signEnvelope({ n: 1 }, a.signing, a.kid)), a.verifying);
    expect(await p.verifyBatch([{ ...item, kid: 'junk#1', key: Buffer.from('not a key') }, { ...item, alg: 'none' as SigningAlg }, { ...item, signature: item.signature.subarray(1) }, item])).toEqual([false, false, false, true]);
    await expect(p.verifyBatch([{ ...item, signature: 'abc' as unknown as Uint8Array }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    const { privateJwk } = await generateSigningKey('EdDSA');
    await expect(p.verifyBatch([{ ...item, key: privateJwk }])).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
  });

  it('fails the batches of a worker that dies, replaces it and keeps answering', async () => {
    const p = pool({ size: 1 });
    const { items, expected } = mixedBatch(14);
    const many = Array.from({ length: 150 }, () => items).flat();
    const inFlight = p.verifyBatch(many);
    // kill the worker under the batch (white-box: the slot list is private)
    void (p as unknown as { slots: { worker: { terminate(): Promise<number> } }[] }).slots[0]!.worker.terminate();
    await expect(inFlight).rejects.toMatchObject({ code: 'INTERNAL' });
    // the replacement starts with an empty key cache: keys must be sent again
    expect(await p.verifyBatch(items)).toEqual(expected);
  });

  it('fails in-flight batches with UNAVAILABLE on close', async () => {
    const p = new VerifierPool({ size: 1 });
    const { items } = mixedBatch(14);
    const inFlight = p.verifyBatch(Array.from({ length: 150 }, () => items).flat());
    const refused = expect(inFlight).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await p.close();
    await refused;
  });

  it('refuses work after close', async () => {
    const p = new VerifierPool({ size: 1 });
    await p.close();
    await expect(p.verifyBatch([])).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await p.close();
  });
});
