import { jetstreamManager, type ConsumerInfo } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import { subjectTokensToCode, type Topology } from '@lt/contracts';
import { inboxDurableName } from './permissions/agency-permissions';

/** One agency's inbox copies not yet acknowledged by its inbox consumer. */
export interface InboxBacklog {
  agency: string;
  /** copies not yet delivered to the agency */
  pending: number;
  /** delivered, not yet acknowledged */
  ackPending: number;
  /** pending + ackPending: copies the agency has not taken in */
  backlog: number;
}

export interface InboxBacklogs {
  /** agency inbox consumers on the inbox stream */
  consumers: number;
  pending: number;
  ackPending: number;
  /** the largest backlogs, largest first (agencies with none left out) */
  top: InboxBacklog[];
}

type ConsumerFigures = Pick<ConsumerInfo, 'name' | 'num_pending' | 'num_ack_pending'> & { config: Pick<ConsumerInfo['config'], 'filter_subject'> };

/**
 * The agencies' inbox backlogs from the inbox stream's consumers: an agency's is its durable
 * (`inboxDurableName`, filtered on its own inbox subject); outcome consumers and the audit's are
 * not agency inboxes and are left out.
 */
export function summarizeInboxBacklogs(consumers: Iterable<ConsumerFigures>, topo: Pick<Topology, 'ns'>, limit = 10): InboxBacklogs {
  const all: InboxBacklog[] = [];
  let count = 0;
  let pending = 0;
  let ackPending = 0;
  for (const c of consumers) {
    const agency = inboxConsumerAgency(c, topo);
    if (!agency) continue;
    count++;
    pending += c.num_pending;
    ackPending += c.num_ack_pending;
    const backlog = c.num_pending + c.num_ack_pending;
    if (backlog > 0) all.push({ agency, pending: c.num_pending, ackPending: c.num_ack_pending, backlog });
  }
  all.sort((a, b) => b.backlog - a.backlog || a.agency.localeCompare(b.agency));
  return { consumers: count, pending, ackPending, top: all.slice(0, limit) };
}

/** The agency whose inbox consumer this is (its durable, on its own inbox subject), else undefined. */
export function inboxConsumerAgency(c: Pick<ConsumerFigures, 'name' | 'config'>, topo: Pick<Topology, 'ns'>): string | undefined {
  const prefix = `${topo.ns}.inbox.`;
  const filter = c.config.filter_subject;
  if (!filter?.startsWith(prefix)) return undefined;
  try {
    const agency = subjectTokensToCode(filter.slice(prefix.length));
    return c.name === inboxDurableName(agency) ? agency : undefined;
  } catch {
    return undefined;
  }
}

/** Lists the inbox stream's consumers (one paged request per 256) and summarizes them. */
export async function readInboxBacklogs(nc: NatsConnection, topo: Topology, limit = 10): Promise<InboxBacklogs> {
  const jsm = await jetstreamManager(nc);
  const consumers: ConsumerInfo[] = [];
  for await (const c of jsm.consumers.list(topo.streams.inbox)) consumers.push(c);
  return summarizeInboxBacklogs(consumers, topo, limit);
}
