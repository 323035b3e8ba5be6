import { Inject, Injectable } from '@nestjs/common';
import type { Topology } from '@lt/contracts';
import { NATS_CONNECTION, TOPOLOGY, type NatsConnection } from '@lt/messaging';
import { collectServiceStatus, type ServiceStatus } from '@lt/observability';

/** how long /health waits for the services' status answers */
export const STATUS_TIMEOUT_MS = 800;
/** answers are reused this long: /health needs no token, and each ask reaches every service process */
export const STATUS_CACHE_MS = 2_000;

/** The status answers of the hub's service processes, asked over NATS at most once per STATUS_CACHE_MS. */
@Injectable()
export class ServiceStatusProbe {
  private last?: { at: number; answers: Promise<ServiceStatus[]> };

  constructor(
    @Inject(NATS_CONNECTION) private readonly nc: NatsConnection,
    @Inject(TOPOLOGY) private readonly topo: Topology,
  ) {}

  statuses(): Promise<ServiceStatus[]> {
    const now = Date.now();
    if (this.last && now - this.last.at < STATUS_CACHE_MS) return this.last.answers;
    const entry = { at: now, answers: collectServiceStatus(this.nc, this.topo.ns, STATUS_TIMEOUT_MS) };
    this.last = entry;
    // a failed ask is not kept: the next /health asks again
    entry.answers.catch(() => {
      if (this.last === entry) this.last = undefined;
    });
    return entry.answers;
  }
}
