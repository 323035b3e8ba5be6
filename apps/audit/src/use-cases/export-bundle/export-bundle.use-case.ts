import { Inject, Injectable } from '@nestjs/common';
import {
  BUNDLE_FORMAT,
  LtError,
  type BundleEntry,
  type BundleHeader,
  type ExportBeginRequest,
  type ExportEntriesRequest,
  type ExportEntriesResponse,
} from '@lt/contracts';
import { encodeHash, readFrontier } from '@lt/tlog';
import { slotOf } from '@lt/audit-log';
import { CLOCK, type Clock } from '@lt/platform';
import type { LogKeys } from '../../checkpoint/log-keys';
import { LOG_KEYS } from '../../audit.tokens';
import { rowCanonicalText, type CheckpointRow } from '../../domain/stored-entry';
import { AUDIT_STORE, type AuditStore } from '../../ports';
import { optionalSeq } from '../shared/seq-params';
import { SignedCheckpoints } from '../shared/signed-checkpoints';

/** Largest page of entries (also bounded by bytes: a NATS reply must stay under max_payload). */
export const MAX_PAGE_ENTRIES = 5000;
const MAX_PAGE_BYTES = 600 * 1024;

function optionalTime(v: unknown, field: string): Date | undefined {
  if (v === undefined || v === null || v === '') return undefined;
  const t = typeof v === 'string' ? Date.parse(v) : NaN;
  if (!Number.isFinite(t)) throw new LtError('VALIDATION_FAILED', `${field} must be an ISO date or date-time, got ${JSON.stringify(v)}`, { field });
  return new Date(t);
}

/** `lienthong audit export`: a bundle's header, then its entries page by page. */
@Injectable()
export class ExportBundleUseCase {
  constructor(
    @Inject(AUDIT_STORE) private readonly store: AuditStore,
    private readonly checkpoints: SignedCheckpoints,
    @Inject(LOG_KEYS) private readonly keys: LogKeys,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  /**
   * Header of a bundle: the requested range widened to checkpoint boundaries (a bundle starts and
   * ends on signed tree sizes, so every entry in it is covered by a signature), the right edge of
   * the tree at its start, the checkpoints inside, and the log's public key. When the end falls
   * after the latest checkpoint, one is signed now (writer only).
   */
  async begin(req: ExportBeginRequest): Promise<BundleHeader> {
    const { store, keys } = this;
    const now = this.clock.now();
    const fromSeq = optionalSeq(req?.fromSeq, 'fromSeq');
    const toSeq = optionalSeq(req?.toSeq, 'toSeq');
    const from = optionalTime(req?.from, 'from');
    const to = optionalTime(req?.to, 'to');

    let startCp: CheckpointRow | null = null;
    if (fromSeq !== undefined) startCp = await store.checkpointAtOrBefore(fromSeq);
    else if (from) startCp = await store.checkpointByTime(from, 'before');
    const startSize = startCp?.treeSize ?? 0;

    let endCp: CheckpointRow | null = null;
    if (toSeq !== undefined) endCp = await store.checkpointAtOrAfter(Math.max(toSeq, startSize + 1));
    else if (to) endCp = await store.checkpointByTime(to, 'after');
    if (!endCp) {
      // the end is past the latest checkpoint: sign one covering everything so far, if we can
      endCp = await this.checkpoints.cut();
    }
    if (!endCp) throw new LtError('NOT_FOUND', 'the audit log has no signed checkpoint yet; nothing to export', {});
    const endSize = Math.max(endCp.treeSize, startSize);

    const frontier = await readFrontier(startSize, store.hashes);
    const cps = await store.checkpointsBetween(startSize, endSize);
    return {
      format: BUNDLE_FORMAT,
      origin: keys.origin,
      vkey: keys.vkey,
      vkeys: keys.vkeys,
      hubKeyId: keys.hubKeyId,
      hubPublicJwk: keys.hubPublicJwk,
      startSize,
      startFrontier: frontier.hashes.map((h) => encodeHash(h)),
      endSize,
      checkpoints: cps.map((c) => ({ treeSize: c.treeSize, note: c.note })),
      exportedAt: now.toISOString(),
      requested: {
        ...(fromSeq !== undefined ? { fromSeq } : {}),
        ...(toSeq !== undefined ? { toSeq } : {}),
        ...(from ? { from: from.toISOString() } : {}),
        ...(to ? { to: to.toISOString() } : {}),
      },
    };
  }

  /** One page of entries [fromSeq, toSeq), each with the leaf hash stored when it was appended. */
  async page(req: ExportEntriesRequest): Promise<ExportEntriesResponse> {
    const { store } = this;
    const fromSeq = optionalSeq(req?.fromSeq, 'fromSeq');
    const toSeq = optionalSeq(req?.toSeq, 'toSeq');
    if (fromSeq === undefined || toSeq === undefined)
      throw new LtError('VALIDATION_FAILED', 'fromSeq and toSeq are required', { field: fromSeq === undefined ? 'fromSeq' : 'toSeq' });
    const limit = Math.min(optionalSeq(req.limit, 'limit') ?? 2000, MAX_PAGE_ENTRIES);
    const hi = Math.min(toSeq, fromSeq + Math.max(1, limit));
    if (fromSeq >= toSeq) return { entries: [], nextSeq: null };
    const [rows, hashRows] = await Promise.all([store.entryRows(fromSeq, hi), store.hashRows(fromSeq, hi)]);
    const leaves = new Map(hashRows.map((h) => [h.seq, Buffer.from(slotOf(h.hashes, 0)).toString('base64')]));
    const entries: BundleEntry[] = [];
    let bytes = 0;
    let next: number = hi;
    for (const r of rows) {
      const seq = Number(r.seq);
      const be: BundleEntry = { seq, leafHash: leaves.get(seq) ?? '', entry: rowCanonicalText(r) };
      // a reply is JSON: quotes inside the entry text get escaped
      bytes += Buffer.byteLength(be.entry) * 1.25 + 80;
      if (bytes > MAX_PAGE_BYTES && entries.length > 0 && seq > entries[entries.length - 1].seq) {
        next = seq;
        break;
      }
      entries.push(be);
    }
    return { entries, nextSeq: next < toSeq ? next : null };
  }
}
