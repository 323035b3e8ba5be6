import type { LogEntry } from '@lt/audit-log';
import { entryFromEvent, entryFromInboxCopy } from '../../domain/entry';
import { eventMessage, hubEvent, inboxMessage, type CopySpec } from '../../testing/fixtures';
import { aggregateAgencyReport } from './aggregate-report';

const ME = '000.00.00.H41';
const P = '000.00.05.H41';
const D = '000.01.05.H41';
const id = (n: number) => `01935f6e-8a3b-7c2d-9e4f-${String(n).padStart(12, '0')}`;
let seq = 0;
const copy = (s: CopySpec): LogEntry => ({ seq: seq++, ...entryFromInboxCopy(inboxMessage(s)) });

describe('aggregateAgencyReport', () => {
  // VN day 2026-11-22 runs from 2026-11-21T17:00Z to 2026-11-22T17:00Z
  const entries: LogEntry[] = [
    // sent to P: confirmed the same day after 10 min, accepted after 1 h, completed after 2 days
    copy({ envelopeId: id(1), from: ME, to: P, routedAt: '2026-11-22T02:00:00.000Z' }),
    copy({ envelopeId: id(101), from: P, to: ME, statusCode: '01', responseFor: id(1), routedAt: '2026-11-22T02:10:00.000Z' }),
    copy({ envelopeId: id(102), from: P, to: ME, statusCode: '03', responseFor: id(1), routedAt: '2026-11-22T03:00:00.000Z' }),
    copy({ envelopeId: id(103), from: P, to: ME, statusCode: '06', responseFor: id(1), routedAt: '2026-11-24T02:00:00.000Z' }),
    // sent to D late in the VN day, 01 after local midnight: not the same day
    copy({ envelopeId: id(2), from: ME, to: D, routedAt: '2026-11-22T16:30:00.000Z' }),
    copy({ envelopeId: id(201), from: D, to: ME, statusCode: '01', responseFor: id(2), routedAt: '2026-11-22T17:10:00.000Z' }),
    // sent to P and never confirmed: past due once its VN day is over
    copy({ envelopeId: id(3), from: ME, to: P, routedAt: '2026-11-23T01:00:00.000Z' }),
    // received from P and refused
    copy({ envelopeId: id(4), from: P, to: ME, routedAt: '2026-11-23T01:00:00.000Z' }),
    copy({ envelopeId: id(401), from: ME, to: P, statusCode: '02', responseFor: id(4), routedAt: '2026-11-23T01:05:00.000Z' }),
    // a status copy (not a document) and a copy outside the period are not counted
    copy({ envelopeId: id(5), from: ME, to: P, routedAt: '2026-12-30T00:00:00.000Z' }),
    { seq: seq++, ...entryFromEvent(eventMessage(hubEvent('msg.rejected', { at: '2026-11-22T05:00:00.000Z', agencies: [ME] }))) },
    copy({ envelopeId: id(6), from: ME, to: P, kind: 'recall', responseFor: id(1), routedAt: '2026-11-22T06:00:00.000Z' }),
  ];
  const report = aggregateAgencyReport({
    code: ME,
    fromMs: Date.parse('2026-11-21T17:00:00Z'),
    toMs: Date.parse('2026-12-01T00:00:00Z'),
    nowMs: Date.parse('2026-11-24T12:00:00Z'),
    entries,
    tiers: new Map([
      [P, 'province'],
      [D, 'district'],
    ]),
  });

  it('counts what the agency sent and how it was answered', () => {
    expect(report.sent).toMatchObject({ documents: 3, copies: 3, arrived: 2, confirmedSameDay: 1, refused: 0, unconfirmedPastDue: 1 });
    expect(report.sent.medianMsTo01).toBe((10 * 60_000 + 40 * 60_000) / 2);
    expect(report.sent.medianMsTo03).toBe(3_600_000);
    expect(report.sent.medianMsTo06).toBe(2 * 86_400_000);
  });

  it('splits by the counterpart tier', () => {
    expect(report.sent.byRecipientTier.province).toMatchObject({ copies: 2, arrived: 1, unconfirmedPastDue: 1 });
    expect(report.sent.byRecipientTier.district).toMatchObject({ copies: 1, arrived: 1, confirmedSameDay: 0 });
  });

  it('counts what it received and refused, hub refusals and recalls', () => {
    expect(report.received).toMatchObject({ copies: 1, refused: 1, unconfirmedPastDue: 0 });
    expect(report.received.bySenderTier.province.copies).toBe(1);
    expect(report.rejectedByHub).toBe(1);
    expect(report.recalls).toBe(1);
  });
});
