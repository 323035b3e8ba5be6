import { HEADERS, type Topology } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { JetStreamPublisher } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import { rowToEntry, type AuditStore, type CheckpointRow, type EntryRow } from '../store/audit-store';
import { planReceipt, receiptTypes } from './build-receipt';
import type { HubEnvelopeSigner } from './hub-envelope-signer';

export interface ReceiptOptions {
  origin: string;
  hubAgency: string;
  /** envelope kinds whose delivery earns a receipt */
  kinds: readonly string[];
  /** entries scanned per round */
  batch: number;
}

/**
 * Sends hub-signed receipts once the checkpoint covering their entries is signed, so every
 * receipt cites a checkpoint its entry can be proven against. A cursor row remembers how far
 * receipts went; after a crash the same receipts are re-sent with the same ids (deduplicated by
 * the inbox stream, and recognisable by the SDK).
 */
export class ReceiptSender {
  private target: CheckpointRow | null = null;
  private doneUpto = 0;
  private running: Promise<void> | null = null;
  private stopped = false;
  private readonly types: string[];

  constructor(
    private readonly store: AuditStore,
    private readonly publisher: JetStreamPublisher,
    private readonly topo: Topology,
    private readonly signer: HubEnvelopeSigner,
    private readonly opts: ReceiptOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.types = receiptTypes(opts.kinds);
  }

  /** Receipts may now go out for every entry below cp.treeSize. */
  schedule(cp: CheckpointRow): void {
    if (!this.target || cp.treeSize > this.target.treeSize) this.target = cp;
    this.stopped = false;
    if (!this.running) {
      this.running = this.loop().finally(() => {
        this.running = null;
        // a target that arrived while the loop was finishing
        if (!this.stopped && this.target && this.target.treeSize > this.doneUpto) this.schedule(this.target);
      });
    }
  }

  /** Resolves when everything scheduled so far was sent (tests, shutdown). */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    await this.running;
  }

  private async loop(): Promise<void> {
    while (!this.stopped && this.target) {
      const target = this.target;
      try {
        if (await this.round(target)) {
          this.doneUpto = Math.max(this.doneUpto, target.treeSize);
          if (this.target === target) return;
        }
      } catch (err) {
        this.log.warn({ err: (err as Error).message }, 'sending receipts failed; will retry');
        await new Promise((r) => setTimeout(r, 2_000));
      }
    }
  }

  /** Sends one batch; true when the cursor reached the target. */
  private async round(cp: CheckpointRow): Promise<boolean> {
    const [{ sent_upto }]: Array<{ sent_upto: string }> = await this.store.db.query('SELECT sent_upto FROM audit_receipt_cursor WHERE id = 1');
    const lo = Number(sent_upto);
    if (lo >= cp.treeSize) return true;
    const hi = Math.min(cp.treeSize, lo + this.opts.batch);
    const rows: EntryRow[] = await this.store.entryRows(lo, hi, this.types);
    const now = this.clock.now();
    const pending: Promise<unknown>[] = [];
    for (const row of rows) {
      const planned = planReceipt(
        { ...rowToEntry(row), leafHash: row.leaf_hash.toString('base64') },
        { origin: this.opts.origin, checkpoint: cp.note, hubAgency: this.opts.hubAgency, kinds: this.opts.kinds, now },
      );
      if (!planned) continue;
      const { bytes } = this.signer.sign(planned.envelope);
      const env = planned.envelope;
      pending.push(
        this.publisher.publish(this.topo.inboxSubject(planned.sendTo), bytes, `${env.id}:${planned.sendTo}`, {
          [HEADERS.envelopeId]: env.id,
          [HEADERS.from]: env.from,
          [HEADERS.to]: planned.sendTo,
          [HEADERS.kind]: 'receipt',
          [HEADERS.kid]: this.signer.kid,
          [HEADERS.issuedAt]: env.issuedAt,
          [HEADERS.digest]: sha256Hex(bytes),
          [HEADERS.routedAt]: env.issuedAt,
          [HEADERS.copies]: '1',
          [HEADERS.responseFor]: env.body.messageId,
          [HEADERS.hubSigned]: '1',
        }),
      );
    }
    await Promise.all(pending);
    await this.store.db.query('UPDATE audit_receipt_cursor SET sent_upto = $1, updated_at = now() WHERE id = 1 AND sent_upto < $1', [hi]);
    if (pending.length) this.log.debug({ receipts: pending.length, upto: hi }, 'receipts sent');
    return hi >= cp.treeSize;
  }
}
