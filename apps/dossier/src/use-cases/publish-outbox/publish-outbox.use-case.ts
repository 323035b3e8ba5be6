import type { Logger } from '@lt/platform';
import type { AppliedRecord, DossierPublisher, DossierRepository, OverdueNoticeRecord } from '../../ports';

/**
 * The outbox relay. Facts are committed first (dossier_events, dossier_overdue_notices) and
 * published afterwards: right after the commit by the use case that wrote them, and by `drain()`
 * on a timer for whatever a crash or a NATS outage left behind. Every publish carries a fixed
 * message id, so publishing twice stores once.
 */
export class PublishOutbox {
  constructor(
    private readonly repo: DossierRepository,
    private readonly publisher: DossierPublisher,
    private readonly log: Logger,
  ) {}

  async publishApplied(records: readonly AppliedRecord[]): Promise<void> {
    if (records.length === 0) return;
    await this.publisher.publishEvents(records.map((r) => r.event));
    await Promise.all(records.map((r) => this.publisher.deliverHubEnvelope(r.confirmation, { responseFor: r.envelopeId, dossierCode: r.dossierCode })));
    await this.repo.markAppliedPublished(records.map((r) => r.envelopeId));
  }

  async publishNotices(notices: readonly OverdueNoticeRecord[]): Promise<void> {
    if (notices.length === 0) return;
    await this.publisher.publishEvents(notices.map((n) => n.event));
    await Promise.all(notices.map((n) => this.publisher.deliverHubEnvelope(n.envelope, { dossierCode: n.dossierCode })));
    await this.repo.markNoticesPublished(notices.map((n) => n.id));
  }

  /** Publishes everything still unpublished; returns how many rows it published. */
  async drain(batch = 500): Promise<number> {
    let total = 0;
    for (;;) {
      const applied = await this.repo.unpublishedApplied(batch);
      await this.publishApplied(applied);
      const notices = await this.repo.unpublishedNotices(batch);
      await this.publishNotices(notices);
      total += applied.length + notices.length;
      if (applied.length < batch && notices.length < batch) break;
    }
    if (total > 0) this.log.info({ published: total }, 'dossier outbox drained');
    return total;
  }
}
