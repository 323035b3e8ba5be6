import { uuidv7 } from '@lt/contracts';
import { createTestDatabase, type TestDatabase } from '@lt/database';
import type { EnvelopeRecord, NumberRecord } from '../ports/routing-register';
import { PostgresRoutingRegister } from './postgres-register';

const SENDER = '000.00.00.H41';
const digest = (c: string) => c.repeat(64);
const env = (id: string, seq: number, d = 'a'): EnvelopeRecord => ({ id, sender: SENDER, seq, digest: digest(d) });
const num = (envelopeId: string, codeNumber: string, year = 2026): NumberRecord => ({ envelopeId, sender: SENDER, year, codeNumber, codeNotation: 'UBND' });

describe('PostgresRoutingRegister (one statement per batch)', () => {
  let db: TestDatabase;
  let reg: PostgresRoutingRegister;
  const at = new Date('2026-11-22T08:00:00.000Z');

  beforeAll(async () => {
    db = await createTestDatabase();
    reg = new PostgresRoutingRegister(db.ds);
  });
  afterAll(async () => {
    await db?.drop();
  });

  it('records new ids and reports what earlier batches recorded', async () => {
    const a = uuidv7();
    const b = uuidv7();
    const before = { ...reg.counts };
    const first = await reg.record([env(a, 1), env(b, 2)], [], at);
    expect(first.priors.size).toBe(0);
    // all new: the short statement did it
    expect(reg.counts).toEqual({ fast: before.fast + 1, full: before.full });
    const again = await reg.record([env(a, 1), env(b, 7, 'b'), env(uuidv7(), 8)], [], at);
    // not all new: the short statement was aborted and the full one decided
    expect(reg.counts).toEqual({ fast: before.fast + 1, full: before.full + 1 });
    expect(again.priors.get(a)).toEqual({ seq: 1, digest: digest('a') });
    expect(again.priors.get(b)).toEqual({ seq: 2, digest: digest('a') });
    expect(again.priors.size).toBe(2);
    const rows = await db.ds.query(`SELECT submit_seq::int AS seq FROM router_envelopes WHERE id = $1`, [b]);
    expect(rows).toEqual([{ seq: 2 }]);
  });

  it('takes numbers for new envelopes in batch order and reports earlier holders', async () => {
    const a = uuidv7();
    const b = uuidv7();
    const c = uuidv7();
    const r = await reg.record([env(a, 11), env(b, 12), env(c, 13)], [num(a, '1'), num(b, '1'), num(c, '2')], at);
    expect(r.numbers.get(a)).toEqual({ inserted: true, holder: null });
    expect(r.numbers.get(b)).toEqual({ inserted: false, holder: null }); // taken by a, earlier in this batch
    expect(r.numbers.get(c)).toEqual({ inserted: true, holder: null });

    const d = uuidv7();
    const later = await reg.record([env(d, 14)], [num(d, '1')], at);
    expect(later.numbers.get(d)).toEqual({ inserted: false, holder: a });
    // another year is another register
    const e = uuidv7();
    expect((await reg.record([env(e, 15)], [num(e, '1', 2027)], at)).numbers.get(e)).toEqual({ inserted: true, holder: null });
  });

  it('a redelivered envelope finds its own number; a replayed one takes none', async () => {
    const a = uuidv7();
    await reg.record([env(a, 21)], [num(a, '30')], at);
    const redelivery = await reg.record([env(a, 21)], [num(a, '30')], at);
    expect(redelivery.numbers.get(a)).toEqual({ inserted: false, holder: a });

    // a replay (same id, another sequence) proposing a fresh number: not registered (the short
    // statement, which inserts every number, was aborted as a whole: nothing of it stays)
    const replay = await reg.record([env(a, 22)], [num(a, '31')], at);
    expect(replay.numbers.has(a)).toBe(false);
    const rows = await db.ds.query(`SELECT count(*)::int AS n FROM router_document_numbers WHERE code_number = '31'`);
    expect(rows).toEqual([{ n: 0 }]);
  });

  it('does nothing for an empty batch', async () => {
    const r = await reg.record([], [], at);
    expect(r.priors.size + r.numbers.size).toBe(0);
  });
});
