import { LtError, type BundleEntryFields, type MessageTrace, type RecipientTrace, type TraceStep } from '@lt/contracts';
import type { Caller } from '../auth/roles';
import { assertEntryConcerns, assertOwnReport, traceFor } from './agency-scope';

const S = '000.00.00.H41';
const R1 = '000.00.05.H41';
const R2 = '000.00.30.H41';
const X = '000.00.99.H41';
const agency = (code: string): Caller => ({ sub: 't', role: `agency:${code}`, agencyCode: code });
const auditor: Caller = { sub: 't', role: 'auditor' };
const admin: Caller = { sub: 't', role: 'admin' };

function code(fn: () => unknown): string {
  try {
    fn();
    return 'allowed';
  } catch (e) {
    return e instanceof LtError ? e.code : String(e);
  }
}

const recipient = (c: string, deliverySeq: number | null): RecipientTrace => ({
  code: c,
  forwardedFrom: null,
  deliveredAt: deliverySeq === null ? null : '2026-01-01T00:00:00.000Z',
  deliverySeq,
  msToDelivery: null,
  statuses: [],
  msTo01: null,
  msTo03: null,
  msTo06: null,
  refused: false,
  confirmedSameDay: null,
});
const step = (seq: number, type: string, actor: string | null, target: string | null): TraceStep => ({
  seq,
  at: '2026-01-01T00:00:00.000Z',
  type,
  actor,
  target,
  summary: type,
  msSinceIssued: null,
  msSincePrevious: null,
  leafHash: `h${seq}`,
});

const trace: MessageTrace = {
  messageId: 'm',
  found: true,
  kind: 'document',
  from: S,
  issuedAt: null,
  digest: null,
  submitSeq: null,
  copies: 2,
  firstRoutedAt: null,
  msToRoute: null,
  // X only answered with a status: it was never delivered a copy
  recipients: [recipient(R1, 0), recipient(R2, 1), recipient(X, null)],
  rejections: [{ seq: 9, at: '2026-01-01T00:00:00.000Z', reasonCode: 'X', reason: null }],
  flags: [],
  recall: {
    requestedAt: '2026-01-01T00:00:00.000Z',
    outcomes: [
      { recipient: R1, code: '15', at: '2026-01-01T00:00:00.000Z' },
      { recipient: R2, code: '16', at: '2026-01-01T00:00:00.000Z' },
    ],
  },
  timeline: [
    step(0, 'delivery.document', S, R1),
    step(1, 'delivery.document', S, R2),
    step(2, 'msg.flagged', S, null),
    step(3, 'delivery.status', R1, S),
    step(4, 'delivery.status', R2, S),
    step(5, 'delivery.status', X, S),
    step(9, 'msg.rejected', S, null),
  ],
};

describe('what an agency token may read of the audit log', () => {
  it('reports: its own agency only; auditors and admins any', () => {
    expect(code(() => assertOwnReport(agency(S), S))).toBe('allowed');
    expect(code(() => assertOwnReport(agency(S), R1))).toBe('FORBIDDEN');
    expect(code(() => assertOwnReport(auditor, R1))).toBe('allowed');
    expect(code(() => assertOwnReport(admin, R1))).toBe('allowed');
  });

  it('proofs: only of entries naming the agency', () => {
    const entry = { seq: 4, agencies: [S, R1] } as BundleEntryFields;
    expect(code(() => assertEntryConcerns(agency(S), entry))).toBe('allowed');
    expect(code(() => assertEntryConcerns(agency(R1), entry))).toBe('allowed');
    expect(code(() => assertEntryConcerns(agency(R2), entry))).toBe('FORBIDDEN');
    expect(code(() => assertEntryConcerns(agency(R2), { ...entry, agencies: [] }))).toBe('FORBIDDEN');
    expect(code(() => assertEntryConcerns(auditor, entry))).toBe('allowed');
  });

  it('traces: the sender sees everything, auditors too', () => {
    expect(traceFor(agency(S), trace)).toBe(trace);
    expect(traceFor(auditor, trace)).toBe(trace);
  });

  it('traces: a recipient sees its own copy and answers, not the other recipients nor the refusals of the sender', () => {
    const t = traceFor(agency(R1), trace);
    expect(t.recipients.map((r) => r.code)).toEqual([R1]);
    expect(t.rejections).toEqual([]);
    expect(t.recall?.outcomes.map((o) => o.recipient)).toEqual([R1]);
    expect(t.timeline.map((s) => s.seq)).toEqual([0, 2, 3]);
    expect(t.from).toBe(S);
  });

  it('traces: an agency that was delivered no copy (even one that sent a status about it) gets 403', () => {
    expect(code(() => traceFor(agency(X), trace))).toBe('FORBIDDEN');
    expect(code(() => traceFor(agency('000.00.77.H41'), trace))).toBe('FORBIDDEN');
  });
});
