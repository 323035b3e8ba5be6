import { SubmissionRateLimiter } from './rate-limiter';

describe('SubmissionRateLimiter', () => {
  it('lets a burst through, then the sustained rate', () => {
    const l = new SubmissionRateLimiter({ ratePerSecond: 10, burst: 3 });
    const at0 = [1, 2, 3, 4].map(() => l.take('a', 1_000));
    expect(at0).toEqual([true, true, true, false]);
    // 10/s: one token per 100 ms
    expect(l.take('a', 1_050)).toBe(false);
    expect(l.take('a', 1_100)).toBe(true);
    expect(l.take('a', 1_100)).toBe(false);
    // never more than the burst, however long the pause
    expect([1, 2, 3, 4].map(() => l.take('a', 60_000))).toEqual([true, true, true, false]);
  });

  it('keeps one bucket per key: one agency over its rate does not touch another', () => {
    const l = new SubmissionRateLimiter({ ratePerSecond: 1, burst: 2 });
    expect([l.take('a', 0), l.take('a', 0), l.take('a', 0)]).toEqual([true, true, false]);
    expect([l.take('b', 0), l.take('b', 0)]).toEqual([true, true]);
  });

  it('does not refill for a timestamp older than the last one (a redelivery)', () => {
    const l = new SubmissionRateLimiter({ ratePerSecond: 1, burst: 1 });
    expect(l.take('a', 10_000)).toBe(true);
    expect(l.take('a', 5_000)).toBe(false);
    expect(l.take('a', 10_999)).toBe(false);
    expect(l.take('a', 11_000)).toBe(true);
  });

  it('rate 0 means no limit', () => {
    const l = new SubmissionRateLimiter({ ratePerSecond: 0, burst: 1 });
    expect(l.enabled).toBe(false);
    expect(Array.from({ length: 100 }, () => l.take('a', 0)).every(Boolean)).toBe(true);
    expect(l.size).toBe(0);
  });

  it('forgets idle (full) buckets when it holds many', () => {
    const l = new SubmissionRateLimiter({ ratePerSecond: 1, burst: 1 });
    for (let i = 0; i < 20_000; i++) l.take(`k${i}`, 0);
    expect(l.size).toBe(20_000);
    l.take('late', 5_000); // every earlier bucket has refilled by then
    expect(l.size).toBe(1);
  });
});
