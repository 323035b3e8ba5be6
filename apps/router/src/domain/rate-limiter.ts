/** Sustained submissions per second and the burst above it, per agency. ratePerSecond 0 = no limit. */
export interface SubmissionRate {
  ratePerSecond: number;
  burst: number;
}

interface Bucket {
  tokens: number;
  atMs: number;
}

/** Buckets kept before the full (idle) ones are forgotten; a full bucket is the same as none. */
const PRUNE_ABOVE = 20_000;

/**
 * One token bucket per submit subject (= per agency: NATS permissions let an agency publish only
 * on its own). Time is the hub's receive time of each submission (its JetStream timestamp), not
 * the router's clock: a backlog the router works off after an outage was sent at its own pace and
 * is not a burst, and the verdict does not depend on how fast the router happens to be.
 */
export class SubmissionRateLimiter {
  private readonly buckets = new Map<string, Bucket>();

  constructor(readonly rate: SubmissionRate) {}

  get enabled(): boolean {
    return this.rate.ratePerSecond > 0;
  }

  /** Takes a token for `key` at `atMs`; false = over the rate (no token taken). */
  take(key: string, atMs: number): boolean {
    if (!this.enabled) return true;
    let b = this.buckets.get(key);
    if (!b) {
      if (this.buckets.size >= PRUNE_ABOVE) this.forgetFull(atMs);
      b = { tokens: this.rate.burst, atMs };
      this.buckets.set(key, b);
    } else if (atMs > b.atMs) {
      // timestamps of one subject only go back for a redelivered submission: no refill then
      b.tokens = Math.min(this.rate.burst, b.tokens + ((atMs - b.atMs) * this.rate.ratePerSecond) / 1000);
      b.atMs = atMs;
    }
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  get size(): number {
    return this.buckets.size;
  }

  private forgetFull(atMs: number): void {
    for (const [key, b] of this.buckets) {
      if (b.tokens + ((atMs - b.atMs) * this.rate.ratePerSecond) / 1000 >= this.rate.burst) this.buckets.delete(key);
    }
  }
}
