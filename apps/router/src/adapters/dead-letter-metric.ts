import { jetstreamManager } from '@nats-io/jetstream';
import type { Topology } from '@lt/contracts';
import type { NatsConnection } from '@lt/messaging';
import { processGauge } from '@lt/observability';

/** the dead-letter stream of the router running in this process (the last one started) */
let source: { nc: NatsConnection; stream: string } | undefined;
const READ_TIMEOUT_MS = 1_000;

/**
 * `lt_dlq_messages`: the depth of the hub's dead-letter stream, read at scrape time (the router's
 * NATS user may read that stream's info). Returns the removal, for the router's stop.
 */
export function trackDeadLetterDepth(nc: NatsConnection, topo: Topology): () => void {
  const mine = { nc, stream: topo.streams.deadLetter };
  source = mine;
  processGauge({
    name: 'lt_dlq_messages',
    help: 'Messages in the dead-letter stream: submissions the router gave up on (read at scrape time)',
    // labelled: a gauge without labels reports 0 after reset(), where an unreadable stream must report nothing
    labelNames: ['stream'],
    async collect() {
      this.reset();
      const s = source;
      if (!s) return;
      let timer: NodeJS.Timeout | undefined;
      try {
        const read = jetstreamManager(s.nc).then((jsm) => jsm.streams.info(s.stream));
        const info = await Promise.race([read, new Promise<null>((r) => (timer = setTimeout(() => r(null), READ_TIMEOUT_MS)))]);
        if (info) this.set({ stream: s.stream }, info.state.messages);
      } catch {
        // unreadable now (NATS down): left out of this scrape rather than reported as 0
      } finally {
        clearTimeout(timer);
      }
    },
  });
  return () => {
    if (source === mine) source = undefined;
  };
}
