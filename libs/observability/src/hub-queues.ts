import { jetstreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/nats-core';
import type { Topology } from '@lt/contracts';
import { trackConsumerBacklog } from './consumer-lag';
import { processGauge } from './process-metrics';

const READ_TIMEOUT_MS = 1_000;

/** The hub's durable consumers, by stream: what every service reports the lag of. */
export function hubDurables(topo: Topology): Array<{ stream: string; consumer: string }> {
  return [
    { stream: topo.streams.submit, consumer: topo.consumers.router },
    { stream: topo.streams.events, consumer: topo.consumers.audit },
    { stream: topo.streams.inbox, consumer: topo.consumers.auditInbox },
  ];
}

/** the dead-letter stream reported by this process (the last one tracked) */
let deadLetterSource: { nc: NatsConnection; stream: string } | undefined;

/**
 * `lt_dlq_messages`: the depth of the hub's dead-letter stream, read at scrape time (every hub
 * service's NATS user may read stream info). Returns the removal.
 */
export function trackDeadLetterDepth(nc: NatsConnection, topo: Pick<Topology, 'streams'>): () => void {
  const mine = { nc, stream: topo.streams.deadLetter };
  deadLetterSource = mine;
  processGauge({
    name: 'lt_dlq_messages',
    help: 'Messages in the dead-letter stream: submissions the router gave up on (read at scrape time)',
    // labelled: a gauge without labels reports 0 after reset(), where an unreadable stream must report nothing
    labelNames: ['stream'],
    async collect() {
      this.reset();
      const s = deadLetterSource;
      if (!s) return;
      const info = await withTimeout(jetstreamManager(s.nc).then((jsm) => jsm.streams.info(s.stream)));
      // unreadable now (NATS down): left out of this scrape rather than reported as 0
      if (info) this.set({ stream: s.stream }, info.state.messages);
    },
  });
  return () => {
    if (deadLetterSource === mine) deadLetterSource = undefined;
  };
}

/**
 * The hub's queues as every service reports them, so that any one service's metrics URL shows
 * where work waits: the lag of each hub durable consumer (whoever runs it) and the dead-letter
 * depth. Every service's NATS user may read that info (servicePermissions). Returns the removal.
 */
export function trackHubQueues(nc: NatsConnection, topo: Topology): () => void {
  const removals = hubDurables(topo).map(({ stream, consumer }) =>
    trackConsumerBacklog(stream, consumer, async () => {
      const info = await (await jetstreamManager(nc)).consumers.info(stream, consumer);
      return { pending: info.num_pending, ackPending: info.num_ack_pending };
    }),
  );
  removals.push(trackDeadLetterDepth(nc, topo));
  return () => removals.forEach((remove) => remove());
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
