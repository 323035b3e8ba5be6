import type { Topology } from '@lt/contracts';
import { CLOCK, LOGGER, systemClock, type Clock, type Logger } from '@lt/platform';
import type { Provider } from '@nestjs/common';
import type { NatsConnection } from '@nats-io/transport-node';

/** Injection token of the service's single NATS connection (opened and drained by main.ts). */
export const NATS_CONNECTION = Symbol('NATS_CONNECTION');
/** Injection token of the service's Topology (namespace of its subjects, streams and buckets). */
export const TOPOLOGY = Symbol('TOPOLOGY');

/** What every hub service module is handed by its caller (main.ts, createXService, tests). */
export interface HubServiceInfra {
  /** the service's single NATS connection (opened and drained by the caller) */
  nc: NatsConnection;
  log: Logger;
  topology: Topology;
  /** default: the system clock */
  clock?: Clock;
}

/** The providers every hub service module starts from: NATS_CONNECTION, TOPOLOGY, LOGGER, CLOCK. */
export function hubServiceProviders(infra: HubServiceInfra): Provider[] {
  return [
    { provide: NATS_CONNECTION, useValue: infra.nc },
    { provide: TOPOLOGY, useValue: infra.topology },
    { provide: LOGGER, useValue: infra.log },
    { provide: CLOCK, useValue: infra.clock ?? systemClock },
  ];
}
