import type { Topology } from '@lt/contracts';
import type { HubSigner } from '@lt/crypto';
import { HubInboxWriter, type JetStreamPublisher } from '@lt/messaging';
import type { Clock, Logger } from '@lt/platform';
import { rowToEntry, type CheckpointRow, type EntryRow } from '../../domain/stored-entry';
import type { AuditStore } from '../../ports';
import { buildReceipts, planReceiptItem, receiptTypes, type PlannedItem } from './build-receipt';

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
  private readonly hubInbox: HubInboxWriter;

  constructor(
    private readonly store: AuditStore,
    publisher: JetStreamPublisher,
    topo: Topology,
    signer: HubSigner,
    private readonly opts: ReceiptOptions,
    private readonly clock: Clock,
    private readonly log: Logger,
  ) {
    this.types = receiptTypes(opts.kinds);
    this.hubInbox = new HubInboxWriter(publisher, topo, signer);
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
    const lo = await this.store.receiptCursor();
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
    // each receipt is addressed to its sendTo only (envelope.to = [sendTo])
    await Promise.all(receipts.map(({ envelope: env }) => this.hubInbox.deliver(env, { receiptItems: env.body.items.length })));
    await this.store.advanceReceiptCursor(hi);
    if (receipts.length) this.log.debug({ receipts: receipts.length, items: planned.length, upto: hi }, 'receipts sent');
    return hi >= target.treeSize;
  }
}
