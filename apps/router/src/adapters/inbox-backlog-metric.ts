import type { Topology } from '@lt/contracts';
import { readInboxBacklogs, type InboxBacklogs, type NatsConnection } from '@lt/messaging';
import { processGauge } from '@lt/observability';
import type { Logger } from '@lt/platform';

/** agencies reported: the largest backlogs only, so the series stay few whatever the directory's size */
export const INBOX_BACKLOG_TOP = 10;
export const INBOX_BACKLOG_REFRESH_MS = 15_000;

/**
 * `lt_inbox_backlog_messages{agency}`: the ten largest agency inbox backlogs (copies their inbox
 * consumer has not acknowledged), refreshed on a timer rather than at scrape time: it lists every
 * consumer of the inbox stream, one paged request per 256 agencies. The router reports it: it
 * writes the inbox copies, and its NATS user may list that stream's consumers (nothing else the
 * list needs).
 */
export class InboxBacklogMetric {
  private timer?: NodeJS.Timeout;
  private running?: Promise<void>;
  private warned = false;
  private readonly gauge = processGauge({
    name: 'lt_inbox_backlog_messages',
    help: `Inbox copies an agency has not acknowledged yet, for the ${INBOX_BACKLOG_TOP} largest backlogs (refreshed every ${INBOX_BACKLOG_REFRESH_MS / 1000} s)`,
    labelNames: ['agency'],
  });

  constructor(
    private readonly nc: NatsConnection,
    private readonly topo: Topology,
    private readonly log: Logger,
    private readonly intervalMs = INBOX_BACKLOG_REFRESH_MS,
  ) {}

  start(): void {
    void this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.running;
  }

  /** One refresh (a slow list is not started twice). */
  refresh(): Promise<void> {
    return (this.running ??= this.read().finally(() => (this.running = undefined)));
  }

  private async read(): Promise<void> {
    let figures: InboxBacklogs;
    try {
      figures = await readInboxBacklogs(this.nc, this.topo, INBOX_BACKLOG_TOP);
      this.warned = false;
    } catch (err) {
      // unreadable now: no figure rather than a stale one
      this.gauge.reset();
      if (!this.warned)
        this.log.warn({ err: (err as Error).message, stream: this.topo.streams.inbox }, 'cannot read the inbox consumers for lt_inbox_backlog_messages');
      this.warned = true;
      return;
    }
    this.gauge.reset();
    for (const b of figures.top) this.gauge.set({ agency: b.agency }, b.backlog);
  }
}
