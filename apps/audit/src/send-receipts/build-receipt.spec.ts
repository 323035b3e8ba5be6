import { validateEnvelope, isUuid } from '@lt/contracts';
import { entryFromInboxCopy } from '../domain/entry';
import { inboxMessage, type CopySpec } from '../testing/fixtures';
import { planReceipt, receiptId, receiptTypes } from './build-receipt';

const DOC = '01935f6e-8a3b-7c2d-9e4f-0a1b2c3d4e5f';
const S = '000.00.00.H41';
const R = '000.00.05.H41';
const p = {
  origin: 'lienthong.gov.vn/audit',
  checkpoint: 'lienthong.gov.vn/audit\n10\nAAAA\n\n\u2014 x y\n',
  hubAgency: '000.00.00.G22',
  kinds: ['document', 'dossier'],
  now: new Date('2026-11-22T08:00:01.000Z'),
};
const entry = (s: CopySpec, seq = 7) => ({ seq, ...entryFromInboxCopy(inboxMessage({ routedAt: '2026-11-22T08:00:00.000Z', ...s })), leafHash: 'bGVhZg==' });

describe('planReceipt', () => {
  it('tells the sender its copy reached the recipient inbox', () => {
    const r = planReceipt(entry({ envelopeId: DOC, from: S, to: R }), p)!;
    expect(r.sendTo).toBe(S);
    expect(r.envelope.body).toEqual({
      messageId: DOC,
      recipient: R,
      event: 'delivered',
      at: '2026-11-22T08:00:00.000Z',
      seq: 7,
      leafHash: 'bGVhZg==',
      checkpoint: p.checkpoint,
    });
    expect(() => validateEnvelope(r.envelope)).not.toThrow();
    expect(r.envelope).toMatchObject({ kind: 'receipt', from: '000.00.00.G22', to: [S] });
  });

  it('tells the sender the recipient confirmed arrival (01)', () => {
    const r = planReceipt(entry({ envelopeId: '01935f6e-8a3b-7c2d-9e4f-000000000001', from: R, to: S, statusCode: '01', responseFor: DOC }), p)!;
    expect(r.sendTo).toBe(S);
    expect(r.envelope.body).toMatchObject({ messageId: DOC, recipient: R, event: 'arrived' });
  });

  it('sends nothing for other statuses, other kinds or hub-signed copies', () => {
    expect(planReceipt(entry({ envelopeId: '01935f6e-8a3b-7c2d-9e4f-000000000002', from: R, to: S, statusCode: '03', responseFor: DOC }), p)).toBeNull();
    expect(planReceipt(entry({ envelopeId: DOC, from: S, to: R, kind: 'recall' }), p)).toBeNull();
    expect(planReceipt(entry({ envelopeId: DOC, from: '000.00.00.G22', to: S, statusCode: '02', responseFor: DOC, hubSigned: true }), p)).toBeNull();
    expect(receiptTypes(['document'])).toEqual(['delivery.document', 'status.01']);
  });

  it('derives the same UUIDv7 id for the same entry (a re-send is deduplicated)', () => {
    const a = receiptId(p.origin, 7, '2026-11-22T08:00:00.000Z');
    expect(isUuid(a)).toBe(true);
    expect(a[14]).toBe('7');
    expect(receiptId(p.origin, 7, '2026-11-22T08:00:00.000Z')).toBe(a);
    expect(receiptId(p.origin, 8, '2026-11-22T08:00:00.000Z')).not.toBe(a);
  });
});
