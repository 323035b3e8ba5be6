import { HEADERS } from '@lt/contracts';
import { canonicalJson } from '@lt/crypto';
import { entryFromEvent, entryFromInboxCopy, isOwnReceipt, normaliseTime, storableJson, storableText } from './entry';
import { eventMessage, hubEvent, inboxMessage } from '../testing/fixtures';

const DOC = '01935f6e-8a3b-7c2d-9e4f-0a1b2c3d4e5f';

describe('entryFromInboxCopy', () => {
  it('records a document copy as delivery.<kind> with headers and digests, not the document', () => {
    const m = inboxMessage(
      { envelopeId: DOC, from: '000.00.00.H41', to: '000.00.05.H41', routedAt: '2026-11-22T08:00:00.123Z', forwardedFrom: '000.00.09.H41' },
      42,
    );
    const e = entryFromInboxCopy(m);
    expect(e).toMatchObject({ source: 'inbox', id: `${DOC}:000.00.05.H41`, type: 'delivery.document', messageId: DOC, at: '2026-11-22T08:00:00.123Z' });
    expect(e.agencies).toEqual(['000.00.00.H41', '000.00.05.H41', '000.00.09.H41']);
    const body = e.body as { headers: Record<string, string>; sha256: string; size: number; inboxSeq: number };
    expect(body.headers[HEADERS.forwardedFrom]).toBe('000.00.09.H41');
    expect(body.headers[HEADERS.msgId]).toBeUndefined();
    expect(body.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(body).toMatchObject({ size: m.data.length, inboxSeq: 42 });
    expect(JSON.stringify(body)).not.toContain('signature');
  });

  it('comes with its body already in canonical JSON', () => {
    const e = entryFromInboxCopy(
      inboxMessage({ envelopeId: DOC, from: '000.00.00.H41', to: '000.00.05.H41', statusCode: '03', responseFor: DOC, flags: 'a,b', hubSigned: true }),
    );
    expect(e.bodyText).toBe(canonicalJson(e.body));
  });

  it('files a status under the document it answers', () => {
    const e = entryFromInboxCopy(
      inboxMessage({ envelopeId: '01935f6e-8a3b-7c2d-9e4f-000000000001', from: '000.00.05.H41', to: '000.00.00.H41', statusCode: '01', responseFor: DOC }),
    );
    expect(e).toMatchObject({ type: 'status.01', messageId: DOC });
  });

  it('falls back to the stream time when the routing time is unusable', () => {
    const m = inboxMessage({ envelopeId: DOC, from: '000.00.00.H41', to: '000.00.05.H41' });
    m.headers[HEADERS.routedAt] = 'yesterday';
    m.storedAtMs = Date.parse('2026-01-02T03:04:05.006Z');
    expect(entryFromInboxCopy(m).at).toBe('2026-01-02T03:04:05.006Z');
  });

  it('recognises the audit service own receipts', () => {
    const m = inboxMessage({ envelopeId: DOC, from: '000.00.00.G22', to: '000.00.05.H41', kind: 'receipt', hubSigned: true });
    expect(isOwnReceipt(m)).toBe(true);
    expect(isOwnReceipt(inboxMessage({ envelopeId: DOC, from: '000.00.00.H41', to: '000.00.05.H41', kind: 'receipt' }))).toBe(false);
  });
});

describe('entryFromEvent', () => {
  it('keeps id, type, message id, agencies, time; body = emitting service + data', () => {
    const ev = hubEvent('msg.rejected', {
      id: '01935f6e-0000-7000-8000-000000000009',
      at: '2026-11-22T08:00:00+07:00',
      agencies: ['000.00.00.H41', '000.00.00.H41'],
      messageId: DOC.toUpperCase(),
      data: { reasonCode: 'BAD_SIGNATURE' },
    });
    const e = entryFromEvent(eventMessage(ev));
    expect(e).toEqual({
      source: 'event',
      id: ev.id,
      type: 'msg.rejected',
      messageId: DOC,
      agencies: ['000.00.00.H41'],
      at: '2026-11-22T01:00:00.000Z',
      body: { service: 'router', data: { reasonCode: 'BAD_SIGNATURE' } },
    });
  });

  it('records what is not a readable event instead of dropping it', () => {
    const m = eventMessage({ id: 'x' }, 7);
    m.data = Buffer.from('{not json');
    const e = entryFromEvent(m);
    expect(e).toMatchObject({ type: 'invalid.event', id: 'x', messageId: null });
    expect((e.body as { problem: string }).problem).toMatch(/not JSON/);
    const noId = eventMessage({ type: 'msg.rejected' }, 9);
    expect(entryFromEvent(noId)).toMatchObject({ type: 'invalid.event', id: 'T_EVENTS#9' });
    expect(entryFromEvent(eventMessage({ id: 'y', type: 'DROP TABLE' }))).toMatchObject({ type: 'invalid.event', id: 'y' });
  });
});

describe('storable values', () => {
  it('replaces NUL and lone surrogates, keeps valid pairs', () => {
    expect(storableText('a\u0000b')).toBe('a\uFFFDb');
    expect(storableText('x\uD800y\uDC00')).toBe('x\uFFFDy\uFFFD');
    expect(storableText('😀')).toBe('😀');
    expect(storableJson({ 'k\u0000': ['\uD83D', 1, Infinity, undefined], f: () => 1 })).toEqual({ 'k\uFFFD': ['\uFFFD', 1, null, null] });
  });

  it('normalises times to toISOString form and refuses what a month partition cannot hold', () => {
    expect(normaliseTime('2026-11-22T15:00:00+07:00')).toBe('2026-11-22T08:00:00.000Z');
    expect(normaliseTime('0001-01-01T00:00:00Z')).toBeNull();
    expect(normaliseTime('nope')).toBeNull();
    expect(normaliseTime(12)).toBeNull();
  });
});
