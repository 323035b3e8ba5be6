import {
  DOSSIER_CODE_HEADER,
  HEADERS,
  inboxCopyHeaderRecord,
  inboxCopyMsgId,
  parseInboxHeaders,
  setInboxCopyHeaders,
  type InboxCopyHeaders,
} from './inbox-headers';

const full: InboxCopyHeaders = {
  envelopeId: '01900000-0000-7000-8000-000000000001',
  from: '000.00.00.H41',
  to: '000.00.00.G12',
  kind: 'status',
  kid: '000.00.00.H41#k1',
  issuedAt: '2026-01-02T03:04:05.000Z',
  digest: 'ab'.repeat(32),
  submitSeq: 42,
  routedAt: '2026-01-02T03:04:06.000Z',
  copies: 3,
  forwardedFrom: '000.00.09.H41',
  responseFor: '01900000-0000-7000-8000-000000000000',
  statusCode: '03',
  flags: ['duplicate-number', 'other'],
  hubSigned: true,
  receiptItems: 7,
  dossierCode: 'G12.HS-2026-000001',
};

describe('inbox-copy headers', () => {
  it('writes every field under its wire name, as the wire strings', () => {
    expect(inboxCopyHeaderRecord(full)).toEqual({
      [HEADERS.envelopeId]: full.envelopeId,
      [HEADERS.from]: full.from,
      [HEADERS.to]: full.to,
      [HEADERS.kind]: 'status',
      [HEADERS.kid]: full.kid,
      [HEADERS.issuedAt]: full.issuedAt,
      [HEADERS.digest]: full.digest,
      [HEADERS.submitSeq]: '42',
      [HEADERS.routedAt]: full.routedAt,
      [HEADERS.copies]: '3',
      [HEADERS.forwardedFrom]: full.forwardedFrom,
      [HEADERS.responseFor]: full.responseFor,
      [HEADERS.statusCode]: '03',
      [HEADERS.flags]: 'duplicate-number,other',
      [HEADERS.hubSigned]: '1',
      [HEADERS.receiptItems]: '7',
      [DOSSIER_CODE_HEADER]: full.dossierCode,
    });
  });

  it('leaves optional headers out when unset, empty flags included', () => {
    const minimal: InboxCopyHeaders = {
      ...full,
      submitSeq: undefined,
      forwardedFrom: undefined,
      responseFor: undefined,
      statusCode: undefined,
      flags: [],
      hubSigned: false,
      receiptItems: undefined,
      dossierCode: undefined,
    };
    expect(Object.keys(inboxCopyHeaderRecord(minimal))).toEqual([
      HEADERS.envelopeId,
      HEADERS.from,
      HEADERS.to,
      HEADERS.kind,
      HEADERS.kid,
      HEADERS.issuedAt,
      HEADERS.digest,
      HEADERS.routedAt,
      HEADERS.copies,
    ]);
  });

  it('writes into any sink with set(), in one fixed order', () => {
    const calls: string[] = [];
    setInboxCopyHeaders({ set: (n, v) => calls.push(`${n}=${v}`) }, { ...full, dossierCode: undefined, receiptItems: undefined });
    expect(calls[0]).toBe(`${HEADERS.envelopeId}=${full.envelopeId}`);
    expect(calls.at(-1)).toBe(`${HEADERS.hubSigned}=1`);
    expect(calls).toHaveLength(15);
  });

  it('round-trips through a record and through a get() source', () => {
    const record = { ...inboxCopyHeaderRecord(full), [HEADERS.msgId]: inboxCopyMsgId(full.envelopeId, full.to) };
    const expected = { ...full, flags: [...full.flags!], msgId: `${full.envelopeId}:${full.to}` };
    expect(parseInboxHeaders(record)).toEqual(expected);
    const map = new Map(Object.entries(record));
    // MsgHdrs.get answers '' for a missing header, has() tells
    expect(parseInboxHeaders({ get: (n: string) => map.get(n) ?? '', has: (n: string) => map.has(n) })).toEqual(expected);
    expect(parseInboxHeaders({ get: (n: string) => map.get(n) ?? '' })).toEqual(expected);
  });

  it('reads missing and malformed headers as absent, never throwing', () => {
    expect(parseInboxHeaders(undefined)).toEqual({ flags: [], hubSigned: false });
    expect(parseInboxHeaders({})).toEqual({ flags: [], hubSigned: false });
    expect(
      parseInboxHeaders({
        [HEADERS.envelopeId]: '',
        [HEADERS.submitSeq]: 'twelve',
        [HEADERS.copies]: '-1',
        [HEADERS.receiptItems]: '1e3',
        [HEADERS.hubSigned]: 'yes',
        [HEADERS.flags]: ' a, ,b ',
        [HEADERS.from]: 'x',
      }),
    ).toEqual({ envelopeId: '', from: 'x', flags: ['a', 'b'], hubSigned: false });
  });

  it('tells a present empty header from a missing one when the source can', () => {
    const map = new Map<string, string>([[HEADERS.from, '']]);
    expect(parseInboxHeaders({ [HEADERS.from]: '' }).from).toBe('');
    expect(parseInboxHeaders({ get: (n: string) => map.get(n) ?? '', has: (n: string) => map.has(n) })).toEqual({ from: '', flags: [], hubSigned: false });
    // a bare get() cannot tell: '' is missing
    expect(parseInboxHeaders({ get: (n: string) => map.get(n) ?? '' })).toEqual({ flags: [], hubSigned: false });
  });

  it('does not take a header named "get" for a getter', () => {
    expect(parseInboxHeaders({ get: 'x', [HEADERS.kind]: 'document' } as Record<string, string>).kind).toBe('document');
  });

  it('reads only string values from a record (a stored entry may hold anything)', () => {
    expect(parseInboxHeaders({ [HEADERS.kind]: 3, [HEADERS.copies]: 2, [HEADERS.from]: null } as unknown as Record<string, string>)).toEqual({
      flags: [],
      hubSigned: false,
    });
  });
});
