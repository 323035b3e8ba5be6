import { processGauge } from './process-metrics';

/** What a JetStream consumer's info says about its backlog. */
export interface ConsumerBacklog {
  /** messages of the stream not yet delivered to the consumer */
  pending: number;
  /** delivered, not yet acknowledged */
  ackPending: number;
}

interface Tracked {
  stream: string;
  consumer: string;
  read: () => Promise<ConsumerBacklog>;
}

const tracked = new Map<string, Tracked>();
/** a scrape waits at most this long for a consumer's info; a slow one is left out of that scrape */
const READ_TIMEOUT_MS = 1_000;

/**
 * Reports a consumer this process runs as `lt_consumer_pending_messages` and
 * `lt_consumer_ack_pending`, read at scrape time (the process may read its own consumer's info).
 * Returns the removal, for when the consumer stops.
 */
export function trackConsumerBacklog(stream: string, consumer: string, read: () => Promise<ConsumerBacklog>): () => void {
  const key = `${stream}/${consumer}`;
  const entry = { stream, consumer, read };
  tracked.set(key, entry);
  registerBacklogGauges();
  return () => {
    if (tracked.get(key) === entry) tracked.delete(key);
  };
}

function registerBacklogGauges(): void {
  // one read per consumer per scrape, shared by both gauges
  let current: Promise<Array<{ t: Tracked; b: ConsumerBacklog | null }>> | undefined;
  const readAll = () =>
    (current ??= Promise.all([...tracked.values()].map(async (t) => ({ t, b: await withTimeout(t.read()) }))).finally(() =>
      setImmediate(() => (current = undefined)),
    ));
  const gauge = (name: string, help: string, pick: (b: ConsumerBacklog) => number) =>
    processGauge({
      name,
      help,
      labelNames: ['stream', 'consumer'],
      async collect() {
        this.reset();
        for (const { t, b } of await readAll()) if (b) this.set({ stream: t.stream, consumer: t.consumer }, pick(b));
      },
    });
  gauge('lt_consumer_pending_messages', 'Messages of the stream not yet delivered to this consumer (read at scrape time)', (b) => b.pending);
  gauge('lt_consumer_ack_pending', 'Messages delivered to this consumer and not yet acknowledged (read at scrape time)', (b) => b.ackPending);
}

async function withTimeout<T>(p: Promise<T>): Promise<T | null> {
  let timer: NodeJS.Timeout | undefined;
  try {
    return await Promise.race([p, new Promise<null>((r) => (timer = setTimeout(() => r(null), READ_TIMEOUT_MS)))]);
  } catch {
    return null;
  } finally {
    clearTimeout(timer);
  }
}
