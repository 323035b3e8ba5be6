import { processGauge } from './process-metrics';
import { checkReadiness, type ReadinessCheck } from './readiness';

let served: Record<string, ReadinessCheck> = {};

/**
 * `lt_service_ready`: 1 when every readiness check passes (what `/health/ready` answers), read at
 * scrape time, so an alert rule can tell a process that answers but cannot work from a healthy one.
 */
export function trackReadiness(checks: Record<string, ReadinessCheck>): void {
  served = checks;
  processGauge({
    name: 'lt_service_ready',
    help: 'Whether every readiness check of this process passes (1) or not (0), as /health/ready answers',
    async collect() {
      this.set((await checkReadiness(served)).ready ? 1 : 0);
    },
  });
}
