import { AckPolicy, DeliverPolicy, jetstreamManager, type ConsumerConfig } from '@nats-io/jetstream';
import { nanos } from '@nats-io/nats-core';
import type { Topology } from '@lt/contracts';
import { inboxDurableName, type NatsConnection } from '@lt/messaging';

/**
 * Durable name of an agency's inbox consumer, e.g. `000.12.05.H41` -> `inbox_H41_05_12_000`:
 * the one the NATS permission set of the agency names (libs/messaging), so whoever creates the
 * consumer first (the SDK on connect, or the registry at registration) creates this one.
 */
export { inboxDurableName };

export interface InboxConsumerSettings {
  ackWaitMs?: number;
  maxAckPending?: number;
}

/** Consumer config of an agency's inbox: filtered on its exact subject, explicit acks, never given up on. */
export function inboxConsumerConfig(topo: Topology, agencyCode: string, s: InboxConsumerSettings = {}): Partial<ConsumerConfig> & { durable_name: string } {
  return {
    durable_name: inboxDurableName(agencyCode),
    filter_subject: topo.inboxSubject(agencyCode),
    ack_policy: AckPolicy.Explicit,
    deliver_policy: DeliverPolicy.All,
    ack_wait: nanos(s.ackWaitMs ?? 30_000),
    max_ack_pending: s.maxAckPending ?? 256,
    // an inbox copy is never given up on: a document left unacked (or peeked at by the CLI) must
    // come back however often it was delivered; invalid copies are term()ed explicitly instead
    max_deliver: -1,
  };
}

/**
 * Creates the agency's durable inbox consumer, or updates it when its settings differ. Idempotent
 * (JetStream accepts a second identical create), so SDK instances and the registry may race.
 * Returns the durable name.
 */
export async function ensureInboxConsumer(nc: NatsConnection, topo: Topology, agencyCode: string, s: InboxConsumerSettings = {}): Promise<string> {
  const jsm = await jetstreamManager(nc);
  const cfg = inboxConsumerConfig(topo, agencyCode, s);
  let existing: Partial<ConsumerConfig> | undefined;
  try {
    existing = (await jsm.consumers.info(topo.streams.inbox, cfg.durable_name)).config;
  } catch (err) {
    if (!/not found/i.test((err as Error).message)) throw err;
  }
  if (!existing) {
    await jsm.consumers.add(topo.streams.inbox, cfg);
  } else if (existing.ack_wait !== cfg.ack_wait || existing.max_ack_pending !== cfg.max_ack_pending || existing.max_deliver !== cfg.max_deliver) {
    await jsm.consumers.update(topo.streams.inbox, cfg.durable_name, {
      ack_wait: cfg.ack_wait,
      max_ack_pending: cfg.max_ack_pending,
      max_deliver: cfg.max_deliver,
    });
  }
  return cfg.durable_name;
}
