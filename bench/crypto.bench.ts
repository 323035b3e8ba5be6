/**
 * Ed25519 verification throughput on 2 KB envelopes: jose flattenedVerify vs node:crypto on one
 * thread vs VerifierPool. Numbers, not pass/fail.
 *   npm run bench:crypto        (builds, then runs dist/bench/crypto.bench.js)
 * BENCH_MS sets the time per line (default 2000).
 */
import { availableParallelism } from 'node:os';
import { flattenedVerify, importJWK } from 'jose';
import { decodeJws, signEnvelope, verifyDecoded } from '../libs/crypto/src/jws';
import { generateSigningKey, importPrivateKey, importPublicKey } from '../libs/crypto/src/keys';
import { toVerifyItem, VerifierPool } from '../libs/crypto/src/verifier-pool';

const MESSAGES = 2000;
const RUN_MS = Number(process.env.BENCH_MS ?? 2000);

interface Result {
  name: string;
  opsPerSec: number;
}

async function measure(name: string, runRound: () => Promise<number> | number): Promise<Result> {
  // warm up, then run whole rounds until the time is up
  await runRound();
  let ops = 0;
  const start = process.hrtime.bigint();
  let elapsedMs = 0;
  while (elapsedMs < RUN_MS) {
    ops += await runRound();
    elapsedMs = Number(process.hrtime.bigint() - start) / 1e6;
  }
  const result = { name, opsPerSec: Math.round((ops * 1000) / elapsedMs) };
  console.log(`${name.padEnd(58)} ${String(result.opsPerSec).padStart(8)} verifies/s`);
  return result;
}

export async function runCryptoBench(): Promise<Result[]> {
  const { privateJwk, publicJwk } = await generateSigningKey('EdDSA');
  const signing = importPrivateKey(privateJwk, 'EdDSA');
  const verifying = importPublicKey(publicJwk, 'EdDSA');
  const kid = '000.00.00.H41#k1';
  const jwsList = Array.from({ length: MESSAGES }, (_, i) =>
    signEnvelope({ id: `m${i}`, kind: 'document', from: '000.00.00.H41', to: ['000.00.05.H41'], issuedAt: new Date().toISOString(), body: { text: 'x'.repeat(2048) } }, signing, kid),
  );
  const payloadBytes = Buffer.from(jwsList[0]!.payload, 'base64url').length;
  console.log(`Ed25519, ${MESSAGES} distinct envelopes of ${payloadBytes} bytes, node ${process.version}, ${availableParallelism()} CPUs, ${RUN_MS} ms per line`);

  const results: Result[] = [];
  const joseKey = await importJWK(publicJwk, 'EdDSA');
  results.push(
    await measure('jose flattenedVerify, sequential awaits', async () => {
      for (const jws of jwsList) await flattenedVerify(jws, joseKey, { algorithms: ['EdDSA'] });
      return jwsList.length;
    }),
  );
  results.push(
    await measure('jose flattenedVerify, 256 in flight (Promise.all)', async () => {
      for (let i = 0; i < jwsList.length; i += 256) {
        await Promise.all(jwsList.slice(i, i + 256).map((jws) => flattenedVerify(jws, joseKey, { algorithms: ['EdDSA'] })));
      }
      return jwsList.length;
    }),
  );
  const decodedList = jwsList.map((jws) => decodeJws(jws));
  results.push(
    await measure('crypto.verify one thread (verifyDecoded, pre-decoded)', () => {
      for (const d of decodedList) if (!verifyDecoded(d, verifying)) throw new Error('verify failed');
      return decodedList.length;
    }),
  );
  results.push(
    await measure('crypto.verify one thread incl. decodeJws', () => {
      for (const jws of jwsList) if (!verifyDecoded(decodeJws(jws), verifying)) throw new Error('verify failed');
      return jwsList.length;
    }),
  );

  const items = decodedList.map((d) => toVerifyItem(d, verifying));
  for (const size of [undefined, 2]) {
    const pool = new VerifierPool(size === undefined ? {} : { size });
    for (const [batch, inFlight] of [
      [256, 1],
      [256, 4],
      [64, 8],
    ] as const) {
      results.push(
        await measure(`VerifierPool(${pool.size} worker${pool.size > 1 ? 's' : ''}) batch ${batch}, ${inFlight} in flight`, async () => {
          const chunks: (typeof items)[] = [];
          for (let i = 0; i < items.length; i += batch) chunks.push(items.slice(i, i + batch));
          let next = 0;
          const lane = async () => {
            while (next < chunks.length) {
              const out = await pool.verifyBatch(chunks[next++]!);
              if (out.includes(false)) throw new Error('pool verify failed');
            }
          };
          await Promise.all(Array.from({ length: inFlight }, lane));
          return items.length;
        }),
      );
    }
    await pool.close();
  }
  return results;
}

if (require.main === module) {
  runCryptoBench().catch((e) => {
    console.error(e);
    process.exit(1);
  });
}
