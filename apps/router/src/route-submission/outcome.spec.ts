import { uuidv7 } from '@lt/contracts';
import { FLAG_DUPLICATE_NUMBER, type Deliver, type Outcome, type Refuse, type RoutingDecision } from './decision';
import { applyEnvelopeRegister, applyNumberRegister, envelopeRecordsOf, numberRecordsOf } from './outcome';

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
    expect(out[2]).toEqual({ type: 'replay', facts: facts(3, 'same'.padEnd(64, '0')), envelopeId: replayed, sender: SENDER, firstSubmitSeq: 1, kind: 'document' });
    expect(out[3]).toMatchObject({ type: 'refuse', reasonCode: 'DUPLICATE', bounceTo: SENDER, envelopeId: reused, details: { firstSubmitSeq: 1 } });
  });

  it('a replay wins over a refusal the replayed bytes would get today (e.g. clock skew)', () => {
    const id = uuidv7();
    const out = applyEnvelopeRegister([refuse(9, { envelopeId: id })], new Map([[id, { seq: 1, digest: facts(9).digest }]]));
    expect(out[0]!.type).toBe('replay');
  });

  it('compares a second occurrence in the same batch with the first', () => {
    const id = uuidv7();
    const out = applyEnvelopeRegister([deliver(id, 1, 'x'.padEnd(64, '0')), deliver(id, 2, 'x'.padEnd(64, '0')), deliver(id, 3, 'y'.padEnd(64, '0'))], new Map());
    expect(out.map((o) => (o.type === 'refuse' ? o.reasonCode : o.type))).toEqual(['deliver', 'replay', 'DUPLICATE']);
  });
});

describe('number register (Decree 30)', () => {
  it('registers the first occurrence of each number in the batch, deliveries only', () => {
    const outcomes: Outcome[] = [
      { ...deliver(uuidv7(), 1, undefined, { codeNumber: '1' }), flags: [] },
      { ...deliver(uuidv7(), 2, undefined, { codeNumber: '1' }), flags: [] },
      { ...deliver(uuidv7(), 3), flags: [] },
      refuse(4, {}),
    ];
    expect(numberRecordsOf(outcomes).map((r) => r.codeNumber)).toEqual(['1']);
  });

  it('flags a delivery whose number another envelope holds, keeps the holder unflagged, and flags later ones in the batch', () => {
    const holder = uuidv7();
    const a = uuidv7();
    const b = uuidv7();
    const c = uuidv7();
    const outcomes: Outcome[] = [
      { ...deliver(a, 1, undefined, { codeNumber: '7' }), flags: [] },
      { ...deliver(b, 2, undefined, { codeNumber: '7' }), flags: [] },
      { ...deliver(c, 3, undefined, { codeNumber: '8' }), flags: [] },
    ];
    const out = applyNumberRegister(
      outcomes,
      new Map([
        [a, holder],
        [c, c],
      ]),
    );
    expect(out[0]).toMatchObject({ flags: [FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: holder });
    expect(out[1]).toMatchObject({ flags: [FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: holder });
    expect(out[2]).toMatchObject({ flags: [] });
    expect((out[2] as Deliver & { firstEnvelopeWithNumber?: string }).firstEnvelopeWithNumber).toBeUndefined();
  });

  it('within one batch, the first document keeps the number and the second is flagged', () => {
    const a = uuidv7();
    const b = uuidv7();
    const out = applyNumberRegister(
      [
        { ...deliver(a, 1, undefined, { codeNumber: '7' }), flags: [] },
        { ...deliver(b, 2, undefined, { codeNumber: '7' }), flags: [] },
      ],
      new Map([[a, a]]),
    );
    expect(out[0]).toMatchObject({ flags: [] });
    expect(out[1]).toMatchObject({ flags: [FLAG_DUPLICATE_NUMBER], firstEnvelopeWithNumber: a });
  });
});
