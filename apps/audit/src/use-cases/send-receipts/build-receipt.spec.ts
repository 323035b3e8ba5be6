import { validateEnvelope, isUuid, RECEIPT_MAX_ITEMS } from '@lt/contracts';
import { entryFromInboxCopy } from '../../domain/entry';
import { inboxMessage, type CopySpec } from '../../testing/fixtures';
import { buildReceipts, planReceiptItem, receiptId, receiptTypes, type PlannedItem } from './build-receipt';

const DOC = '01935f6e-8a3b-7c2d-9e4f-0a1b2c3d4e5f';
const S = '000.00.00.H41';
const R = '000.00.05.H41';
const T = '000.00.30.H41';
const KINDS = ['document', 'dossier'];
const p = {
  origin: 'lienthong.gov.vn/audit',
  checkpoint: 'lienthong.gov.vn/audit\n10\nAAAA\n\n\u2014 x y\n',
  hubAgency: '000.00.00.G22',
  maxItems: 3,
  now: new Date('2026-11-22T08:00:01.000Z'),
};
const entry = (s: CopySpec, seq = 7) => ({ seq, ...entryFromInboxCopy(inboxMessage({ routedAt: '2026-11-22T08:00:00.000Z', ...s })), leafHash: 'bGVhZg==' });
const docId = (n: number) => `01935f6e-8a3b-7c2d-9e4f-${n.toString(16).padStart(12, '0')}`;

describe('planReceiptItem', () => {
  it('tells the sender its copy reached the recipient inbox', () => {
    const r = planReceiptItem(entry({ envelopeId: DOC, from: S, to: R }), KINDS)!;
    expect(r).toEqual({
      sendTo: S,
      item: { messageId: DOC, recipient: R, event: 'delivered', at: '2026-11-22T08:00:00.000Z', seq: 7, leafHash: 'bGVhZg==' },
    });
  });

  it('tells the sender the recipient confirmed arrival (01)', () => {
    const r = planReceiptItem(entry({ envelopeId: docId(1), from: R, to: S, statusCode: '01', responseFor: DOC }), KINDS)!;
    expect(r.sendTo).toBe(S);
    expect(r.item).toMatchObject({ messageId: DOC, recipient: R, event: 'arrived' });
  });

  it('plans nothing for other statuses, other kinds or hub-signed copies (refusals, notices)', () => {
    expect(planReceiptItem(entry({ envelopeId: docId(2), from: R, to: S, statusCode: '03', responseFor: DOC }), KINDS)).toBeNull();
    expect(planReceiptItem(entry({ envelopeId: DOC, from: S, to: R, kind: 'recall' }), KINDS)).toBeNull();
    expect(planReceiptItem(entry({ envelopeId: DOC, from: S, to: R, kind: 'dossier' }), ['document'])).toBeNull();
    expect(
      planReceiptItem(entry({ envelopeId: docId(3), from: '000.00.00.G22', to: S, statusCode: '02', responseFor: DOC, hubSigned: true }), KINDS),
    ).toBeNull();
    expect(planReceiptItem(entry({ envelopeId: docId(4), from: '000.00.00.G22', to: S, kind: 'dossier', hubSigned: true }), KINDS)).toBeNull();
    expect(receiptTypes(['document'])).toEqual(['delivery.document', 'status.01']);
  });
});

describe('buildReceipts', () => {
  // seq order: S sends to R, T; T sends to R; R confirms arrival to S
  const planned: PlannedItem[] = [
    planReceiptItem(entry({ envelopeId: docId(10), from: S, to: R }, 20), KINDS)!,
    planReceiptItem(entry({ envelopeId: docId(11), from: T, to: R }, 21), KINDS)!,
    planReceiptItem(entry({ envelopeId: docId(10), from: S, to: T }, 22), KINDS)!,
    planReceiptItem(entry({ envelopeId: docId(12), from: R, to: S, statusCode: '01', responseFor: docId(10) }, 23), KINDS)!,
    planReceiptItem(entry({ envelopeId: docId(13), from: S, to: R }, 24), KINDS)!,
    planReceiptItem(entry({ envelopeId: docId(14), from: S, to: R }, 25), KINDS)!,
  ];

  it('groups items by sender in seq order, one envelope addressed to each, valid and citing the checkpoint', () => {
    const receipts = buildReceipts(planned, { ...p, maxItems: 500 });
    expect(receipts.map((r) => [r.sendTo, r.envelope.body.items.map((i) => i.seq)])).toEqual([
      [S, [20, 22, 23, 24, 25]],
      [T, [21]],
    ]);
    for (const r of receipts) {
      expect(() => validateEnvelope(r.envelope)).not.toThrow();
      expect(r.envelope).toMatchObject({ kind: 'receipt', from: p.hubAgency, to: [r.sendTo], issuedAt: p.now.toISOString() });
      expect(r.envelope.body.checkpoint).toBe(p.checkpoint);
      expect(r.envelope.id).toBe(receiptId(p.origin, r.sendTo, r.envelope.body.items[0]!.seq, r.envelope.body.items[0]!.at));
    }
    expect(receipts[0]!.envelope.body.items.find((i) => i.seq === 23)).toMatchObject({ event: 'arrived', recipient: R, messageId: docId(10) });
  });

  it('chunks a sender at maxItems: every item exactly once, ids distinct', () => {
    const receipts = buildReceipts(planned, p);
    expect(receipts.map((r) => [r.sendTo, r.envelope.body.items.map((i) => i.seq)])).toEqual([
      [S, [20, 22, 23]],
      [S, [24, 25]],
      [T, [21]],
    ]);
    expect(new Set(receipts.map((r) => r.envelope.id)).size).toBe(3);
    expect(receipts.flatMap((r) => r.envelope.body.items)).toHaveLength(planned.length);
    // the largest receipt the contract allows still validates
    const many = Array.from({ length: RECEIPT_MAX_ITEMS + 1 }, (_, i) => planReceiptItem(entry({ envelopeId: docId(100 + i), from: S, to: R }, i), KINDS)!);
    const big = buildReceipts(many, { ...p, maxItems: RECEIPT_MAX_ITEMS });
    expect(big.map((r) => r.envelope.body.items.length)).toEqual([RECEIPT_MAX_ITEMS, 1]);
    expect(() => validateEnvelope(big[0]!.envelope)).not.toThrow();
  });

  it('builds the same ids and items again from the same planned items (a re-send after a crash)', () => {
    const a = buildReceipts(planned, p);
    const b = buildReceipts(
      planned.map((x) => structuredClone(x)),
      { ...p, now: new Date('2026-11-22T09:00:00.000Z') },
    );
    expect(b.map((r) => [r.envelope.id, r.envelope.body])).toEqual(a.map((r) => [r.envelope.id, r.envelope.body]));
    expect(buildReceipts([], p)).toEqual([]);
  });
});

describe('receiptId', () => {
  it('derives a stable UUIDv7 from origin, the agency it goes to and the first seq', () => {
    const a = receiptId(p.origin, S, 7, '2026-11-22T08:00:00.000Z');
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('7');
    expect(
      a.startsWith(
        Date.parse('2026-11-22T08:00:00.000Z')
          .toString(16)
          .padStart(12, '0')
          .replace(/^(.{8})/, '$1-'),
      ),
    ).toBe(true);
    expect(receiptId(p.origin, S, 7, '2026-11-22T08:00:00.000Z')).toBe(a);
    expect(receiptId(p.origin, S, 8, '2026-11-22T08:00:00.000Z')).not.toBe(a);
    expect(receiptId(p.origin, R, 7, '2026-11-22T08:00:00.000Z')).not.toBe(a);
    expect(receiptId('other.example/log', S, 7, '2026-11-22T08:00:00.000Z')).not.toBe(a);
  });
});
