/**
 * Source of a VerifierPool worker, run with `new Worker(code, { eval: true })` so it works the
 * same from compiled dist and under Jest (no file path to resolve, only node: built-ins).
 *
 * Message in: { id, table: [{ kid, material?: { spki } | { jwk } }], data, bounds, keyIndex, algs }
 *   data     one buffer holding every item's signing input followed by its signature
 *   bounds   3 numbers per item: input start, signature start, signature end (offsets in data)
 *   keyIndex per item, index into table; algs per item, 0 = EdDSA, 1 = ES256
 * Message out: { id, out } with out[i] = 1 when item i verifies.
 * Keys are cached by kid; the pool sends material only when this worker lacks it or it changed.
 */
export const VERIFIER_WORKER_SOURCE = String.raw`
'use strict';
const { parentPort } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const cache = new Map();

function importKey(material) {
  try {
    const key = material.spki
      ? createPublicKey({ key: Buffer.from(material.spki.buffer, material.spki.byteOffset, material.spki.byteLength), format: 'der', type: 'spki' })
      : createPublicKey({ key: material.jwk, format: 'jwk' });
    if (key.type !== 'public') return null;
    if (key.asymmetricKeyType === 'ed25519') return { alg: 0, digest: null, input: key };
    if (key.asymmetricKeyType === 'ec' && key.asymmetricKeyDetails && key.asymmetricKeyDetails.namedCurve === 'prime256v1') {
      return { alg: 1, digest: 'sha256', input: { key, dsaEncoding: 'ieee-p1363' } };
    }
    return null;
  } catch {
    return null;
  }
}

parentPort.on('message', (msg) => {
  const { id, table, data, bounds, keyIndex, algs } = msg;
  const keys = table.map((entry) => {
    if (entry.material) cache.set(entry.kid, importKey(entry.material));
    return cache.get(entry.kid) || null;
  });
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const n = algs.length;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const key = keys[keyIndex[i]];
    // the key type decides the algorithm: an EdDSA header never meets a P-256 key and vice versa
    if (!key || key.alg !== algs[i]) continue;
    const a = bounds[3 * i], b = bounds[3 * i + 1], c = bounds[3 * i + 2];
    if (c - b !== 64) continue;
    try {
      out[i] = verify(key.digest, buf.subarray(a, b), key.input, buf.subarray(b, c)) ? 1 : 0;
    } catch {
      out[i] = 0;
    }
  }
  parentPort.postMessage({ id, out }, [out.buffer]);
});
`;
