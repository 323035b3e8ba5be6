/**
 * Runs `fn` over items with at most `limit` calls in flight: many concurrent JetStream publishes
 * are what make bulk mirroring fast, an unbounded number only piles up timeouts.
 */
export async function forEachInFlight<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const item = items[next++]!;
      await fn(item);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
