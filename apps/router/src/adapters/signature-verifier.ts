import { toVerifyItem, VerifierPool } from '@lt/crypto';
import type { AwaitingSignature } from '../domain/decision';
import type { SignatureVerifier } from '../ports/signature-verifier';
import { verifySignature } from '../domain/signature';

/** node:crypto on the router's own thread: no hand-off cost, best for small batches. */
export class InlineVerifier implements SignatureVerifier {
  async verify(items: readonly AwaitingSignature[]): Promise<boolean[]> {
    return items.map(verifySignature);
  }
  async close(): Promise<void> {}
}

/**
 * Batches of at least `threshold` signatures go to worker threads (VerifierPool), smaller ones
 * are verified inline. Whether the pool pays depends on what else the cores do (NATS, Postgres):
 * bench/router.bench.ts measures both.
 */
export class PooledVerifier implements SignatureVerifier {
  private readonly pool: VerifierPool;
  private readonly inline = new InlineVerifier();

  constructor(
    private readonly threshold = 64,
    size?: number,
  ) {
    this.pool = new VerifierPool(size === undefined ? {} : { size });
  }

  async verify(items: readonly AwaitingSignature[]): Promise<boolean[]> {
    if (items.length < this.threshold) return this.inline.verify(items);
    const withKey: number[] = [];
    const out: boolean[] = new Array(items.length).fill(false);
    items.forEach((p, i) => {
      if (p.key.key !== null) withKey.push(i);
    });
    const results = await this.pool.verifyBatch(withKey.map((i) => toVerifyItem(items[i]!.decoded, items[i]!.key.key!)));
    withKey.forEach((i, j) => (out[i] = results[j]!));
    return out;
  }

  close(): Promise<void> {
    return this.pool.close();
  }
}
