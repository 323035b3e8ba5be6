import { uuidv7, type DossierOverdueNoticeBody, type Envelope, type HubEvent } from '@lt/contracts';
import { overdueNotices } from '@lt/dossier-domain';
import type { Clock, Logger } from '@lt/platform';
import { deadlineKey, type StoredDossier } from '../../domain/stored-dossier';
import type { AgencyLookup, DossierRepository, DossierTx, OverdueNoticeRecord } from '../../ports';
import type { PublishOutbox } from '../publish-outbox/publish-outbox.use-case';

export interface ScanOverdueResult {
  /** dossiers looked at */
  checked: number;
  /** missed deadlines found and notified */
  notices: number;
}

/**
 * Finds open dossiers past a deadline not yet notified (the legal one, pause-adjusted, or a
 * transfer step's), records one notice per missed deadline, and after the commit publishes a
 * `dossier.overdue` event and a hub-signed notice to the agency answerable for it and its parent.
 * Each deadline is notified once; a pause that pushes it back makes the new deadline watchable.
 */
export class ScanOverdue {
  constructor(
    private readonly deps: {
      repo: DossierRepository;
      outbox: PublishOutbox;
      /** parents of the agencies answerable for a deadline are notified too */
      agencies: AgencyLookup;
      clock: Clock;
      log: Logger;
      hubAgency: string;
      batch?: number;
    },
  ) {}

  async execute(): Promise<ScanOverdueResult> {
    const now = this.deps.clock.now();
    const batch = this.deps.batch ?? 200;
    const seen: string[] = [];
    let notices = 0;
    for (;;) {
      const codes = await this.deps.repo.overdueCandidates(now, batch, seen);
      if (codes.length === 0) break;
      seen.push(...codes);
      for (const code of codes) {
        const recorded = await this.deps.repo.transaction((tx) => this.checkOne(tx, code, now));
        notices += recorded.length;
        if (recorded.length) {
          await this.deps.outbox
            .publishNotices(recorded)
            .catch((e) => this.deps.log.warn({ err: e, dossierCode: code }, 'publishing overdue notice failed; the outbox relay retries'));
        }
      }
      if (codes.length < batch) break;
    }
    if (notices > 0) this.deps.log.info({ checked: seen.length, notices }, 'overdue dossiers notified');
    return { checked: seen.length, notices };
  }

  private async checkOne(tx: DossierTx, code: string, now: Date): Promise<OverdueNoticeRecord[]> {
    // another replica busy with it: it will be looked at again on the next scan
    const stored = await tx.lockDossier(code, { skipLocked: true });
    if (!stored) return [];
    const d = stored.state;
    const parentOf = (c: string) => this.deps.agencies.agency(c)?.parentCode ?? null;
    const missedNow = overdueNotices(d, now, parentOf);
    const fresh = missedNow.filter((n) => !stored.overdueNotified.includes(deadlineKey(n.scope, n.dueAt, n.stepIndex)));
    const records = fresh.map((n): OverdueNoticeRecord => {
      const id = uuidv7(now.getTime());
      const body: DossierOverdueNoticeBody = {
        action: 'overdue-notice',
        dossierCode: n.dossierCode,
        scope: n.scope,
        ...(n.stepIndex !== undefined ? { stepIndex: n.stepIndex } : {}),
        responsible: n.responsible,
        dueAt: n.dueAt,
        detectedAt: n.detectedAt,
      };
      const envelope: Envelope<DossierOverdueNoticeBody> = { id, kind: 'dossier', from: this.deps.hubAgency, to: n.notify, issuedAt: n.detectedAt, body };
      const event: HubEvent = {
        id: uuidv7(now.getTime()),
        type: 'dossier.overdue',
        at: n.detectedAt,
        source: 'dossier',
        agencies: n.notify,
        data: { ...n, noticeId: id, state: d.state, holder: d.holder, receivingAgency: d.receivingAgency },
      };
      return {
        id,
        dossierCode: n.dossierCode,
        scope: n.scope,
        stepIndex: n.stepIndex ?? -1,
        dueAt: n.dueAt,
        responsible: n.responsible,
        notify: n.notify,
        detectedAt: n.detectedAt,
        event,
        envelope,
      };
    });
    // mark every deadline examined as missed now (fresh or not), so the candidate index moves on
    const missed = missedNow.map((n) => deadlineKey(n.scope, n.dueAt, n.stepIndex));
    const after: StoredDossier = { ...stored, overdueNotified: [...new Set([...stored.overdueNotified, ...missed])] };
    await tx.insertOverdueNotices(records);
    await tx.updateDossier(after);
    return records;
  }
}
