import { HEADERS, type Topology } from '@lt/contracts';
import { sha256Hex } from '@lt/crypto';
import type { JetStreamPublisher } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import { rowToEntry, type AuditStore, type CheckpointRow, type EntryRow } from '../store/audit-store';
import { buildReceipts, planReceiptItem, receiptTypes, type PlannedItem } from './build-receipt';
import type { HubEnvelopeSigner } from './hub-envelope-signer';

export interface ReceiptOptions {
  origin: string;
  hubAgency: string;
  /** envelope kinds whose delivery earns a receipt */
  kinds: readonly string[];
  /** entries scanned per round (a window of the log) */
  batch: number;
  /** items per receipt envelope, at most (<= RECEIPT_MAX_ITEMS) */
  maxItems: number;
}

/**
 * Sends hub-signed receipts once the checkpoint covering their entries is signed, so every item
 * cites a checkpoint it can be proven against. One receipt lists many items for one sender.
 *
 * The log is walked checkpoint range by checkpoint range: from the cursor `lo` to the first
 * checkpoint above it, in fixed windows of `batch` seqs starting at `lo`; each window's items are
 * grouped by sender and chunked into receipts of at most `maxItems`, published, and only then is
 * the cursor moved to the window end. Cursor values are therefore always window ends of the same
 * walk, so after a crash the same windows give the same receipts (same ids, same items, same
 * checkpoint) and the inbox stream deduplicates the re-sends: nothing is lost or doubled.
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

  /** Sends one window's receipts; true when the cursor reached the target. */
  private async round(target: CheckpointRow): Promise<boolean> {
    const [{ sent_upto }]: Array<{ sent_upto: string }> = await this.store.db.query('SELECT sent_upto FROM audit_receipt_cursor WHERE id = 1');
    const lo = Number(sent_upto);
    if (lo >= target.treeSize) return true;
    // the range this window belongs to ends at the first checkpoint above the cursor: every item
    // in it cites that checkpoint, whatever later checkpoints exist by the time it is (re-)sent
    const cp = await this.store.firstCheckpointAbove(lo);
    if (!cp || cp.treeSize > target.treeSize) return true;
    const hi = Math.min(cp.treeSize, lo + this.opts.batch);
    const rows: EntryRow[] = await this.store.entryRows(lo, hi, this.types);
    const planned: PlannedItem[] = [];
    for (const row of rows) {
      const p = planReceiptItem({ ...rowToEntry(row), leafHash: row.leaf_hash.toString('base64') }, this.opts.kinds);
      if (p) planned.push(p);
    }
    const receipts = buildReceipts(planned, {
      origin: this.opts.origin,
      checkpoint: cp.note,
      hubAgency: this.opts.hubAgency,
      maxItems: this.opts.maxItems,
      now: this.clock.now(),
    });
    await Promise.all(
      receipts.map(({ sendTo, envelope: env }) => {
        const { bytes } = this.signer.sign(env);
        return this.publisher.publish(this.topo.inboxSubject(sendTo), bytes, `${env.id}:${sendTo}`, {
          [HEADERS.envelopeId]: env.id,
          [HEADERS.from]: env.from,
          [HEADERS.to]: sendTo,
          [HEADERS.kind]: 'receipt',
          [HEADERS.kid]: this.signer.kid,
          [HEADERS.issuedAt]: env.issuedAt,
          [HEADERS.digest]: sha256Hex(bytes),
          [HEADERS.routedAt]: env.issuedAt,
          [HEADERS.copies]: '1',
          [HEADERS.receiptItems]: String(env.body.items.length),
          [HEADERS.hubSigned]: '1',
        });
      }),
    );
    await this.store.db.query('UPDATE audit_receipt_cursor SET sent_upto = $1, updated_at = now() WHERE id = 1 AND sent_upto < $1', [hi]);
    if (receipts.length) this.log.debug({ receipts: receipts.length, items: planned.length, upto: hi }, 'receipts sent');
    return hi >= target.treeSize;
  }
}
