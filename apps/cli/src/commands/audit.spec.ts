import type { MessageTrace } from '@lt/contracts';
import { traceText } from './audit';

describe('trace text', () => {
  const sha = 'ab'.repeat(32);
  const trace: MessageTrace = {
    messageId: '01937a4e-0000-7000-8000-000000000001',
    found: true,
    kind: 'document',
    from: '000.00.01.H41',
    issuedAt: '2026-12-06T01:00:00.000Z',
    digest: null,
    submitSeq: 1,
    copies: 1,
    attachments: [
      { id: 'att-1', size: 314_572_800, sha256: sha },
      { id: 'att-2', size: 512, sha256: 'cd'.repeat(32) },
    ],
    firstRoutedAt: '2026-12-06T01:00:00.020Z',
    msToRoute: 20,
    recipients: [
      {
        code: '000.00.02.H41',
        forwardedFrom: null,
        deliveredAt: '2026-12-06T01:00:00.020Z',
        deliverySeq: 2,
        msToDelivery: 20,
        statuses: [],
        msTo01: 900,
        msTo03: null,
        msTo06: null,
        refused: false,
        confirmedSameDay: true,
      },
    ],
    rejections: [],
    flags: [],
    recall: null,
    timeline: [],
  };

  it('lists each attachment with its id, size and SHA-256', () => {
    const lines = traceText(trace).split('\n');
    const at = lines.indexOf('attachments:');
    expect(at).toBeGreaterThan(0);
    expect(lines[at + 1]).toBe(`  att-1  300.0 MiB (314572800 bytes)  sha256 ${sha}`);
    expect(lines[at + 2]).toBe(`  att-2  512 B  sha256 ${'cd'.repeat(32)}`);
    expect(lines[at + 3]).toBe('recipients:');
  });

  it('has no attachments section without attachments', () => {
    expect(traceText({ ...trace, attachments: undefined })).not.toContain('attachments:');
    expect(traceText({ ...trace, attachments: [] })).not.toContain('attachments:');
  });

  it('keeps a hostile id on its own line without escapes', () => {
    const text = traceText({ ...trace, attachments: [{ id: 'x\n\u001b[2Jevil', size: 1, sha256: sha }] });
    expect(text).not.toContain('\u001b');
    expect(text.split('\n').filter((l) => l.includes('evil'))).toHaveLength(1);
  });
});
