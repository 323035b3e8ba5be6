import type { LogEntry } from '@lt/audit-log';
import { entryFromEvent, entryFromInboxCopy } from '../../domain/entry';
import { eventMessage, hubEvent, inboxMessage, type CopySpec } from '../../testing/fixtures';
import { buildTrace, type HashedEntry } from './build-trace';

const DOC = '01935f6e-8a3b-7c2d-9e4f-0a1b2c3d4e5f';
const S = '000.00.00.H41';
const R1 = '000.00.05.H41';
const R2 = '000.00.30.H41';
const OLD = '000.00.31.H41';
const T0 = Date.parse('2026-11-22T01:00:00.000Z');
const at = (ms: number) => new Date(T0 + ms).toISOString();

let seq = 0;
const copy = (spec: CopySpec): HashedEntry => ({ seq: seq++, ...entryFromInboxCopy(inboxMessage(spec)), leafHash: `h${seq}` }) as HashedEntry;
const event = (e: Parameters<typeof hubEvent>): HashedEntry =>
  ({ seq: seq++, ...entryFromEvent(eventMessage(hubEvent(...e))), leafHash: `h${seq}` }) as HashedEntry;

describe('buildTrace', () => {
  const status = (from: string, code: string, ms: number, id = `01935f6e-8a3b-7c2d-9e4f-0000000000${code}`, to = S) =>
    copy({ envelopeId: id, from, to, statusCode: code, responseFor: DOC, routedAt: at(ms) });
  const entries: LogEntry[] = [
    copy({ envelopeId: DOC, from: S, to: R1, routedAt: at(40), issuedAt: at(0), copies: 2, flags: 'duplicate-number' }),
    copy({ envelopeId: DOC, from: S, to: R2, routedAt: at(41), issuedAt: at(0), copies: 2, forwardedFrom: OLD }),
    event(['msg.flagged', { messageId: DOC, at: at(42), agencies: [S], data: { flag: 'duplicate-number', firstEnvelopeId: 'other' } }]),
    status(R1, '01', 1_040),
    // the same status addressed to two agencies: one status, two copies
    status(R1, '03', 60_040, '01935f6e-8a3b-7c2d-9e4f-000000000003'),
    status(R1, '03', 60_040, '01935f6e-8a3b-7c2d-9e4f-000000000003', R2),
    status(R2, '02', 5_000),
    copy({ envelopeId: '01935f6e-8a3b-7c2d-9e4f-00000000000a', from: S, to: R1, kind: 'recall', responseFor: DOC, routedAt: at(90_000) }),
    status(R1, '15', 95_000),
    status(R1, '06', 3_600_040),
  ];
  const t = buildTrace(DOC, entries as HashedEntry[]);

  it('summarises the document and its routing', () => {
    expect(t).toMatchObject({ found: true, kind: 'document', from: S, issuedAt: at(0), copies: 2, firstRoutedAt: at(40), msToRoute: 40 });
    expect(t.flags).toEqual(['duplicate-number']);
  });

  it('follows each recipient: delivery, successor forwarding, statuses, durations', () => {
    expect(t.recipients.map((r) => r.code)).toEqual([R1, R2]);
    const [r1, r2] = t.recipients;
    expect(r1).toMatchObject({ msToDelivery: 40, msTo01: 1_000, msTo03: 60_000, msTo06: 3_600_000, refused: false, confirmedSameDay: true });
    expect(r1.statuses.map((s) => s.code)).toEqual(['01', '03', '15', '06']);
    expect(r2).toMatchObject({ forwardedFrom: OLD, refused: true, msTo01: null, confirmedSameDay: null });
  });

  it('records the recall and its outcome, and every step in order with its delay', () => {
    expect(t.recall).toEqual({ requestedAt: at(90_000), outcomes: [{ recipient: R1, code: '15', at: at(95_000) }] });
    expect(t.timeline.map((s) => s.seq)).toEqual(entries.map((e) => e.seq));
    expect(t.timeline[3]).toMatchObject({ actor: R1, target: S, msSinceIssued: 1_040, msSincePrevious: 998 });
    expect(t.timeline[5].summary).toMatch(/copy of/);
  });

  it('lists hub refusals', () => {
    const refused = buildTrace(DOC, [
      event(['msg.rejected', { messageId: DOC, agencies: [S], data: { reasonCode: 'BAD_SIGNATURE', reason: 'signature does not verify' } }]),
      copy({ envelopeId: '01935f6e-8a3b-7c2d-9e4f-0000000000ff', from: '000.00.00.G22', to: S, statusCode: '02', responseFor: DOC, hubSigned: true }),
    ] as HashedEntry[]);
    expect(refused.rejections.map((r) => r.reasonCode)).toEqual(['BAD_SIGNATURE', null]);
    expect(refused.recipients).toEqual([]);
  });
});
