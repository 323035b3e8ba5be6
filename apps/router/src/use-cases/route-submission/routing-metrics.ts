import { processCounter, processHistogram } from '@lt/observability';
import type { Outcome } from '../../domain/decision';

/** The router's counters in this process's metrics registry (served when LT_METRICS_PORT is set). */
const submissions = processCounter({
  name: 'lt_router_submissions_total',
  help: 'Submissions decided: routed, refused (reason = the error code) or duplicate (a replay of an envelope id, ignored)',
  labelNames: ['outcome', 'reason'],
});
const deliveries = processCounter({ name: 'lt_router_deliveries_total', help: 'Inbox copies written (one per recipient of a routed submission)' });
const routingSeconds = processHistogram({
  name: 'lt_router_routing_seconds',
  help: 'From the submission entering the submit stream to its inbox copies written (routed submissions)',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
});

/** Counts a batch's outcomes once its copies are written; writtenAtMs is the wall clock after the PubAcks. */
export function recordRoutingOutcomes(outcomes: readonly Outcome[], writtenAtMs: number): void {
  for (const o of outcomes) {
    if (o.type === 'deliver') {
      submissions.inc({ outcome: 'routed', reason: '' });
      deliveries.inc(o.copies.length);
      routingSeconds.observe(Math.max(0, writtenAtMs - o.facts.receivedAtMs) / 1000);
    } else if (o.type === 'refuse') submissions.inc({ outcome: 'refused', reason: o.reasonCode });
    else submissions.inc({ outcome: 'duplicate', reason: '' });
  }
}
