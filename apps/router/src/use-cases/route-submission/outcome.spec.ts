import { uuidv7 } from '@lt/contracts';
import { FLAG_DUPLICATE_NUMBER, type Deliver, type Outcome, type Refuse, type RoutingDecision } from '../../domain/decision';
import { applyEnvelopeRegister, applyNumberRegister, envelopeRecordsOf, numberCandidatesOf } from './outcome';

const SENDER = '000.00.00.H41';

function facts(seq: number, digest = `d${seq}`.padEnd(64, '0')) {
  return { seq, subject: 'lt.submit.H41.00.00.000', receivedAtMs: 0, digest, subjectAgency: SENDER };
}

function deliver(id: string, seq: number, digest?: string, number?: { codeNumber: string }): Deliver {
  return {
    type: 'deliver',
    facts: facts(seq, digest),
    envelopeId: id,
    sender: SENDER,
    kid: `${SENDER}#k1`,
    envelope: { id, kind: 'document', from: SENDER, to: ['000.00.00.G12'], issuedAt: '2026-01-01T00:00:00.000Z', body: {} },
    copies: [{ recipient: '000.00.00.G12' }],
    ...(number ? { documentNumber: { sender: SENDER, year: 2026, codeNumber: number.codeNumber, codeNotation: 'UBND' } } : {}),
  };
}

function refuse(seq: number, extra: Partial<Refuse>): Refuse {
  return { type: 'refuse', facts: facts(seq), reasonCode: 'CLOCK_SKEW', reason: 'r', authenticated: true, bounceTo: SENDER, ...extra };
}

describe('envelope register', () => {
  it('records authenticated envelopes with an id, first occurrence only; never unauthenticated ones', () => {
    const a = uuidv7();
    const decisions: RoutingDecision[] = [
      deliver(a, 1),
      refuse(2, { envelopeId: uuidv7() }),
      refuse(3, { authenticated: false, bounceTo: null, envelopeId: uuidv7(), reasonCode: 'BAD_SIGNATURE' }),
      refuse(4, {}), // no readable id
      deliver(a, 5),
    ];
    const records = envelopeRecordsOf(decisions);
    expect(records.map((r) => r.seq)).toEqual([1, 2]);
    expect(records[0]).toEqual({ id: a, sender: SENDER, seq: 1, digest: facts(1).digest });
  });

  it('new and redelivered submissions keep their decision; a replay is ignored; other bytes under a used id are DUPLICATE', () => {
    const fresh = uuidv7();
    const redelivered = uuidv7();
    const replayed = uuidv7();
    const reused = uuidv7();
    const priors = new Map([
      [redelivered, { seq: 2, digest: facts(2).digest }],
      [replayed, { seq: 1, digest: 'same'.padEnd(64, '0') }],
      [reused, { seq: 1, digest: 'other'.padEnd(64, '0') }],
    ]);
    const out = applyEnvelopeRegister(
      [deliver(fresh, 1), deliver(redelivered, 2), deliver(replayed, 3, 'same'.padEnd(64, '0')), deliver(reused, 4, 'mine'.padEnd(64, '0'))],
      priors,
    );
    expect(out[0]).toMatchObject({ type: 'deliver', envelopeId: fresh, flags: [] });
    expect(out[1]).toMatchObject({ type: 'deliver', envelopeId: redelivered });
    expect(out[2]).toEqual({
      type: 'replay',
      facts: facts(3, 'same'.padEnd(64, '0')),
      envelopeId: replayed,
      sender: SENDER,
      firstSubmitSeq: 1,
      kind: 'document',
    });
    expect(out[3]).toMatchObject({ type: 'refuse', reasonCode: 'DUPLICATE', bounceTo: SENDER, envelopeId: reused, details: { firstSubmitSeq: 1 } });
  });

  it('a replay wins over a refusal the replayed bytes would get today (e.g. clock skew)', () => {
    const id = uuidv7();
    const out = applyEnvelopeRegister([refuse(9, { envelopeId: id })], new Map([[id, { seq: 1, digest: facts(9).digest }]]));
    expect(out[0]!.type).toBe('replay');
  });

  it('compares a second occurrence in the same batch with the first', () => {
    const id = uuidv7();
    const out = applyEnvelopeRegister(
      [deliver(id, 1, 'x'.padEnd(64, '0')), deliver(id, 2, 'x'.padEnd(64, '0')), deliver(id, 3, 'y'.padEnd(64, '0'))],
      new Map(),
    );
    expect(out.map((o) => (o.type === 'refuse' ? o.reasonCode : o.type))).toEqual(['deliver', 'replay', 'DUPLICATE']);
  });
});

describe('number register (Decree 30)', () => {
  const num = (id: string, seq: number, codeNumber: string): Outcome => ({ ...deliver(id, seq, undefined, { codeNumber }), flags: [] });

  it('proposes every new document once per envelope id, not de-duplicated by number', () => {
    const a = uuidv7();
    const decisions: RoutingDecision[] = [
      deliver(a, 1, undefined, { codeNumber: '1' }),
      deliver(uuidv7(), 2, undefined, { codeNumber: '1' }),
      deliver(uuidv7(), 3),
      refuse(4, {}),
      deliver(a, 5, undefined, { codeNumber: '1' }),
    ];
    expect(numberCandidatesOf(decisions).map((r) => r.codeNumber)).toEqual(['1', '1']);
  });

  it('flags a delivery whose number an earlier envelope holds; the holder and a redelivery of it stay unflagged', () => {
    const holder = uuidv7();
    const a = uuidv7();
    const c = uuidv7();
    const out = applyNumberRegister(
      [num(a, 1, '7'), num(holder, 2, '7'), num(c, 3, '8')],
      new Map([
        [a, { inserted: false, holder }],
        [holder, { inserted: false, holder }], // its own row: a redelivery
        [c, { inserted: true, holder: null }],
      ]),
    );
    expect(out[0]).toMatchObject({ flags: [FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: holder });
    expect(out[1]).toMatchObject({ flags: [] });
    expect(out[2]).toMatchObject({ flags: [] });
    expect((out[2] as Deliver & { firstEnvelopeWithNumber?: string }).firstEnvelopeWithNumber).toBeUndefined();
  });

  it('within one batch, the first document keeps the number and the later ones are flagged', () => {
    const a = uuidv7();
    const b = uuidv7();
    const c = uuidv7();
    const out = applyNumberRegister(
      [num(a, 1, '7'), num(b, 2, '7'), num(c, 3, '7')],
      new Map([
        [a, { inserted: true, holder: null }],
        [b, { inserted: false, holder: null }],
        [c, { inserted: false, holder: null }],
      ]),
    );
    expect(out.map((o) => (o as Deliver & { firstEnvelopeWithNumber?: string }).firstEnvelopeWithNumber)).toEqual([undefined, a, a]);
  });

  it('asks for a retry when a concurrent writer took the number (no holder visible)', () => {
    const a = uuidv7();
    expect(() => applyNumberRegister([num(a, 1, '7')], new Map([[a, { inserted: false, holder: null }]]))).toThrow(
      expect.objectContaining({ code: 'UNAVAILABLE' }),
    );
  });
});
